// Crash recovery under repeated SIGKILLs of a real agent process (its worker is the trivial test worker, so a
// cycle takes a second or two; the real models' crash test is crash-recovery.test.ts). Jobs are submitted with
// idempotency keys and resubmitted when an answer was lost, uploads are cut off mid-way, and the agent is killed at
// random moments. In the end: every job succeeded (none failed only because the agent was killed, although one
// was interrupted more often than its attempts allow), each key has exactly one job, and no upload is left over.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenWithCli, sleepAgentMain, startAgentProcess, type AgentProcess } from '../../test-harness/agent/agent-process.js';
import { api, leftoverUploads, mediaForm, waitForStatus } from '../../test-harness/agent/test-agent.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-sigkill-loop-'));
let current: AgentProcess | undefined;
afterAll(async () => {
  await current?.stop('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A deterministic "random" sequence, so a failure can be replayed. */
function sequence(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function dbRows(): Array<{ id: string; idempotency_key: string; status: string; attempts: number; interruptions: number; worker_failures: number }> {
  const db = new Database(path.join(dataDir, 'agent.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT id, idempotency_key, status, attempts, interruptions, worker_failures FROM jobs').all() as never;
  } finally {
    db.close();
  }
}

/** Starts an upload and leaves it half sent: the kill that follows cuts it off. */
async function halfUpload(url: string, token: string): Promise<net.Socket> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const boundary = 'cutoff';
  socket.write(
    `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: 500000\r\n\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\n${'x'.repeat(100_000)}`,
  );
  return socket;
}

describe('SIGKILL loop', () => {
  it('no job fails because the agent was killed, nothing is lost or duplicated, no upload is left over', async () => {
    const token = createTokenWithCli(dataDir, 'submit', 'acme');
    const next = sequence(42);
    const env = { MEDIAFLEET_LEASE_MS: '1500', MEDIAFLEET_MAX_ATTEMPTS: '3', MEDIAFLEET_RATE_LIMIT_PER_MIN: '0' };
    const start = async () => (current = await startAgentProcess({ dataDir, workers: 1, token, env, main: sleepAgentMain, readyTimeoutMs: 30_000 }));
    const submitted = new Map<string, string>(); // idempotency key → job id, once an answer arrived
    const wanted: Array<{ key: string; content: string }> = [{ key: 'long', content: 'sleep 2500' }];
    for (let i = 0; i < 30; i++) wanted.push({ key: `job-${i}`, content: `sleep ${50 + Math.floor(next() * 400)}` });
    const submitAll = async (agent: AgentProcess) => {
      for (const w of wanted) {
        try {
          const res = await api(agent.url, token, 'POST', '/v1/jobs', mediaForm(w.content), { 'idempotency-key': w.key });
          if (res.status !== 202) throw new Error(`${w.key}: ${res.status} ${JSON.stringify(res.body)}`);
          const known = submitted.get(w.key);
          if (known) expect(res.body.id).toBe(known);
          submitted.set(w.key, res.body.id);
        } catch (err) {
          if ((err as Error).message.startsWith(w.key)) throw err;
          return; // the agent was killed meanwhile
        }
      }
    };

    // First cycles: the long job runs first after every start and is killed each time, more often than maxAttempts.
    for (let cycle = 0; cycle < 4; cycle++) {
      const agent = await start();
      if (cycle === 0) await submitAll(agent);
      await waitForStatus(agent.url, token, submitted.get('long')!, ['running'], 10_000);
      await new Promise((r) => setTimeout(r, 300 + next() * 500));
      await agent.stop('SIGKILL');
    }
    expect(dbRows().find((r) => r.idempotency_key === 'long')).toMatchObject({ status: 'running', interruptions: 3, worker_failures: 0 });

    // Then kills at random moments, with submissions in flight and uploads cut off half way.
    for (let cycle = 0; cycle < 6; cycle++) {
      const agent = await start();
      const submitting = submitAll(agent);
      const cut = await halfUpload(agent.url, token);
      await new Promise((r) => setTimeout(r, 200 + next() * 1200));
      await agent.stop('SIGKILL');
      cut.destroy();
      await submitting;
    }

    const agent = await start();
    await submitAll(agent);
    expect(submitted.size).toBe(wanted.length);
    for (const id of submitted.values()) {
      const job = await waitForStatus(agent.url, token, id, ['succeeded', 'failed', 'canceled'], 60_000);
      expect({ id, status: job.status, error: job.error }).toEqual({ id, status: 'succeeded', error: undefined });
    }
    const rows = dbRows();
    expect(rows).toHaveLength(wanted.length);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(wanted.length);
    expect(rows.every((r) => r.worker_failures === 0)).toBe(true);
    expect(rows.find((r) => r.idempotency_key === 'long')!.interruptions).toBeGreaterThanOrEqual(4);
    expect(await leftoverUploads(dataDir)).toEqual([]);
    expect(await agent.stop('SIGTERM')).toBe(0);
    current = undefined;
  }, 300_000);
});
