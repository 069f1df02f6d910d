// Analysis requests on a fleet of real agent processes (real HTTP, real SQLite queues, real worker threads) whose
// worker is the timing worker (a stand-in for the models: a fixed time per job, so the dispatcher's behaviour is
// what is measured), and a real console store: every file is a request before it is sent; the fleet shares the
// work by speed; a pinned batch stays on its agent; a killed agent's work goes elsewhere; a console that stops
// and starts again finishes the batch; nothing runs twice on an agent; a changed or vanished file fails with its
// own code; results are kept, exported and deleted, with their jobs erased on the agents (at once, or once an agent
// that was down is back, across a console restart); a bad agent is refused before it is stored.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import type { AgentSummary } from '../contracts/agents.js';
import type { AgentErasure, AnalysisRequest, BatchSummary, RequestAttempt } from '../contracts/requests.js';
import { secretNames } from '../secrets/secret-vault.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';
import { startTimingAgent, type TimingAgent } from '../../../test-harness/agent/timing-agent.js';

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok)
    throw Object.assign(new Error(`${answer.error.code}: ${answer.error.message}`), {
      code: answer.error.code,
    });
  return answer.data as T;
}

async function waitForBatch(core: ConsoleCore, batchId: string, timeoutMs = 60_000): Promise<BatchSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await call<BatchSummary>(core, 'batches:get', { batchId });
    if (batch.state === 'done' || batch.state === 'canceled') return batch;
    if (Date.now() > deadline)
      throw new Error(`batch still ${batch.state} (${batch.remaining} left) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every job an agent holds, by idempotency key: the proof that nothing ran twice there. */
async function jobsOn(agent: TimingAgent): Promise<Array<{ id: string; status: string; file: string }>> {
  const jobs: Array<{ id: string; status: string; file: string }> = [];
  let cursor: string | null = null;
  do {
    const res: Response = await fetch(`${agent.url}/v1/jobs?limit=200${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    const page = (await res.json()) as {
      jobs: Array<{ id: string; status: string; file: string }>;
      nextCursor: string | null;
    };
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return jobs;
}

/** What the agent answers for one job: 200 while it holds it, 404 once it is erased. */
async function jobStatusOn(agent: TimingAgent, jobId: string): Promise<number> {
  const res = await fetch(`${agent.url}/v1/jobs/${jobId}`, {
    headers: { authorization: `Bearer ${agent.token}` },
  });
  await res.body?.cancel();
  return res.status;
}

/** The agent job ids of a batch's requests, from their attempts. */
async function agentJobIdsOf(core: ConsoleCore, batchId: string): Promise<string[]> {
  const ids: string[] = [];
  for (const r of await call<AnalysisRequest[]>(core, 'requests:list', { batchId })) {
    const { history } = await call<{ history: RequestAttempt[] }>(core, 'requests:get', {
      requestId: r.requestId,
    });
    ids.push(...history.flatMap((a) => (a.agentJobId ? [a.agentJobId] : [])));
  }
  return [...new Set(ids)];
}

function register(core: ConsoleCore, name: string, agent: TimingAgent): Promise<AgentSummary> {
  return call<AgentSummary>(core, 'agents:add', { name, url: agent.url, token: agent.token });
}

describe('analysis requests on a fleet of agent processes (timing workers)', () => {
  let dir: string;
  let files: string;
  let fast: TimingAgent;
  let slow: TimingAgent;
  let core: ConsoleCore;
  let fastId: string;
  let slowId: string;
  const fastMs = 60;
  const slowMs = 240;
  const coreOptions = { requests: { pollMs: 100, idleMs: 4000, unreachableGraceMs: 1500 } };

  const makeFiles = (prefix: string, n: number): string[] =>
    Array.from({ length: n }, (_, i) => {
      const path = join(files, `${prefix}-${String(i).padStart(3, '0')}.jpg`);
      // Distinct content: the idempotency key is the content's hash (with the analyses, options and client).
      writeFileSync(path, `${prefix} ${i} ${'x'.repeat(1000 + i)}`);
      return path;
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mf-requests-'));
    files = join(dir, 'files');
    rmSync(files, { recursive: true, force: true });
    mkdirSync(files, { recursive: true });
    [fast, slow] = await Promise.all([
      startTimingAgent({ jobMs: fastMs }),
      startTimingAgent({ jobMs: slowMs }),
    ]);
    core = openTestCore(dir, coreOptions);
    fastId = (await register(core, 'fast', fast)).id;
    slowId = (await register(core, 'slow', slow)).id;
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    await Promise.all([fast?.stop(), slow?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a folder is a batch of requests written before anything is sent; the fleet shares it by speed; results are kept', async () => {
    const paths = makeFiles('share', 20);
    writeFileSync(join(files, 'notes.txt'), 'not media');
    const { batch, requests } = await call<{ batch: BatchSummary; requests: AnalysisRequest[] }>(
      core,
      'requests:submit',
      { paths: [files], clientLabel: 'acme' },
    );
    expect(batch).toMatchObject({
      total: 20,
      state: 'running',
      clientLabel: 'acme',
      skipped: [{ path: join(files, 'notes.txt'), reason: expect.stringMatching(/not a media file/) }],
    });
    expect(requests.map((r) => r.fileName).sort()).toEqual(paths.map((p) => p.split('/').at(-1)).sort());
    expect(requests.every((r) => r.sha256?.length === 64 && r.bytes > 1000)).toBe(true);
    const done = await waitForBatch(core, batch.batchId);
    expect(done).toMatchObject({ state: 'done', done: 20, failed: 0, remaining: 0 });
    const finished = await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId });
    const perAgent = {
      fast: finished.filter((r) => r.agentId === fastId).length,
      slow: finished.filter((r) => r.agentId === slowId).length,
    };
    // Four times as fast: clearly more of the work, and both take part.
    expect(perAgent.fast).toBeGreaterThan(perAgent.slow);
    expect(perAgent.slow).toBeGreaterThan(0);
    expect(
      finished.every((r) => r.state === 'done' && /^earliest finish: (fast|slow)/.test(r.decision ?? '')),
    ).toBe(true);
    const result = await call<{ media: { sha256: string } }>(core, 'requests:result', {
      requestId: finished[0]!.requestId,
    });
    expect(result.media.sha256).toBe(finished[0]!.sha256);
    // One job per file on the agent that ran it: nothing ran twice.
    const jobs = [...(await jobsOn(fast)), ...(await jobsOn(slow))].filter((j) =>
      j.file.startsWith('share-'),
    );
    expect(jobs).toHaveLength(20);
    expect(new Set(jobs.map((j) => j.file)).size).toBe(20);
  });

  it('a batch pinned to one agent runs there only; an unknown agent makes it wait with the reason', async () => {
    makeFiles('pinned', 4);
    const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
      paths: [
        join(files, 'pinned-000.jpg'),
        join(files, 'pinned-001.jpg'),
        join(files, 'pinned-002.jpg'),
        join(files, 'pinned-003.jpg'),
      ],
      target: { kind: 'agent', agentId: slowId },
    });
    await waitForBatch(core, batch.batchId);
    const rows = await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId });
    expect(rows.every((r) => r.agentId === slowId && r.decision?.startsWith('pinned to slow'))).toBe(true);
    const stray = makeFiles('stray', 1);
    const waiting = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
      paths: stray,
      target: { kind: 'agent', agentId: 'no-such-agent' },
    });
    await expect
      .poll(
        async () =>
          (await call<AnalysisRequest[]>(core, 'requests:list', { batchId: waiting.batch.batchId }))[0]
            ?.decision,
        { timeout: 5000 },
      )
      .toMatch(/waiting: the agent this batch is pinned to is not in the fleet/);
    await call(core, 'batches:cancel', { batchId: waiting.batch.batchId });
  });

  it('a changed or vanished file fails with its own code and the rest of the batch goes on', async () => {
    const [changed, vanished, fine] = makeFiles('fault', 3);
    // Submitted paused: written and hashed now, sent only once resumed.
    const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
      paths: [changed, vanished, fine],
      paused: true,
    });
    expect(batch.state).toBe('paused');
    writeFileSync(changed!, 'other content' + 'y'.repeat(1200));
    unlinkSync(vanished!);
    await call(core, 'batches:resume', { batchId: batch.batchId });
    const done = await waitForBatch(core, batch.batchId);
    expect(done).toMatchObject({ done: 1, failed: 2 });
    const rows = await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId });
    const byName = Object.fromEntries(rows.map((r) => [r.fileName, r]));
    expect(byName['fault-000.jpg']!.error).toMatchObject({
      code: 'FILE_CHANGED',
      message: expect.stringMatching(/changed after it was submitted/),
    });
    expect(byName['fault-001.jpg']!.error).toMatchObject({ code: 'FILE_VANISHED' });
    expect(byName['fault-002.jpg']!.state).toBe('done');
    // The file's own failures are final: tried once, nowhere else.
    expect(byName['fault-000.jpg']!.attempts).toBe(1);
  });

  it('a killed agent: its requests go to the other one, and every file is done exactly once', async () => {
    const victim = await startTimingAgent({ jobMs: 400 });
    const victimId = (await register(core, 'victim', victim)).id;
    try {
      const paths = makeFiles('kill', 16);
      const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', { paths });
      await expect
        .poll(
          async () =>
            (await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId })).some(
              (r) => r.agentId === victimId && r.state === 'running',
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      await victim.kill();
      const done = await waitForBatch(core, batch.batchId, 90_000);
      expect(done).toMatchObject({ done: 16, failed: 0 });
      const rows = await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId });
      expect(rows.every((r) => r.agentId !== victimId)).toBe(true);
      const moved = rows.filter((r) => r.attempts > 1);
      expect(moved.length).toBeGreaterThan(0);
      const detail = await call<{ history: RequestAttempt[] }>(core, 'requests:get', {
        requestId: moved[0]!.requestId,
      });
      expect(detail.history.map((a) => a.outcome)).toEqual([
        ...detail.history.slice(0, -1).map(() => 'abandoned'),
        'done',
      ]);
      // On the agents still alive, one job per file at most.
      const jobs = [...(await jobsOn(fast)), ...(await jobsOn(slow))].filter((j) =>
        j.file.startsWith('kill-'),
      );
      expect(new Set(jobs.map((j) => j.file)).size).toBe(jobs.length);
    } finally {
      await call(core, 'agents:remove', { agentId: victimId });
      await victim.stop();
    }
  });

  it('a console that stops mid-batch and starts again finishes it; nothing runs twice on an agent', async () => {
    const paths = makeFiles('restart', 12);
    const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', { paths });
    await expect
      .poll(async () => (await call<BatchSummary>(core, 'batches:get', { batchId: batch.batchId })).done, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(2);
    await core.close();
    core = openTestCore(dir, coreOptions);
    const done = await waitForBatch(core, batch.batchId);
    expect(done).toMatchObject({ done: 12, failed: 0 });
    const jobs = [...(await jobsOn(fast)), ...(await jobsOn(slow))].filter((j) =>
      j.file.startsWith('restart-'),
    );
    expect(jobs).toHaveLength(12);
  });

  it('exports a batch as JSONL and CSV, and deletes requests with their results', async () => {
    const [batch] = await call<BatchSummary[]>(core, 'batches:list', {});
    const all = (await call<BatchSummary[]>(core, 'batches:list', {})).find((b) => b.label === 'files')!;
    expect(batch).toBeDefined();
    const jsonl = await call<{ text: string; fileName: string }>(core, 'batches:export', {
      batchId: all.batchId,
      format: 'jsonl',
    });
    const lines = jsonl.text
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { file: string; state: string; result: { media: { bytes: number } } | null },
      );
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => l.state === 'done' && l.result!.media.bytes > 1000)).toBe(true);
    const csv = await call<{ text: string; mime: string }>(core, 'batches:export', {
      batchId: all.batchId,
      format: 'csv',
    });
    expect(csv.mime).toBe('text/csv');
    expect(csv.text.split('\n')[0]).toMatch(/^file,path,state,agent,client/);
    expect(csv.text.trim().split('\n')).toHaveLength(21);
    const jobIds = await agentJobIdsOf(core, all.batchId);
    expect(jobIds).toHaveLength(20);
    // Each job is on the agent that ran it (the other answers 404 for it either way).
    const heldOnAgents = async (): Promise<number> =>
      (
        await Promise.all(
          jobIds.map(
            async (id) => (await jobStatusOn(fast, id)) === 200 || (await jobStatusOn(slow, id)) === 200,
          ),
        )
      ).filter(Boolean).length;
    expect(await heldOnAgents()).toBe(20);
    // Deleted in the console and erased on the agents in the same call (both agents answer).
    expect(await call(core, 'requests:delete', { clientLabel: 'acme' })).toEqual({
      deleted: 20,
      erasure: { erased: 20, pending: 0, failed: 0 },
    });
    expect(await call<AnalysisRequest[]>(core, 'requests:list', { clientLabel: 'acme' })).toEqual([]);
    await expect(call(core, 'batches:get', { batchId: all.batchId })).rejects.toMatchObject({
      code: 'BATCH_NOT_FOUND',
    });
    expect(await heldOnAgents()).toBe(0);
    expect(
      (await jobsOn(fast)).concat(await jobsOn(slow)).filter((j) => j.file.startsWith('share-')),
    ).toEqual([]);
    const receipts = (await call<AgentErasure[]>(core, 'requests:erasures', { state: 'erased' })).filter(
      (e) => jobIds.includes(e.agentJobId),
    );
    expect(receipts).toHaveLength(20);
    expect(
      receipts.every(
        (e) => e.removed?.jobs === 1 && e.removed.results === 1 && ['fast', 'slow'].includes(e.agentName!),
      ),
    ).toBe(true);
  });

  it('eraseOnAgents: false deletes the console’s copy only; the jobs stay on the agent', async () => {
    const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
      paths: makeFiles('keep', 2),
      target: { kind: 'agent', agentId: fastId },
    });
    await waitForBatch(core, batch.batchId);
    const jobIds = await agentJobIdsOf(core, batch.batchId);
    expect(jobIds).toHaveLength(2);
    expect(await call(core, 'requests:delete', { batchId: batch.batchId, eraseOnAgents: false })).toEqual({
      deleted: 2,
      erasure: { erased: 0, pending: 0, failed: 0 },
    });
    expect(await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId })).toEqual([]);
    for (const id of jobIds) expect(await jobStatusOn(fast, id)).toBe(200);
    const queue = await call<AgentErasure[]>(core, 'requests:erasures', { limit: 10_000 });
    expect(queue.filter((e) => jobIds.includes(e.agentJobId))).toEqual([]);
  });

  it('a job that a request still in the console shares (same file, same key) is erased only with the last of them', async () => {
    const [twin] = makeFiles('twin', 1);
    const submitTwin = async (): Promise<string> => {
      const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
        paths: [twin],
        target: { kind: 'agent', agentId: fastId },
      });
      await waitForBatch(core, batch.batchId);
      return batch.batchId;
    };
    const [one, two] = [await submitTwin(), await submitTwin()];
    const [jobId] = await agentJobIdsOf(core, one);
    // The agent knew the key: both requests are the one job there.
    expect(await agentJobIdsOf(core, two)).toEqual([jobId]);
    expect(await call(core, 'requests:delete', { batchId: one })).toEqual({
      deleted: 1,
      erasure: { erased: 0, pending: 0, failed: 0 },
    });
    expect(await jobStatusOn(fast, jobId!)).toBe(200);
    expect(await call(core, 'requests:delete', { batchId: two })).toEqual({
      deleted: 1,
      erasure: { erased: 1, pending: 0, failed: 0 },
    });
    expect(await jobStatusOn(fast, jobId!)).toBe(404);
  });

  it('an agent down when its requests are deleted: the erasures wait in the store, survive a console restart, and are done once it is back', async () => {
    const agentDir = mkdtempSync(join(tmpdir(), 'mf-erasure-agent-'));
    let flaky = await startTimingAgent({ jobMs: 20, dataDir: agentDir });
    const port = Number(new URL(flaky.url).port);
    const flakyId = (await register(core, 'flaky', flaky)).id;
    const flakyRows = async (state?: string): Promise<AgentErasure[]> =>
      (await call<AgentErasure[]>(core, 'requests:erasures', { state, limit: 10_000 })).filter(
        (e) => e.agentId === flakyId,
      );
    try {
      const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
        paths: makeFiles('flaky', 3),
        target: { kind: 'agent', agentId: flakyId },
      });
      await waitForBatch(core, batch.batchId);
      const jobIds = await agentJobIdsOf(core, batch.batchId);
      expect(jobIds).toHaveLength(3);
      await flaky.kill();
      expect(await call(core, 'requests:delete', { batchId: batch.batchId })).toEqual({
        deleted: 3,
        erasure: { erased: 0, pending: 3, failed: 0 },
      });
      const waiting = await flakyRows('pending');
      expect(waiting.map((e) => e.agentJobId).sort()).toEqual([...jobIds].sort());
      expect(
        waiting.every(
          (e) => e.agentName === 'flaky' && e.lastError?.code === 'AGENT_UNREACHABLE' && e.erasedAt === null,
        ),
      ).toBe(true);
      // The unreachable agent was asked for its first job only, not once per job (a timer pass may have asked again).
      expect(waiting.filter((e) => e.tries > 0)).toHaveLength(1);

      await core.close();
      core = openTestCore(dir, coreOptions);
      expect((await flakyRows('pending')).map((e) => e.agentJobId).sort()).toEqual([...jobIds].sort());

      flaky = await startTimingAgent({ jobMs: 20, dataDir: agentDir, port });
      for (const id of jobIds) expect(await jobStatusOn(flaky, id)).toBe(200);
      await expect
        .poll(async () => (await flakyRows()).map((e) => e.state), { timeout: 20_000, interval: 250 })
        .toEqual(['erased', 'erased', 'erased']);
      const done = await flakyRows();
      expect(done.every((e) => e.lastError === null && e.erasedAt !== null && e.removed?.results === 1)).toBe(
        true,
      );
      for (const id of jobIds) expect(await jobStatusOn(flaky, id)).toBe(404);
    } finally {
      await call(core, 'agents:remove', { agentId: flakyId });
      await flaky.stop();
      rmSync(agentDir, { recursive: true, force: true });
    }
  });

  it('an agent removed from the console: its erasures are given up with why, kept in the listing, its job left alone', async () => {
    const gone = await startTimingAgent({ jobMs: 20 });
    try {
      const goneId = (await register(core, 'gone-soon', gone)).id;
      const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', {
        paths: makeFiles('gone', 1),
        target: { kind: 'agent', agentId: goneId },
      });
      await waitForBatch(core, batch.batchId);
      const [jobId] = await agentJobIdsOf(core, batch.batchId);
      await call(core, 'agents:remove', { agentId: goneId });
      expect(await call(core, 'requests:delete', { batchId: batch.batchId })).toEqual({
        deleted: 1,
        erasure: { erased: 0, pending: 0, failed: 1 },
      });
      const rows = (await call<AgentErasure[]>(core, 'requests:erasures', { state: 'failed' })).filter(
        (e) => e.agentId === goneId,
      );
      expect(rows).toEqual([
        expect.objectContaining({
          agentName: 'gone-soon',
          agentJobId: jobId,
          state: 'failed',
          lastError: {
            code: 'AGENT_REMOVED',
            message: expect.stringMatching(/^gone-soon was removed from the console/),
          },
          erasedAt: null,
        }),
      ]);
      expect(await jobStatusOn(gone, jobId!)).toBe(200);
    } finally {
      await gone.stop();
    }
  });

  it('an agent added by URL is checked first: unreachable, a wrong token and something that is not an agent are refused, nothing stored', async () => {
    const before = (await call<AgentSummary[]>(core, 'agents:list', {})).length;
    await expect(
      call(core, 'agents:add', { name: 'gone', url: 'http://127.0.0.1:1', token: 'whatever-token' }),
    ).rejects.toMatchObject({ code: 'AGENT_UNREACHABLE' });
    await expect(
      call(core, 'agents:add', { name: 'wrong', url: fast.url, token: 'mf_000000000000_wrong' }),
    ).rejects.toMatchObject({ code: 'AGENT_TOKEN_REJECTED' });
    const web = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
    );
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      await expect(
        call(core, 'agents:add', {
          name: 'web',
          url: `http://127.0.0.1:${(web.address() as AddressInfo).port}`,
          token: 'whatever-token',
        }),
      ).rejects.toMatchObject({ code: 'NOT_AN_AGENT' });
    } finally {
      web.close();
    }
    await expect(
      call(core, 'agents:add', { name: 'x', url: 'ftp://example.org', token: 'whatever-token' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await call<AgentSummary[]>(core, 'agents:list', {})).length).toBe(before);
    expect(core.audit.list().filter((e) => e.action === 'agent.add-refused')).toHaveLength(3);
    // Its token is in the vault, not the store.
    expect(await core.vault.get(secretNames.agentAdminToken(fastId))).toBe(fast.token);
  });
});
