// Cluster mode on the real models, with agents as real processes: a front agent that takes uploads but runs
// nothing (MEDIAFLEET_CLUSTER_TAKE_JOBS=false) and worker agents that share its queue on a real redis-server.
// A worker is SIGKILLed in the middle of a job; another worker takes the job over once the dead one's lock runs
// out, and the front agent records the result exactly once, faces indexed. Then a video runs on the worker and
// its keyframe thumbnails are served by the front agent, which never ran it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenWithCli, startAgentProcess, type AgentProcess } from '../../test-harness/agent/agent-process.js';
import { fixturesDir } from '../../test-harness/shared-folder.js';
import { missingAnalyses } from '../../test-harness/agent/installed-analyses.js';
import { redisServerPath, startRedis, type TestRedis } from '../../test-harness/agent/redis-process.js';
import {
  api,
  leftoverUploads,
  mediaForm,
  startTestAgent,
  waitForStatus,
  type TestAgent,
} from '../../test-harness/agent/test-agent.js';

const missing = await missingAnalyses(['faces', 'ocr', 'nsfw']);
const skipReason = !redisServerPath
  ? 'no redis-server (Debian package redis-server)'
  : missing.length
    ? `models not installed: ${missing.join(', ')}`
    : '';

describe.skipIf(skipReason !== '')(
  `cluster on the real models: a worker dies mid-job${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let redis: TestRedis;
    let front: TestAgent;
    const workers: Array<{ process: AgentProcess; dataDir: string }> = [];
    const queueName = `takeover-${process.pid}`;

    async function startWorker(id: string): Promise<{ process: AgentProcess; dataDir: string }> {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mediafleet-${id}-`));
      const token = createTokenWithCli(dataDir, 'read', 'ops');
      const env = {
        REDIS_URL: redis.url,
        MEDIAFLEET_CLUSTER_QUEUE: queueName,
        MEDIAFLEET_AGENT_ID: id,
        // A short lock, so a dead worker's job is taken over within seconds; only the face models preloaded, so
        // the job (which loads OCR too) runs long enough to be killed in the middle.
        MEDIAFLEET_LEASE_MS: '1500',
        MEDIAFLEET_WARMUP: 'faces',
      };
      const worker = { process: await startAgentProcess({ dataDir, workers: 1, token, env }), dataDir };
      workers.push(worker);
      return worker;
    }

    const submitToFront = (content: Buffer, analyses: string, fileName: string) =>
      api(front.url, front.tokens.submit, 'POST', '/v1/jobs', mediaForm(content, { analyses }, fileName));
    const finishedAtFront = (id: string, timeoutMs: number) =>
      waitForStatus(front.url, front.tokens.submit, id, ['succeeded', 'failed'], timeoutMs);

    beforeAll(async () => {
      redis = await startRedis();
      front = await startTestAgent(
        { redisUrl: redis.url, clusterQueue: queueName, clusterTakesJobs: false, agentId: 'front' },
        { warmUp: [] },
      );
    });
    afterAll(async () => {
      for (const w of workers) {
        await w.process.stop('SIGKILL');
        fs.rmSync(w.dataDir, { recursive: true, force: true });
      }
      await front?.close();
      await redis?.close();
    });

    it('a job whose worker is SIGKILLed is finished by another worker, and recorded once by the front agent', async () => {
      const first = await startWorker('worker-1');
      const image = fs.readFileSync(path.join(fixturesDir, 'images/messi5.jpg'));
      const accepted = await submitToFront(image, 'faces,ocr', 'messi5.jpg');
      expect(accepted.status).toBe(202);
      // Running on worker-1 once the worker's own progress shows through instead of "waiting for a cluster worker".
      for (let until = Date.now() + 60_000; ;) {
        const job = (await api(front.url, front.tokens.submit, 'GET', `/v1/jobs/${accepted.body.id}`)).body;
        if (job.stage && job.stage !== 'waiting for a cluster worker') break;
        expect(job.status).toBe('running');
        if (Date.now() > until) throw new Error('no worker started the job within 60 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      await first.process.stop('SIGKILL');

      await startWorker('worker-2');
      const job = await finishedAtFront(accepted.body.id, 120_000);
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(job.result.agent.id).toBe('worker-2');
      expect(job.result.faces.length).toBeGreaterThanOrEqual(1);
      expect(job.result.ocr.text.toLowerCase()).toContain('unicef'); // expected.json: the shirt's sponsor
      // One job row at the front, its faces indexed there once; the workers keep no record of it.
      const list = await api(front.url, front.tokens.submit, 'GET', '/v1/jobs?limit=200');
      expect(list.body.jobs.filter((j: { id: string }) => j.id === accepted.body.id)).toHaveLength(1);
      const db = new Database(path.join(front.dataDir, 'agent.sqlite'), { readonly: true });
      try {
        expect(
          (
            db.prepare('SELECT count(*) AS n FROM faces WHERE job_id = ?').get(accepted.body.id) as {
              n: number;
            }
          ).n,
        ).toBe(job.result.faces.length);
      } finally {
        db.close();
      }
      for (const w of workers) {
        const workerDb = new Database(path.join(w.dataDir, 'agent.sqlite'), { readonly: true });
        try {
          expect((workerDb.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n).toBe(0);
        } finally {
          workerDb.close();
        }
      }
      expect(await leftoverUploads(front.dataDir)).toEqual([]);
      expect(await leftoverUploads(workers[1].dataDir)).toEqual([]);
    }, 240_000);

    it('a video run on a worker: the front agent serves its keyframe thumbnails', async () => {
      const video = fs.readFileSync(path.join(fixturesDir, 'video/Megamind.avi'));
      const accepted = await submitToFront(video, 'nsfw', 'Megamind.avi');
      const job = await finishedAtFront(accepted.body.id, 400_000);
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      expect(job.result.agent.id).toBe('worker-2');
      expect(job.result.timeline.length).toBeGreaterThan(0);
      for (const n of [0, job.result.timeline.length - 1]) {
        const res = await fetch(`${front.url}/v1/jobs/${job.id}/keyframes/${n}.jpg`, {
          headers: { authorization: `Bearer ${front.tokens.submit}` },
        });
        expect(res.status).toBe(200);
        expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe('jpeg');
      }
      // The worker handed its thumbnails over and kept none.
      expect(fs.existsSync(path.join(workers[1].dataDir, 'thumbnails', job.id))).toBe(false);
    }, 420_000);
  },
);
