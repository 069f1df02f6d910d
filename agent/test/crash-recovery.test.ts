// Crash safety with real parts: `serve` runs as a child process on the real models, is SIGKILLed while a job
// runs, and is started again on the same data dir. The job must finish, exactly once: one row, one stored
// result, its faces indexed once, its input removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenWithCli, startAgentProcess, type AgentProcess } from '../../test-harness/agent/agent-process.js';
import { missingAnalyses } from '../../test-harness/agent/installed-analyses.js';
import { api, leftoverUploads, mediaForm, waitForStatus } from '../../test-harness/agent/test-agent.js';
import { fixturesDir } from '../../test-harness/shared-folder.js';

const missing = await missingAnalyses(['faces', 'ocr']);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-crash-test-'));
const started: AgentProcess[] = [];
afterAll(async () => {
  for (const p of started) await p.stop('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function jobRow(id: string): { status: string; attempts: number; result: string | null } {
  const db = new Database(path.join(dataDir, 'agent.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT status, attempts, result FROM jobs WHERE id = ?').get(id) as { status: string; attempts: number; result: string | null };
  } finally {
    db.close();
  }
}

describe('crash recovery', () => {
  it.skipIf(missing.length > 0)(
    `a job running when the agent is SIGKILLed finishes exactly once after a restart${missing.length ? ` (skipped: models not installed: ${missing.join(', ')})` : ''}`,
    async () => {
      const token = createTokenWithCli(dataDir, 'submit', 'acme');
      // A short lease so the restarted agent may take the dead agent's job over within seconds; only the face
      // models preloaded, so start-up is quicker and the job (which also loads OCR) runs long enough to be killed.
      const env = { MEDIAFLEET_LEASE_MS: '1500', MEDIAFLEET_WARMUP: 'faces' };
      const first = await startAgentProcess({ dataDir, workers: 1, token, env });
      started.push(first);
      const image = fs.readFileSync(path.join(fixturesDir, 'images/basketball1.png'));
      const accepted = await api(first.url, token, 'POST', '/v1/jobs', mediaForm(image, { analyses: 'faces,ocr' }, 'basketball1.png'));
      expect(accepted.status).toBe(202);
      await waitForStatus(first.url, token, accepted.body.id, ['running'], 30_000);
      await first.stop('SIGKILL');
      // Killed mid-job: the database still says running, under the dead agent's lease.
      expect(jobRow(accepted.body.id)).toMatchObject({ status: 'running', attempts: 1, result: null });

      const second = await startAgentProcess({ dataDir, workers: 1, token, env });
      started.push(second);
      const job = await waitForStatus(second.url, token, accepted.body.id, ['succeeded', 'failed'], 90_000);
      expect(job.status).toBe('succeeded');
      expect(job.attempts).toBe(2);
      expect(job.result.faces.length).toBeGreaterThanOrEqual(1);

      const list = await api(second.url, token, 'GET', '/v1/jobs?limit=200');
      expect(list.body.jobs.filter((j: { id: string }) => j.id === accepted.body.id)).toHaveLength(1);
      const db = new Database(path.join(dataDir, 'agent.sqlite'), { readonly: true });
      try {
        const faces = db.prepare('SELECT count(*) AS n FROM faces WHERE job_id = ?').get(accepted.body.id) as { n: number };
        expect(faces.n).toBe(job.result.faces.length);
      } finally {
        db.close();
      }
      expect(await leftoverUploads(dataDir)).toEqual([]);
      // SIGTERM is a graceful stop: exit code 0.
      expect(await second.stop('SIGTERM')).toBe(0);
    },
    240_000,
  );
});
