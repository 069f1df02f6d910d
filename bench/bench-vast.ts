// `npm run bench:vast`: what renting GPUs costs the console, on the fake Vast.ai (a test helper; no real Vast.ai).
//   1. Time from "rent" to the first job accepted by the rented agent: a real agent process in the instance (the
//      GPU image's on-start script), a file submitted to the fleet before the rent so it waits for the GPU. Boot
//      is what ../shared/specs/vast-api.md calls typical (1-5 min: 60 s provisioning + 120 s loading here), on the
//      fake's clock running FAST× real time, with the console's boot polling and Vast call spacing compressed by the
//      same factor; the agent's own start and the upload are real time. Both are printed.
//   2. Console CPU while 20 rentals boot and their instances are polled within Vast's real rate limits (the fake,
//      in a child process so its CPU is not counted, enforces them: 429 on a call that comes too early).
//   3. Vast API calls per instance-hour: measured while booting (step 2), and for running instances from one
//      reconcile pass (the only periodic call then, every 5 min by default).
//   npm run bench:vast -- [--instances 20] [--seconds 30] [--fast 60] [--json]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConsoleCore } from '../electron/core/console-core.js';
import type { AnalysisRequest } from '../electron/core/contracts/requests.js';
import type { RentalView } from '../electron/core/contracts/vast.js';
import { defaultReconcileIntervalMs, defaultRentalTimings } from '../electron/core/vast/rental-service.js';
import { VastClient } from '../electron/core/vast/vast-client.js';
import { scaledIntervals } from '../electron/core/vast/vast-endpoints.js';
import { fixture } from '../test-harness/shared-folder.js';
import { AgentInstanceRuntime } from '../test-harness/vast/agent-instance-runtime.js';
import { startFakeVast } from '../test-harness/vast/fake-vast.js';
import { NoProcessRuntime } from '../test-harness/vast/instance-runtime.js';
import { configureVast, openRentalConsole } from '../test-harness/vast/rental-test-console.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    fast: { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
    'serve-fake': { type: 'boolean', default: false },
  },
});

const image = fixture('images', 'chelsea.png');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

async function invoke<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.data as T;
}

/** Step 1: rent → first job accepted, boot on a compressed clock. */
async function timeToFirstJob(fast: number): Promise<Record<string, number>> {
  const provisioningMs = 60_000;
  const loadingMs = 120_000;
  const fake = await startFakeVast({ seed: 2001, clockSpeed: fast, rateLimitScale: 1 / fast, boot: { provisioningMs, loadingMs }, runtime: new AgentInstanceRuntime({ stopGraceMs: 3_000 }) });
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-vast-'));
  const core = openRentalConsole({
    dir,
    fakeUrl: fake.url,
    client: { minIntervalsMs: scaledIntervals(1 / fast) },
    timings: { ...defaultRentalTimings, pollMs: defaultRentalTimings.pollMs / fast },
    agent: { env: { MEDIAFLEET_WORKERS: '1', MEDIAFLEET_WARMUP: 'none', MEDIAFLEET_LOG_LEVEL: 'warn' } },
    extra: { requests: { run: true, pollMs: 50 }, healthIntervalMs: 5_000 },
  });
  try {
    await configureVast(core, fake.apiKey);
    core.health.start();
    const vast = new VastClient({ baseUrl: fake.url, apiKey: fake.apiKey, minIntervalsMs: scaledIntervals(1 / fast) });
    const [offer] = await vast.searchOffers({ diskGb: 32, verifiedOnly: false, minDirectPorts: 1 });
    // The file waits in the console for an agent: the rented one is the only one there will be.
    const { batch } = await invoke<{ batch: { batchId: string } }>(core, 'requests:submit', { paths: [image], analyses: ['nsfw'] });
    const t0 = performance.now();
    await invoke(core, 'vast:rent', { offerId: offer!.id, diskGb: 32, filters: { verifiedOnly: false }, maxAttempts: 1 });
    const instanceId = await waitFor(() => [...fake.instances.keys()][0], (id) => id !== undefined, 30_000, 'create');
    const tCreated = performance.now();
    await waitFor(() => fake.instances.get(instanceId)!.actualStatus, (s) => s === 'running', 120_000, 'running');
    const tRunning = performance.now();
    const rentals = await waitFor(() => invoke<RentalView[]>(core, 'vast:rentals', {}), (rs) => rs[0]?.state === 'running', 120_000, 'registered');
    const tRegistered = performance.now();
    await waitFor(async () => (await invoke<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId }))[0]!.agentJobId, (id) => id !== null, 120_000, 'job accepted');
    const tAccepted = performance.now();
    await invoke(core, 'vast:destroy', { rentalId: rentals[0]!.rentalId });
    const bootRealS = (tRunning - tCreated) / 1000;
    return {
      fast,
      specBootS: (provisioningMs + loadingMs) / 1000,
      totalRealS: (tAccepted - t0) / 1000,
      createRealS: (tCreated - t0) / 1000,
      bootRealS,
      agentStartRealS: (tRegistered - tRunning) / 1000,
      dispatchRealS: (tAccepted - tRegistered) / 1000,
      // As on Vast: the boot at the clock's own pace, the rest as measured.
      asOnVastS: (tCreated - t0) / 1000 + bootRealS * fast + (tAccepted - tRunning) / 1000,
    };
  } finally {
    await core.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Steps 2 and 3: 20 rentals booting against the fake (a child process) at Vast's real rate limits. */
async function pollingCost(instances: number, seconds: number): Promise<Record<string, number>> {
  const child = fork(process.argv[1]!, ['--serve-fake'], { execArgv: process.execArgv });
  const { url, apiKey } = await new Promise<{ url: string; apiKey: string }>((r) => child.once('message', (m) => r(m as { url: string; apiKey: string })));
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-vast-poll-'));
  // Every call the console makes to the fake, by endpoint, and the 429s it got.
  const calls: Array<{ at: number; path: string; method: string; status: number }> = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await realFetch(input, init);
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (target.startsWith(url)) calls.push({ at: performance.now(), path: new URL(target).pathname, method: init?.method ?? 'GET', status: res.status });
    return res;
  };
  // The product's timings and Vast's real call spacing; only the cleanup is short (the fake goes first).
  const core = openRentalConsole({ dir, fakeUrl: url, client: { minIntervalsMs: scaledIntervals(1) }, timings: { ...defaultRentalTimings, cleanupTimeoutMs: 2_000 } });
  try {
    await configureVast(core, apiKey);
    const vast = new VastClient({ baseUrl: url, apiKey });
    const offers = (await vast.searchOffers({ diskGb: 32, verifiedOnly: false, minDirectPorts: 1, limit: 100 })).slice(0, instances);
    if (offers.length < instances) throw new Error(`the fake has only ${offers.length} offers`);
    const t0 = performance.now();
    for (const offer of offers) await invoke(core, 'vast:rent', { offerId: offer.id, diskGb: 32, filters: { verifiedOnly: false }, maxAttempts: 1 });
    await waitFor(() => calls.filter((c) => c.path.startsWith('/api/v0/asks/') && c.status === 200).length, (n) => n >= instances, 600_000, 'all created');
    const createdS = (performance.now() - t0) / 1000;
    // Steady state: every instance created and booting, polled until it runs.
    const from = performance.now();
    const cpu0 = process.cpuUsage();
    const before = calls.length;
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - from;
    const window = calls.slice(before);
    // Running instances: one reconcile pass is what the console asks of Vast per interval.
    const beforeReconcile = calls.length;
    await invoke(core, 'vast:reconcile', {});
    const reconcileCalls = calls.length - beforeReconcile;
    return {
      instances,
      createAllS: createdS,
      windowS: wallMs / 1000,
      consoleCpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      callsInWindow: window.length,
      rateLimited: calls.filter((c) => c.status === 429).length,
      bootingCallsPerInstanceHour: window.length / instances / (wallMs / 3_600_000),
      reconcileCallsPerPass: reconcileCalls,
      runningCallsPerInstanceHour: (reconcileCalls * (3_600_000 / defaultReconcileIntervalMs)) / instances,
    };
  } finally {
    child.kill('SIGTERM');
    await core.close().catch(() => undefined);
    globalThis.fetch = realFetch;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['serve-fake']) {
  // Child: the fake at the real limits; instances stay loading (the boot deadline is far away), nothing runs in them.
  const fake = await startFakeVast({ seed: 2002, clockSpeed: 1, rateLimitScale: 1, machines: 60, boot: { provisioningMs: 10_000, loadingMs: 3_600_000 }, runtime: new NoProcessRuntime() });
  process.send!({ url: fake.url, apiKey: fake.apiKey });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
} else {
  const first = await timeToFirstJob(Number(values.fast));
  const polling = await pollingCost(Number(values.instances), Number(values.seconds));
  if (values.json) {
    console.log(JSON.stringify({ firstJob: first, polling }, null, 2));
  } else {
    const f = (n: number, d = 1): string => n.toFixed(d);
    console.log('bench:vast — on the fake Vast.ai (test helper), this machine');
    console.log(`rent → first job accepted: ${f(first.totalRealS)} s real, with the spec's typical ${f(first.specBootS, 0)} s boot run ${f(first.fast, 0)}× fast on the fake's clock`);
    console.log(`  create ${f(first.createRealS, 2)} s, boot ${f(first.bootRealS)} s real (= ${f(first.bootRealS * first.fast, 0)} s of Vast time), agent start → registered ${f(first.agentStartRealS)} s, dispatch → accepted ${f(first.dispatchRealS, 2)} s (real time)`);
    console.log(`  as on Vast: about ${f(first.asOnVastS, 0)} s (boot at its own pace, the rest as measured)`);
    console.log(`${polling.instances} rentals booting, polled at Vast's real limits: creating all took ${f(polling.createAllS)} s (create spacing 4.5 s); over ${f(polling.windowS, 0)} s console CPU ${f(polling.consoleCpuPercent, 2)} % of one core, ${polling.callsInWindow} calls, ${polling.rateLimited} answered 429`);
    console.log(`API calls per instance-hour: ${f(polling.bootingCallsPerInstanceHour, 0)} while booting (${polling.instances} at once share the 2 s spacing of GET /instances/{id}); ${f(polling.runningCallsPerInstanceHour, 2)} once running (${polling.reconcileCallsPerPass} call(s) per reconcile pass every ${defaultReconcileIntervalMs / 60_000} min for ${polling.instances})`);
  }
  process.exit(0);
}
