// npm run bench:autoscale [-- --budget 400] [--vps-usd-per-month 20] [--json]
//
// A simulation, on a simulated clock (a working day replayed in well under a minute): an arrival trace of video
// and audio bursts is worked off by three strategies, and each one's total cost and time to finish each burst are
// printed. Nothing is asserted: the figures are what this model gives.
//   - cpu-only:   the fixed fleet alone (one VPS agent).
//   - always-on:  the fixed fleet and one GPU rented for the whole day.
//   - policy:     the fixed fleet and the automatic scaler: each 30 s the real rule (electron/core/autoscale/
//                 autoscale-decision.ts `decideTick`) on the real backlog arithmetic (dispatch/backlog.ts) and the
//                 real forecast and budget (a CostsService on a SQLite file, its ledger ticking every simulated
//                 minute), renting up to N GPUs; a GPU idle K minutes is destroyed by the real idle rule
//                 (vast/gpu-idle-policy.ts `idleDecisions`).
// Work is placed by the real Dispatcher (earliest expected finish, window = workers × 2), and the money is the real
// ledger's (VPS monthly price spread by the second, GPUs billed from the create at their $/h, as Vast bills).
//
// GPUs are rented on the fake Vast.ai (test-harness/vast, the spec's behaviour; its clock moved with the simulated
// one): the cheapest matching offer through the console's VastClient, created, booted at the fake's pace (3.5 min
// of provisioning and loading), billed by the fake's own clock, destroyed. Each strategy prints the ledger's GPU
// figure next to what the fake billed (its credit before and after), as a check on both.
//
// STAND-INS (labelled in the output too): the agents are timing models, not processes — N seconds per item of
// each kind on a CPU or on a GPU (below); a rented GPU's agent counts as up once the fake says it runs (the fake
// runs nothing in the instance: NoProcessRuntime).
import { parseArgs } from 'node:util';
import { openCostsFixture } from '../test-harness/console/costs-fixture.js';
import { decideTick, type TickFacts } from '../electron/core/autoscale/autoscale-decision.js';
import type { AutoscalePolicy } from '../electron/core/contracts/autoscale.js';
import type { MediaKind } from '../electron/core/contracts/requests.js';
import { monthSpanOf } from '../electron/core/costs/calendar.js';
import { expectedBacklog } from '../electron/core/dispatch/backlog.js';
import { Dispatcher, type DispatchAgent } from '../electron/core/dispatch/dispatcher.js';
import { idleDecisions } from '../electron/core/vast/gpu-idle-policy.js';
import type { VastClient } from '../electron/core/vast/vast-client.js';
import { NoProcessRuntime } from '../test-harness/vast/instance-runtime.js';
import { startFakeVastWithClient } from '../test-harness/vast/vast-test-setup.js';

const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: '400' },
    'vps-usd-per-month': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});

const MIN = 60_000;
const dayStart = Date.parse('2026-11-10T08:00:00Z');
const dayEnd = Date.parse('2026-11-10T18:00:00Z');
/** Offers as the scaler's filter would ask for them (the fake's market: its seeded machines). */
const offerFilters = { verifiedOnly: true, minDirectPorts: 1, diskGb: 32 };
const fakeCreditUsd = 1000;

/** Timing stand-ins: seconds per item, and workers per agent. */
const model = {
  cpu: { workers: 2, seconds: { video: 45, audio: 20 } as Record<'video' | 'audio', number> },
  gpu: { workers: 2, seconds: { video: 6, audio: 3 } as Record<'video' | 'audio', number> },
  /** The fake's boot: provisioning then loading (the spec: 1-5 min). */
  boot: { provisioningMs: 30_000, loadingMs: 180_000 },
};

const policy: AutoscalePolicy = { enabled: true, maxInstances: 2, filters: {}, backlogMinutes: 10, idleMinutes: 10, diskGb: 32 };

/** The arrival trace: bursts over the working day (each item arrives within the burst's first minutes). */
const trace: Array<{ name: string; atMs: number; video: number; audio: number; spreadMin: number }> = [
  { name: '09:00 morning uploads', atMs: Date.parse('2026-11-10T09:00:00Z'), video: 40, audio: 20, spreadMin: 10 },
  { name: '10:30 podcast batch', atMs: Date.parse('2026-11-10T10:30:00Z'), video: 0, audio: 90, spreadMin: 5 },
  { name: '12:15 small drop', atMs: Date.parse('2026-11-10T12:15:00Z'), video: 6, audio: 6, spreadMin: 2 },
  { name: '14:00 event footage', atMs: Date.parse('2026-11-10T14:00:00Z'), video: 120, audio: 0, spreadMin: 20 },
  { name: '16:45 end-of-day audio', atMs: Date.parse('2026-11-10T16:45:00Z'), video: 10, audio: 40, spreadMin: 5 },
];

interface Item {
  burst: number;
  kind: 'video' | 'audio';
  arriveMs: number;
  doneMs: number | null;
}

interface SimAgent {
  agent: DispatchAgent;
  kind: 'cpu' | 'gpu';
  /** Items sent to it, in order; a worker takes the next when free. */
  queue: Item[];
  running: Array<{ item: Item; endMs: number }>;
  rentalId: string | null;
  /** The fake's instance id of a GPU (null for the CPU agent). */
  instanceId: number | null;
  upAtMs: number;
  lastJobEndedMs: number | null;
  goneAtMs: number | null;
}

type Strategy = 'cpu-only' | 'always-on' | 'policy';

function arrivals(): Item[] {
  const items: Item[] = [];
  trace.forEach((b, burst) => {
    const total = b.video + b.audio;
    for (let i = 0; i < total; i++) {
      // Evenly over the burst's spread, kinds interleaved: the same trace for every strategy.
      const kind = i % 2 === 0 ? (i / 2 < b.video ? 'video' : 'audio') : Math.floor(i / 2) < b.audio ? 'audio' : 'video';
      items.push({ burst, kind, arriveMs: b.atMs + Math.floor((i * b.spreadMin * MIN) / total), doneMs: null });
    }
  });
  return items.sort((a, b) => a.arriveMs - b.arriveMs);
}

async function simulate(strategy: Strategy) {
  const f = openCostsFixture(new Date(dayStart).toISOString());
  const vast = await startFakeVastWithClient({ seed: 7, credit: fakeCreditUsd, runtime: new NoProcessRuntime(), boot: model.boot });
  const client: VastClient = vast.client;
  await f.costs.saveSettings({ displayCurrency: 'USD', rates: {}, monthlyBudget: Number(values.budget), dailyBudget: null });
  const vps = f.addServer('vps-cpu');
  await f.costs.setServerPrice({ serverId: vps, monthlyPrice: Number(values['vps-usd-per-month']), currency: 'USD' });
  const dispatcher = new Dispatcher({ now: () => f.clock.ms });
  const agents: SimAgent[] = [];
  const addAgent = (kind: 'cpu' | 'gpu', id: string, upAtMs: number, rentalId: string | null, instanceId: number | null) => {
    const m = model[kind];
    dispatcher.restore(id, { secondsPerItem: { video: m.seconds.video, audio: m.seconds.audio }, bytesPerSecond: 1e12 });
    const agent: DispatchAgent = { id, name: id, local: false, costClass: kind === 'cpu' ? 'fixed' : 'per-second', up: false, downReason: 'booting', analyses: new Set(['video', 'transcribe', 'speakers']), workers: m.workers, foreignQueued: 0, maxQueueDepth: 64 };
    agents.push({ agent, kind, queue: [], running: [], rentalId, instanceId, upAtMs, lastJobEndedMs: null, goneAtMs: null });
  };
  const decisions: Record<string, number> = {};
  let rentals = 0;
  let offerPerHour = 0;
  /** The cheapest matching offer on the fake, all in (GPU + the disk), as the scaler would rent it. */
  const cheapestOffer = async () => {
    const [offer] = (await client.searchOffers(offerFilters)).sort((a, b) => a.dphTotal - b.dphTotal);
    if (!offer) throw new Error('the fake Vast.ai has no offer matching the filter');
    return offer;
  };
  const rentGpu = async () => {
    const offer = await cheapestOffer();
    f.costs.accrueNow();
    const id = `gpu-${++rentals}`;
    const created = await client.createInstance({ offerId: offer.id, image: 'example.invalid/gpu-stand-in:1', diskGb: offerFilters.diskGb, label: `bench-autoscale-${strategy}-${id}` });
    const instance = await client.getInstance(created.instanceId);
    offerPerHour = instance?.dphTotal ?? offer.dphTotal;
    // Booting: the fake bills the disk only; running: the GPU and the disk (dph_total), as Vast does.
    f.rentals.put({ rentalId: id, agentId: id, label: `GPU stand-in ${rentals}`, state: 'stopped', dphTotalUsd: offerPerHour, storageDphUsd: instance?.storageTotalCost ?? 0, vastInstanceId: created.instanceId });
    addAgent('gpu', id, Number.POSITIVE_INFINITY, id, created.instanceId);
  };
  const destroyGpu = async (a: SimAgent) => {
    f.costs.accrueNow();
    await client.destroyInstance(a.instanceId!);
    f.rentals.update(a.rentalId!, { state: 'gone', endedAtMs: f.clock.ms });
    a.goneAtMs = f.clock.ms;
    a.agent.up = false;
  };
  /** A booting GPU is up once the fake says its instance runs. */
  const watchBoots = async () => {
    for (const a of agents) {
      if (a.instanceId === null || a.goneAtMs !== null || a.upAtMs !== Number.POSITIVE_INFINITY) continue;
      if ((await client.getInstance(a.instanceId))?.actualStatus === 'running') {
        f.costs.accrueNow();
        f.rentals.update(a.rentalId!, { state: 'running' });
        a.upAtMs = f.clock.ms;
      }
    }
  };
  const creditBefore = (await client.getAccount()).credit;

  addAgent('cpu', 'vps-cpu', dayStart, null, null);
  if (strategy === 'always-on') {
    // Rented before the day starts: booted by 08:00, billed from then on.
    await rentGpu();
    await vast.fake.advance(model.boot.provisioningMs + model.boot.loadingMs + 1000);
    await watchBoots();
    agents.at(-1)!.upAtMs = dayStart;
  }

  const pending = arrivals();
  const waiting: Item[] = [];
  const all = [...pending];
  const stepMs = 5_000;
  let nextDecisionMs = dayStart;
  let nextTickMs = dayStart;
  for (f.clock.ms = dayStart; ; f.clock.ms += stepMs) {
    const now = f.clock.ms;
    if (now > dayStart) await vast.fake.advance(stepMs);
    await watchBoots();
    while (pending.length && pending[0]!.arriveMs <= now) waiting.push(pending.shift()!);
    for (const a of agents) {
      a.agent.up = a.goneAtMs === null && now >= a.upAtMs;
      a.agent.downReason = a.agent.up ? null : 'booting';
      for (const r of a.running.filter((x) => x.endMs <= now)) {
        r.item.doneMs = r.endMs;
        a.lastJobEndedMs = r.endMs;
        dispatcher.released(a.agent.id);
      }
      a.running = a.running.filter((x) => x.endMs > now);
    }
    // The dispatcher places waiting work in order while an agent has room (its window), earliest finish first.
    while (waiting.length) {
      const item = waiting[0]!;
      const choice = dispatcher.choose(
        agents.map((a) => a.agent),
        { requestId: 'x', bytes: 0, mediaKind: item.kind, analyses: null, pinnedAgentId: null, failedOn: new Set() },
      );
      if (!choice.agentId) break;
      dispatcher.took(choice.agentId);
      agents.find((a) => a.agent.id === choice.agentId)!.queue.push(waiting.shift()!);
    }
    for (const a of agents) {
      while (a.running.length < a.agent.workers && a.queue.length) {
        const item = a.queue.shift()!;
        a.running.push({ item, endMs: now + model[a.kind].seconds[item.kind] * 1000 });
      }
    }
    if (now >= nextTickMs) {
      f.costs.tick();
      nextTickMs += MIN;
    }
    if (strategy === 'policy' && now >= nextDecisionMs) {
      nextDecisionMs += 30_000;
      const unfinished: Partial<Record<MediaKind, number>> = {};
      for (const i of all) if (i.arriveMs <= now && i.doneMs === null) unfinished[i.kind] = (unfinished[i.kind] ?? 0) + 1;
      const backlog = expectedBacklog(
        unfinished,
        agents.map((a) => ({ id: a.agent.id, up: a.agent.up, workers: a.agent.workers, secondsPerItem: (k) => dispatcher.secondsPerItem(a.agent.id, k).seconds })),
      );
      f.costs.accrueNow();
      const summary = f.costs.summary();
      const status = f.costs.budget.status(now);
      const open = agents.filter((a) => a.rentalId && a.goneAtMs === null);
      const facts: TickFacts = {
        backlogMinutes: backlog.minutes,
        openRentals: open.length,
        rentInFlight: open.some((a) => now < a.upAtMs),
        budgetRefusal: status.refusal,
        forecast: summary.forecast?.total.amount ?? 0,
        limit: status.monthly?.amount ?? null,
        currency: 'USD',
        remainingHours: (monthSpanOf(now).toMs - now) / 3_600_000,
      };
      let d = decideTick(policy, facts);
      if (d.kind === 'need-offer') {
        const offer = await cheapestOffer();
        d = decideTick(policy, facts, { offerId: offer.id, usdPerHour: offer.dphTotal, displayPerHour: offer.dphTotal });
      }
      if (d.kind === 'rent') await rentGpu();
      if (d.kind === 'rent' || d.kind === 'refuse') decisions[d.kind === 'rent' ? 'rent' : `refuse:${d.code}`] = (decisions[d.kind === 'rent' ? 'rent' : `refuse:${d.code}`] ?? 0) + 1;
      // The idle rule with the policy's K (the rental service's idle policy does this in the console).
      const activity = open
        .filter((a) => now >= a.upAtMs)
        .map((a) => ({ rentalId: a.rentalId!, runningSinceMs: a.upAtMs, busy: a.running.length + a.queue.length > 0, lastJobEndedMs: a.lastJobEndedMs }));
      for (const idle of idleDecisions(activity, now, { idleMinutes: policy.idleMinutes, budgetGraceMinutes: 15 }, status.allowsRental ? null : now)) {
        await destroyGpu(open.find((a) => a.rentalId === idle.rentalId)!);
        decisions.destroy = (decisions.destroy ?? 0) + 1;
      }
    }
    const allDone = pending.length === 0 && waiting.length === 0 && agents.every((a) => a.running.length === 0 && a.queue.length === 0);
    if (allDone && now >= dayEnd) break;
  }
  // The day is over: what is still rented goes now, so every strategy is billed over the same span.
  for (const a of agents) if (a.rentalId && a.goneAtMs === null) await destroyGpu(a);
  f.costs.accrueNow();
  await vast.fake.advance(1000);
  const fakeBilledUsd = creditBefore - (await client.getAccount()).credit;
  const leftRunning = vast.fake.liveInstances().length;
  await vast.close();
  const summary = f.costs.summary();
  const bursts = trace.map((b, i) => {
    const items = all.filter((x) => x.burst === i);
    const last = Math.max(...items.map((x) => x.doneMs!));
    return { burst: b.name, items: items.length, finishMinutes: Number(((last - b.atMs) / MIN).toFixed(1)) };
  });
  const result = {
    strategy,
    totalUsd: Number(summary.monthToDate.total.amount.toFixed(4)),
    vpsUsd: Number(summary.monthToDate.vps.amount.toFixed(4)),
    gpuUsd: Number(summary.monthToDate.gpu.amount.toFixed(4)),
    fakeBilledGpuUsd: Number(fakeBilledUsd.toFixed(4)),
    gpuUsdPerHour: offerPerHour,
    instancesLeft: leftRunning,
    gpusRented: rentals,
    lastItemDone: new Date(Math.max(...all.map((x) => x.doneMs!))).toISOString(),
    bursts,
    decisions,
  };
  f.close();
  return result;
}

const results: Array<Awaited<ReturnType<typeof simulate>>> = [];
for (const s of ['cpu-only', 'always-on', 'policy'] as const) results.push(await simulate(s));

if (values.json) {
  process.stdout.write(`${JSON.stringify({ model, policy, budget: Number(values.budget), results }, null, 2)}\n`);
} else {
  const out: string[] = [];
  out.push('bench:autoscale — a simulation on a simulated clock (08:00-18:00 UTC replayed), not a measurement.');
  out.push(
    `STAND-INS: agents are timing models (CPU VPS: ${model.cpu.workers} workers, ${model.cpu.seconds.video} s/video, ${model.cpu.seconds.audio} s/audio; ` +
      `GPU: ${model.gpu.workers} workers, ${model.gpu.seconds.video} s/video, ${model.gpu.seconds.audio} s/audio); the GPU instances are the fake Vast.ai's (nothing runs in them).`,
  );
  out.push(`On the fake Vast.ai (its clock moved with the simulation): the cheapest verified offer, ${(results.find((r) => r.gpuUsdPerHour > 0)?.gpuUsdPerHour ?? 0).toFixed(4)} USD/h all in, boot ${(model.boot.provisioningMs + model.boot.loadingMs) / 60_000} min; GPU spend is the ledger's, with what the fake billed beside it.`);
  out.push(`Real parts: the Dispatcher's placement, the backlog arithmetic, the scaler's rule, the idle rule, the ledger, forecast and budget (${values.budget} USD/month; VPS ${values['vps-usd-per-month']} USD/month).`);
  out.push(`Policy: up to ${policy.maxInstances} GPUs while the backlog exceeds ${policy.backlogMinutes} min and the forecast stays under the budget; destroy idle ${policy.idleMinutes} min.`);
  out.push('');
  out.push(`${'strategy'.padEnd(10)} ${'total USD'.padStart(10)} ${'VPS'.padStart(8)} ${'GPU'.padStart(8)} ${'fake billed'.padStart(12)}  GPUs  left  decisions`);
  for (const r of results) {
    out.push(
      `${r.strategy.padEnd(10)} ${r.totalUsd.toFixed(4).padStart(10)} ${r.vpsUsd.toFixed(4).padStart(8)} ${r.gpuUsd.toFixed(4).padStart(8)} ${r.fakeBilledGpuUsd.toFixed(4).padStart(12)}  ${String(r.gpusRented).padStart(4)}  ${String(r.instancesLeft).padStart(4)}  ${JSON.stringify(r.decisions)}`,
    );
  }
  out.push('');
  out.push(`minutes from a burst's start to its last item done:`);
  out.push(`${'burst'.padEnd(26)} ${'items'.padStart(5)} ${results.map((r) => r.strategy.padStart(10)).join(' ')}`);
  trace.forEach((b, i) => {
    out.push(`${b.name.padEnd(26)} ${String(results[0]!.bursts[i]!.items).padStart(5)} ${results.map((r) => r.bursts[i]!.finishMinutes.toFixed(1).padStart(10)).join(' ')}`);
  });
  out.push('');
  out.push(`last item done: ${results.map((r) => `${r.strategy} ${r.lastItemDone.slice(11, 19)} UTC`).join(', ')}; every strategy is billed to 18:00 UTC (GPUs still rented then are destroyed then).`);
  process.stdout.write(`${out.join('\n')}\n`);
}
