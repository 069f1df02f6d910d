// Pulling a model onto an agent through the console contract, as an operation, on a real built-in agent (child
// process, real HTTP, its real model manager and sha256 check) fetching the real whisper.cpp test model
// (../shared/models) from a local mirror that serves it slowly enough to watch and to cancel.
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import type { OperationEvent } from '../contracts/define.js';
import type { AgentModel } from '../contracts/models.js';
import type { OperationRecord } from '../contracts/operations.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const modelId = 'whisper-for-tests-tiny.en';
const servedFile = resolve(appRoot, '../shared/models/for-tests-ggml-tiny.en.bin');
const servedSize = statSync(servedFile).size;

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.data as T;
}

describe('model pulls as operations on a real built-in agent', () => {
  let dir: string;
  let mirror: http.Server;
  let core: ConsoleCore;
  /** Pause between 32 KiB chunks. */
  // About 2.5 s for the 0.6 MB file: enough readings of its progress even on a loaded machine.
  let chunkDelayMs = 130;
  const saved = { models: process.env.MEDIAFLEET_MODELS_DIR, mirror: process.env.MEDIAFLEET_MODEL_MIRROR, warmUp: process.env.MEDIAFLEET_WARMUP };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-model-pull-'));
    mirror = http.createServer((req, res) => {
      if (req.url !== `/${modelId}/for-tests-ggml-tiny.en.bin`) return void res.writeHead(404).end();
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, { 'content-length': String(servedSize - start), ...(range ? { 'content-range': `bytes ${start}-${servedSize - 1}/${servedSize}` } : {}) });
      const stream = createReadStream(servedFile, { start, highWaterMark: 32 * 1024 });
      stream.on('data', (chunk) => {
        res.write(chunk);
        stream.pause();
        setTimeout(() => stream.resume(), chunkDelayMs);
      });
      stream.on('end', () => res.end());
      res.on('close', () => stream.destroy());
    });
    await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
    // The built-in agent inherits the console's environment: its model cache and mirror are set the way an
    // operator would set them.
    process.env.MEDIAFLEET_MODELS_DIR = join(dir, 'models');
    process.env.MEDIAFLEET_MODEL_MIRROR = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    process.env.MEDIAFLEET_WARMUP = 'none';
    core = openTestCore(dir, { localAgent: { appRoot, dataDir: join(dir, 'agent') } });
  });
  afterAll(async () => {
    await core?.close();
    await new Promise((r) => mirror.close(r));
    process.env.MEDIAFLEET_MODELS_DIR = saved.models;
    process.env.MEDIAFLEET_MODEL_MIRROR = saved.mirror;
    process.env.MEDIAFLEET_WARMUP = saved.warmUp;
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the model as not installed with its size, pulls it with progress, then lists it installed', async () => {
    const before = (await call<AgentModel[]>(core, 'models:list', { agentId: 'local' })).find((m) => m.id === modelId);
    expect(before).toMatchObject({ installed: false, bytes: servedSize, pulling: false, kind: 'managed' });
    const events: OperationEvent[] = [];
    core.operations.events.on('operation', (e) => events.push(e));
    const { operationId } = await call<{ operationId: string }>(core, 'models:pull', { agentId: 'local', modelId });
    expect(await core.operations.settled(operationId)).toBe('succeeded');
    const mine = events.filter((e) => e.operationId === operationId);
    const fractions = mine.map((e) => e.progress ?? 0);
    // Several readings between none and all of it, never going back.
    expect(new Set(fractions.filter((p) => p > 0 && p < 1)).size).toBeGreaterThanOrEqual(3);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(mine.some((e) => /MB of 0\.6 MB/.test(e.line ?? ''))).toBe(true);
    const after = (await call<AgentModel[]>(core, 'models:list', { agentId: 'local' })).find((m) => m.id === modelId);
    expect(after).toMatchObject({ installed: true, bytes: servedSize });

    // Pulling it again finds it installed: the step is satisfied and nothing is downloaded.
    const again = await call<{ operationId: string }>(core, 'models:pull', { agentId: 'local', modelId });
    expect(await core.operations.settled(again.operationId)).toBe('succeeded');
    expect((await call<OperationRecord>(core, 'operations:status', again)).steps[0]).toMatchObject({ status: 'satisfied', alreadySatisfied: true });
  });

  it('cancel stops the pull on the agent; a model the agent does not know is refused before anything starts', async () => {
    chunkDelayMs = 300;
    const cancelable = 'whisper-tiny.en';
    const { operationId } = await call<{ operationId: string }>(core, 'models:pull', { agentId: 'local', modelId: cancelable });
    // The mirror serves only the test model, so this pull would fail; cancel it while it is asking.
    expect(await call(core, 'operations:cancel', { operationId })).toEqual({ canceled: true });
    expect(await core.operations.settled(operationId)).toBe('canceled');
    expect((await call<AgentModel[]>(core, 'models:list', { agentId: 'local' })).find((m) => m.id === cancelable)).toMatchObject({ installed: false, pulling: false });
    await expect(call(core, 'models:pull', { agentId: 'local', modelId: 'no-such-model' })).rejects.toMatchObject({ code: 'MODEL_UNKNOWN' });
    await expect(call(core, 'models:pull', { agentId: 'local', modelId: 'Bad Id' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('a pull that fails on the agent fails the operation with the agent\'s reason', async () => {
    chunkDelayMs = 0;
    const { operationId } = await call<{ operationId: string }>(core, 'models:pull', { agentId: 'local', modelId: 'whisper-base.en' });
    expect(await core.operations.settled(operationId)).toBe('failed');
    const record = await call<OperationRecord>(core, 'operations:status', { operationId });
    expect(record.error).toMatchObject({ code: 'AGENT_MODEL_DOWNLOAD_FAILED', message: expect.stringMatching(/HTTP 404/) });
  });
});
