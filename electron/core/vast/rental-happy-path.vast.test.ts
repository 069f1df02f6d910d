// The happy path of a rented GPU, end to end on the fake Vast.ai with a REAL agent process in the instance (the
// GPU image's rendered on-start script run by sh, as AgentInstanceRuntime does), a real SQLite store and file
// vault, and a real analysis: rent → boot → the agent answers and is registered in the fleet → an image analysis
// (nsfw on a fixture, the CPU build: there is no GPU here) sent by the dispatcher in a batch pinned to the rented
// agent runs there → the GPU is idle → the idle policy destroys it (destroy, never stop), confirmed gone from the
// listing, its agent out of the fleet. Only the console's public methods are used.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../test-harness/shared-folder.js';
import { AgentInstanceRuntime } from '../../../test-harness/vast/agent-instance-runtime.js';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { allRentals, invokeOk, rentalProblems, requestFacts } from '../../../test-harness/vast/rental-invariants.js';
import { configureVast, openRentalConsole, testVastClientOptions } from '../../../test-harness/vast/rental-test-console.js';
import type { ConsoleCore } from '../console-core.js';
import type { AgentSummary } from '../contracts/agents.js';
import type { AnalysisRequest, BatchSummary, RequestAttempt } from '../contracts/requests.js';
import { VastClient } from './vast-client.js';

const image = fixture('images', 'chelsea.png');
let fake: FakeVast;
let vast: VastClient;
let core: ConsoleCore;
let dir: string;

beforeAll(async () => {
  fake = await startFakeVast({ seed: 1301, clockSpeed: 1, rateLimitScale: 0, boot: { provisioningMs: 300, loadingMs: 500 }, runtime: new AgentInstanceRuntime({ stopGraceMs: 3_000 }) });
  vast = new VastClient({ ...testVastClientOptions(fake.url), apiKey: fake.apiKey });
  dir = mkdtempSync(join(tmpdir(), 'mf-vast-happy-'));
  core = openRentalConsole({
    dir,
    fakeUrl: fake.url,
    // Idle after 3 s, looked at every 0.5 s (the product's defaults are 10 min and 30 s).
    idle: { idleMinutes: 0.05, checkEveryMs: 500 },
    // What the console passes the agent besides its token: one worker and no model preloading suit 2 cores.
    agent: { env: { MEDIAFLEET_WORKERS: '1', MEDIAFLEET_WARMUP: 'none', MEDIAFLEET_LOG_LEVEL: 'warn' } },
    extra: { requests: { run: true, pollMs: 100, idleMs: 60_000, unreachableGraceMs: 5_000 }, healthIntervalMs: 500 },
  });
  await configureVast(core, fake.apiKey);
  core.health.start();
}, 60_000);

afterAll(async () => {
  await core?.close();
  for (const instance of fake?.liveInstances() ?? []) await vast.destroyInstance(instance.id).catch(() => undefined);
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function waitForBatch(batchId: string, timeoutMs: number): Promise<BatchSummary> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const batch = await invokeOk<BatchSummary>(core, 'batches:get', { batchId });
    if (batch.state === 'done' || batch.state === 'canceled') return batch;
    if (Date.now() > until) throw new Error(`batch still ${batch.state} (${batch.remaining} left) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a rented GPU, real agent process: rent → register → a pinned job runs there → idle → destroyed', () => {
  it('goes the whole way and leaves nothing behind', async () => {
    const [offer] = await vast.searchOffers({ diskGb: 32, verifiedOnly: false, minDirectPorts: 1 });
    const { operationId } = await invokeOk<{ operationId: string }>(core, 'vast:rent', { offerId: offer!.id, diskGb: 32, filters: { verifiedOnly: false } });
    expect(await core.operations.settled(operationId)).toBe('succeeded');
    const [rental] = await allRentals(core);
    expect(rental).toMatchObject({ state: 'running', offerId: offer!.id, vastStatus: 'running' });
    const agents = await invokeOk<AgentSummary[]>(core, 'agents:list', {});
    const agent = agents.find((a) => a.id === rental.agentId);
    expect(agent).toMatchObject({ name: rental.agentName, origin: 'rented' });

    // A GPU-class job, through the dispatcher, pinned to the rented agent.
    const submitted = await invokeOk<{ batch: BatchSummary }>(core, 'requests:submit', { paths: [image], analyses: ['nsfw'], target: { kind: 'agent', agentId: rental.agentId } });
    const batch = await waitForBatch(submitted.batch.batchId, 150_000);
    expect(batch).toMatchObject({ total: 1, done: 1, failed: 0 });
    const [request] = await invokeOk<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId });
    expect(request).toMatchObject({ state: 'done', agentId: rental.agentId, agentName: rental.agentName });
    expect(request.decision).toContain('pinned');
    const { history } = await invokeOk<{ history: RequestAttempt[] }>(core, 'requests:get', { requestId: request.requestId });
    expect(history.map((a) => [a.agentId, a.outcome])).toEqual([[rental.agentId, 'done']]);
    const result = await invokeOk<{ nsfw?: { verdict: string } }>(core, 'requests:result', { requestId: request.requestId });
    expect(result.nsfw?.verdict).toBe('safe');

    // Idle: the policy (started as the app starts it) destroys the GPU, confirmed gone from the listing.
    core.rentals.startReconcile(60_000);
    await expect.poll(async () => (await allRentals(core))[0].state, { timeout: 30_000, interval: 250 }).toBe('destroyed');
    const [after] = await allRentals(core);
    expect(after.endReason).toMatch(/^idle for \d+ min/);
    expect(fake.instances.get(rental.instanceId!)!.destroyedAtMs).not.toBeNull();
    const listed = (await vast.listAllInstances()).map((i) => i.id);
    expect(listed).not.toContain(rental.instanceId);
    expect(core.agents.get(rental.agentId!)).toBeNull();
    // Destroyed, never stopped (a stopped instance still bills its disk): no state change was asked.
    expect(fake.log.entries.filter((e) => e.endpoint === 'state')).toEqual([]);
    expect(await rentalProblems(core, fake, listed)).toEqual([]);
    expect((await requestFacts(core)).problems).toEqual([]);
    await fake.settle();
    expect(fake.liveInstances()).toEqual([]);
  });
});
