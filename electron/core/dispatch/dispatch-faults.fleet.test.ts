// The fleet under faults, with real agents on the real models: two agent processes (one on loopback, one in a
// network namespace whose link the test cuts) and the console's built-in agent share a batch of the fixture
// images, both videos and the damaged files. One agent is SIGKILLed mid-batch and the other's link is cut:
// every good file ends done exactly once, every damaged file fails once with its own code, and no agent ran a
// file twice (counted per idempotency key in each agent's own SQLite file). Then the console itself is SIGKILLed
// mid-batch (the command line's `batch`), and a console started again finishes the batch, losing and repeating
// nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badFileCodes } from '../../../agent/test/bad-file-codes.js';
import type { ConsoleCore } from '../console-core.js';
import { createConsoleCore } from '../console-core.js';
import type { AnalysisRequest, BatchSummary } from '../contracts/requests.js';
import {
  createTokenWithCli,
  startAgentProcess,
  type AgentProcess,
} from '../../../test-harness/agent/agent-process.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';
import {
  startPartitionedAgent,
  type PartitionedAgent,
} from '../../../test-harness/console/partitioned-agent.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const isRoot = process.getuid?.() === 0;
const images = readdirSync(join(fixturesDir, 'images'))
  .filter((f) => !f.endsWith('.txt'))
  .map((f) => join(fixturesDir, 'images', f));
const videos = ['vtest.avi', 'Megamind.avi'].map((f) => join(fixturesDir, 'video', f));
const damaged = Object.keys(badFileCodes)
  .filter((f) => f !== 'pixel-bomb-30000x30000.png')
  .map((f) => join(fixturesDir, 'bad', f));
const agentEnv = { MEDIAFLEET_WARMUP: 'nsfw', MEDIAFLEET_WORKERS: '1' };

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.data as T;
}

async function waitForBatch(core: ConsoleCore, batchId: string, timeoutMs: number): Promise<BatchSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await call<BatchSummary>(core, 'batches:get', { batchId });
    if (batch.state === 'done') return batch;
    if (Date.now() > deadline)
      throw new Error(`batch not done after ${timeoutMs} ms: ${JSON.stringify(batch)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Jobs per idempotency key in an agent's own database: more than one would be a file run twice there. */
function jobsPerKey(agentDataDir: string): Map<string, number> {
  const db = new Database(join(agentDataDir, 'agent.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        'SELECT idempotency_key AS k, COUNT(*) AS n FROM jobs WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key',
      )
      .all() as { k: string; n: number }[];
    return new Map(rows.map((r) => [r.k, r.n]));
  } finally {
    db.close();
  }
}

describe.skipIf(!isRoot)(
  'the fleet under faults, on real agents (skipped: needs root for a network namespace)',
  () => {
    let dir: string;
    let loopback: AgentProcess;
    let loopbackDir: string;
    let loopbackToken: string;
    let far: PartitionedAgent;
    let core: ConsoleCore;
    let loopbackId: string;
    let farId: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mf-dispatch-faults-'));
      loopbackDir = join(dir, 'agent-loopback');
      loopbackToken = createTokenWithCli(loopbackDir, 'admin', 'console');
      [loopback, far] = await Promise.all([
        startAgentProcess({
          dataDir: loopbackDir,
          token: loopbackToken,
          env: agentEnv,
          readyTimeoutMs: 180_000,
        }),
        startPartitionedAgent({ index: 1, env: agentEnv }),
      ]);
      core = createConsoleCore({
        storePath: join(dir, 'console', 'console.sqlite'),
        vault: { kind: 'file', path: join(dir, 'console', 'vault.bin'), passphrase: 'faults' },
        localAgent: { appRoot: root, dataDir: join(dir, 'console', 'local-agent'), startNow: true },
        requests: { pollMs: 500, idleMs: 8000, unreachableGraceMs: 6000 },
      });
      loopbackId = (
        await call<{ id: string }>(core, 'agents:add', {
          name: 'vps-loopback',
          url: loopback.url,
          token: loopbackToken,
        })
      ).id;
      farId = (
        await call<{ id: string }>(core, 'agents:add', { name: 'vps-far', url: far.url, token: far.token })
      ).id;
    }, 400_000);
    afterAll(async () => {
      await core?.close();
      await loopback?.stop('SIGKILL').catch(() => undefined);
      await far?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a killed agent and a cut link: every good file is done once, every damaged file fails once with its own code', async () => {
      const { batch: pictures } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
        paths: [...images, ...damaged],
        analyses: ['nsfw', 'faces'],
      });
      const { batch: films } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
        paths: videos,
        analyses: ['video', 'nsfw'],
      });
      // Wait until both remote agents hold work, then break them: one process dies, the other's network goes.
      await expect
        .poll(
          async () => {
            const rows = [
              ...(await call<AnalysisRequest[]>(core, 'requests:list', { batchId: pictures.batchId })),
              ...(await call<AnalysisRequest[]>(core, 'requests:list', { batchId: films.batchId })),
            ];
            const busy = (id: string) =>
              rows.some((r) => r.agentId === id && ['queued', 'running'].includes(r.state));
            return busy(loopbackId) && busy(farId);
          },
          { timeout: 180_000, interval: 250 },
        )
        .toBe(true);
      await loopback.stop('SIGKILL');
      far.cut();
      const [p, f] = await Promise.all([
        waitForBatch(core, pictures.batchId, 900_000),
        waitForBatch(core, films.batchId, 900_000),
      ]);
      expect(p).toMatchObject({ done: images.length, failed: damaged.length, canceled: 0 });
      expect(f).toMatchObject({ done: 2, failed: 0 });
      const rows = [
        ...(await call<AnalysisRequest[]>(core, 'requests:list', { batchId: pictures.batchId })),
        ...(await call<AnalysisRequest[]>(core, 'requests:list', { batchId: films.batchId })),
      ];
      for (const r of rows.filter((r) => r.state === 'failed')) {
        expect(badFileCodes[r.fileName], `${r.fileName}: ${JSON.stringify(r.error)}`).toContain(
          r.error?.code,
        );
        expect(r.attempts, `${r.fileName} is the file's own failure: tried once`).toBe(1);
      }
      // Some work moved off the broken agents.
      expect(rows.filter((r) => r.attempts > 1).length).toBeGreaterThan(0);
      // One request, one result.
      const results = core.db
        .prepare(
          'SELECT COUNT(*) AS n FROM request_results r JOIN analysis_requests q ON q.id = r.request_id WHERE q.batch_id IN (?, ?)',
        )
        .get(pictures.batchId, films.batchId) as { n: number };
      expect(results.n).toBe(images.length + 2);
      // Every job any agent holds for these files is one the console sent and knows (no blind resend made a second
      // one), and no agent holds two jobs of one file.
      far.heal();
      const perAgent = [
        jobsPerKey(loopbackDir),
        jobsPerKey(far.dataDir),
        jobsPerKey(join(dir, 'console', 'local-agent')),
      ];
      const known = core.db
        .prepare(
          `SELECT q.idempotency_key AS k, COUNT(a.id) AS n FROM analysis_requests q LEFT JOIN request_attempts a ON a.request_id = q.id AND a.agent_job_id IS NOT NULL
         WHERE q.batch_id IN (?, ?) GROUP BY q.idempotency_key`,
        )
        .all(pictures.batchId, films.batchId) as { k: string; n: number }[];
      for (const { k, n } of known) {
        const held = perAgent.map((m) => m.get(k) ?? 0);
        expect(
          held.every((count) => count <= 1),
          `${k}: ${held}`,
        ).toBe(true);
        expect(
          held.reduce((a, b) => a + b, 0),
          `${k}: the agents hold ${held}, the console sent ${n}`,
        ).toBeLessThanOrEqual(Math.max(n, 1));
      }
      // The jobs the console abandoned there are canceled once it answers again.
      await expect
        .poll(
          async () => {
            const res = await fetch(`${far.url}/v1/jobs?limit=200`, {
              headers: { authorization: `Bearer ${far.token}` },
            });
            const { jobs } = (await res.json()) as { jobs: { status: string }[] };
            return jobs.filter((j) => j.status === 'queued' || j.status === 'running').length;
          },
          { timeout: 60_000, interval: 1000 },
        )
        .toBe(0);
    });

    it('a console SIGKILLed mid-batch: started again, it finishes the batch, losing and repeating nothing', async () => {
      const data = join(dir, 'cli-console');
      const env = { ...process.env, MEDIAFLEET_VAULT_PASSPHRASE: 'cli faults' };
      const cli = join(root, 'electron/server/cli.ts');
      const add = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          cli,
          'agents',
          'add',
          '--name',
          'vps-far',
          '--url',
          far.url,
          '--token',
          far.token,
          '--data',
          data,
        ],
        { env, stdio: 'ignore' },
      );
      expect(await new Promise((r) => add.once('exit', r))).toBe(0);
      const batch = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          cli,
          'batch',
          ...images,
          '--analyses',
          'nsfw',
          '--no-local-agent',
          '--data',
          data,
        ],
        { env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      batch.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      await expect
        .poll(() => /\b[1-9]\d*\/\d+ done/.test(stderr), { timeout: 180_000, interval: 200 })
        .toBe(true);
      batch.kill('SIGKILL');
      await new Promise((r) => batch.once('exit', r));
      const again = createConsoleCore({
        storePath: join(data, 'console.sqlite'),
        vault: { kind: 'file', path: join(data, 'vault.bin'), passphrase: 'cli faults' },
      });
      try {
        const [summary] = await call<BatchSummary[]>(again, 'batches:list', {});
        expect(summary!.remaining).toBeGreaterThan(0);
        const done = await waitForBatch(again, summary!.batchId, 600_000);
        expect(done).toMatchObject({ total: images.length, done: images.length, failed: 0 });
        expect([...jobsPerKey(far.dataDir).values()].every((n) => n === 1)).toBe(true);
        const results = again.db.prepare('SELECT COUNT(*) AS n FROM request_results').get() as { n: number };
        expect(results.n).toBe(images.length);
      } finally {
        await again.close();
      }
    });
  },
);
