// Renting as an operation, destroying and reconciling, against the fake Vast.ai with real agent processes in its
// instances, a real SQLite store and a real file vault (the console core as the shells build it). What every
// test checks in the end: no instance is left that nothing tracks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test-harness/vast/agent-instance-runtime.js';
import type { FakeVast } from '../../../test-harness/vast/fake-vast.js';
import type { BootFailure } from '../../../test-harness/vast/fake-vast-faults.js';
import { configureVast, destroyLeftovers, openRentalConsole, startFakeVastWithAgents } from '../../../test-harness/vast/rental-test-console.js';
import type { ConsoleCore } from '../console-core.js';
import type { OperationStatus } from '../contracts/operations.js';
import type { ReconcileReport, RentalView } from '../contracts/vast.js';
import { secretNames } from '../secrets/secret-vault.js';
import { VastClient } from './vast-client.js';
import { AgentHttpClient } from '../agents/agent-http-client.js';
import { fetchProof, servedFingerprint } from '../../../test-harness/vast/tls-test-tools.js';

let fake: FakeVast;
/** The operator's own view of the account (what vast.ai's web console would show). */
let vast: VastClient;
const dirs: string[] = [];
const cores: ConsoleCore[] = [];

beforeAll(async () => {
  // Boot in half a second; the agent itself then takes a few seconds to answer.
  ({ fake, vast } = await startFakeVastWithAgents({ seed: 77 }));
  fake.faults.createTimeoutHoldMs = 4_000;
});

afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  // Whatever a failed test left behind must not leak into the next one.
  await destroyLeftovers(fake, vast);
  fake.log.clear();
});

afterAll(async () => {
  await fake?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-rentals-'));
  dirs.push(dir);
  return dir;
}

async function openConsole(options: { dir?: string; apiKey?: string | null; timings?: Parameters<typeof openRentalConsole>[0]['timings'] } = {}): Promise<ConsoleCore> {
  const core = openRentalConsole({ dir: options.dir ?? newDir(), fakeUrl: fake.url, timings: options.timings });
  cores.push(core);
  if (options.apiKey !== null) await configureVast(core, options.apiKey ?? fake.apiKey);
  return core;
}

async function closeConsole(core: ConsoleCore): Promise<void> {
  cores.splice(cores.indexOf(core), 1);
  await core.close();
}

async function offers(): Promise<number[]> {
  return (await vast.searchOffers({ diskGb: 32, verifiedOnly: false })).map((o) => o.id);
}

async function rent(core: ConsoleCore, offerId: number, extra: { maxAttempts?: number } = {}): Promise<string> {
  const answer = await core.invoke('vast:rent', { offerId, diskGb: 32, filters: { verifiedOnly: false }, ...extra });
  if (!answer.ok) throw new Error(`vast:rent refused: ${answer.error.code} ${answer.error.message}`);
  return (answer.data as { operationId: string }).operationId;
}

async function settled(core: ConsoleCore, operationId: string): Promise<OperationStatus | null> {
  return core.operations.settled(operationId);
}

function lines(core: ConsoleCore, operationId: string): string[] {
  return core.operations.eventsSince(operationId).flatMap((e) => (e.line ? [e.line] : []));
}

async function rentals(core: ConsoleCore): Promise<RentalView[]> {
  const answer = await core.invoke('vast:rentals', {}, { readOnly: true });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data as RentalView[];
}

async function reconcile(core: ConsoleCore): Promise<ReconcileReport> {
  const answer = await core.invoke('vast:reconcile', {});
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.data as ReconcileReport;
}

function instancesLabelled(label: string): number[] {
  return [...fake.instances.values()].filter((i) => i.label === label).map((i) => i.id);
}

function actions(core: ConsoleCore): string[] {
  return core.audit.list({ limit: 1000 }).map((e) => e.action);
}

/** Whether the agent answers the token over a connection pinned to its certificate (as every console client). */
async function agentAnswers(url: string, token: string, tlsFingerprint: string | null): Promise<boolean> {
  try {
    await new AgentHttpClient({ baseUrl: url, token, tlsFingerprint }).health(AbortSignal.timeout(2_000));
    return true;
  } catch {
    return false;
  }
}

describe('renting', () => {
  it('rent → running → registered as a rented agent → destroy → gone from the listing, its agent stopped', async () => {
    const core = await openConsole();
    const [offerId] = await offers();
    const operationId = await rent(core, offerId);
    const outcome = await settled(core, operationId);
    expect(outcome, JSON.stringify(core.operations.status(operationId))).toBe('succeeded');

    const [rental] = await rentals(core);
    expect(rental).toMatchObject({ state: 'running', offerId, attempt: 1, operationId, vastStatus: 'running', lastError: null });
    expect(rental.totalUsdPerHour).toBeGreaterThan(0);
    expect(rental.label).toBe(`mediafleet-${core.settings.consoleId()}-${rental.rentalId}`);
    // Written before the create: the create Vast received carries the row's label.
    expect(instancesLabelled(rental.label)).toEqual([rental.instanceId]);

    const agent = core.agents.get(rental.agentId!)!;
    expect(agent).toMatchObject({ kind: 'rented', costClass: 'per-second', name: rental.agentName });
    expect(agent.name).toMatch(/^gpu-[a-z0-9-]+-\d+$/);
    expect(agent.baseUrl).toBe(`https://127.0.0.1:${fake.instances.get(rental.instanceId!)!.hostPorts!['8787/tcp']}`);
    const token = (await core.vault.get(secretNames.agentAdminToken(agent.id)))!;
    // The token never went through Vast: the instance record the fake keeps (what Vast lists) has a one-time
    // pairing secret, and neither the token nor any part of it.
    const record = fake.instances.get(rental.instanceId!)!;
    expect(record.env.MEDIAFLEET_ADMIN_TOKEN).toBeUndefined();
    expect(record.env.MEDIAFLEET_PAIRING_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(record)).not.toContain(token.slice(16));
    // The agent is pinned to the certificate it proved, the one it serves; it takes the token over that pin only.
    expect(agent.tlsFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(agent.tlsFingerprint).toBe(await servedFingerprint(agent.baseUrl));
    expect(await agentAnswers(agent.baseUrl, token, agent.tlsFingerprint)).toBe(true);
    expect(await agentAnswers(agent.baseUrl, token, createHash('sha256').update('another certificate').digest('hex'))).toBe(false);
    // Pairing is over for good: the same secret cannot pair it again.
    const again = await fetchProof(agent.baseUrl);
    expect(again.status).toBe(410);
    expect(await core.vault.get(secretNames.vastPairingSecret(rental.rentalId))).toBeNull();
    const listed = await core.invoke('agents:list', {});
    expect(listed.ok && (listed.data as Array<{ id: string; origin: string }>).find((a) => a.id === agent.id)?.origin).toBe('rented');

    const said = lines(core, operationId);
    expect(said).toContain(`creating on offer ${offerId} (try 1 of 3)`);
    expect(said.some((l) => /^booting: (loading|provisioning|not visible yet|running, waiting for the agent) \(\d+ s\)$/.test(l))).toBe(true);
    expect(said).toContain(`registered as ${agent.name}`);

    expect(await core.invoke('vast:destroy', { rentalId: rental.rentalId })).toEqual({ ok: true, data: { destroyed: true, alreadyGone: false } });
    const [after] = await rentals(core);
    expect(after).toMatchObject({ state: 'destroyed', endReason: 'operator' });
    expect((await vast.listAllInstances()).map((i) => i.id)).not.toContain(rental.instanceId);
    expect(core.agents.get(agent.id)).toBeNull();
    expect(await core.vault.get(secretNames.agentAdminToken(agent.id))).toBeNull();
    await fake.settle();
    expect(await agentAnswers(agent.baseUrl, token, agent.tlsFingerprint)).toBe(false);
    expect(actions(core)).toEqual(expect.arrayContaining(['vast-rent.started', 'vast.instance-created', 'agent.added', 'vast-rent.succeeded', 'agent.removed', 'vast.instance-destroyed']));
    // Destroying again is no error and sends nothing.
    expect(await core.invoke('vast:destroy', { instanceId: rental.instanceId })).toEqual({ ok: true, data: { destroyed: true, alreadyGone: true } });
    expect(fake.liveInstances()).toEqual([]);
  }, 90_000);

  it.each<BootFailure>(['exited', 'unknown', 'offline', 'oci_error'])('a boot that ends %s: the instance is destroyed, confirmed gone, and nothing registered', async (failure) => {
    const core = await openConsole();
    const [offerId] = await offers();
    fake.faults.failNextBoot(failure);
    const operationId = await rent(core, offerId, { maxAttempts: 1 });
    expect(await settled(core, operationId)).toBe('failed');
    expect(core.operations.status(operationId).error?.code).toBe('VAST_RENT_FAILED');
    const [rental] = await rentals(core);
    expect(rental).toMatchObject({ state: 'destroyed', endReason: 'boot-failed', lastError: { code: 'VAST_BOOT_FAILED' } });
    expect(rental.lastError!.message).toContain(failure === 'oci_error' ? 'OCI runtime create failed' : `is ${failure}`);
    expect(fake.instances.get(rental.instanceId!)!.destroyedAtMs).not.toBeNull();
    expect(fake.liveInstances()).toEqual([]);
    expect(core.agents.list()).toEqual([]);
    expect(lines(core, operationId).some((l) => l.startsWith('boot failed:') && l.endsWith(`destroying instance ${rental.instanceId}`))).toBe(true);
  });

  it('a boot failure tries the next offer on another machine; an instance destroyed outside the console is then found gone', async () => {
    const core = await openConsole();
    const [offerId] = await offers();
    fake.faults.failNextBoot('oci_error');
    const operationId = await rent(core, offerId);
    expect(await settled(core, operationId)).toBe('succeeded');
    const [second, first] = await rentals(core);
    expect(first).toMatchObject({ attempt: 1, offerId, state: 'destroyed', endReason: 'boot-failed' });
    expect(second).toMatchObject({ attempt: 2, state: 'running' });
    expect(second.offerId).not.toBe(offerId);
    expect(fake.instances.get(second.instanceId!)!.machine.machine_id).not.toBe(fake.instances.get(first.instanceId!)!.machine.machine_id);
    expect(fake.liveInstances().map((i) => i.id)).toEqual([second.instanceId]);
    expect(lines(core, operationId).some((l) => l.startsWith(`trying offer ${second.offerId} instead`))).toBe(true);

    // Destroyed on vast.ai by hand (or by its own dead-man switch): the reconcile says so and takes it out of the fleet.
    await vast.destroyInstance(second.instanceId!);
    const report = await reconcile(core);
    expect(report.gone).toEqual([{ rentalId: second.rentalId, instanceId: second.instanceId }]);
    expect((await rentals(core))[0]).toMatchObject({ state: 'destroyed', endReason: 'gone', lastError: { code: 'VAST_INSTANCE_GONE' } });
    expect(core.agents.get(second.agentId!)).toBeNull();
    expect(actions(core)).toContain('vast.instance-gone');
  }, 90_000);

  it('an instance stuck loading is destroyed at the boot deadline', async () => {
    const core = await openConsole({ timings: { bootTimeoutMs: 1_500 } });
    const [offerId] = await offers();
    fake.faults.failNextBoot('stuck_loading');
    const operationId = await rent(core, offerId, { maxAttempts: 1 });
    expect(await settled(core, operationId)).toBe('failed');
    const [rental] = await rentals(core);
    expect(rental).toMatchObject({ state: 'destroyed', endReason: 'boot-failed' });
    expect(rental.lastError!.message).toMatch(/did not boot within 2 s \(still loading\)/);
    expect(fake.liveInstances()).toEqual([]);
  });

  it('a cancel while booting destroys the instance', async () => {
    const core = await openConsole();
    const [offerId] = await offers();
    fake.faults.failNextBoot('stuck_loading');
    const operationId = await rent(core, offerId);
    await expect.poll(() => core.rentals.repo.forOperation(operationId)[0]?.state, { timeout: 10_000 }).toBe('booting');
    expect(core.operations.cancel(operationId)).toBe(true);
    expect(await settled(core, operationId)).toBe('canceled');
    expect(core.rentals.repo.forOperation(operationId)).toMatchObject([{ state: 'destroyed', endReason: 'canceled' }]);
    expect(fake.liveInstances()).toEqual([]);
  });

  it('an offer gone before the create: nothing is rented on it and the next offer is taken', async () => {
    const core = await openConsole();
    const [offerId] = await offers();
    fake.vanishOffer(offerId);
    const operationId = await rent(core, offerId);
    expect(await settled(core, operationId)).toBe('succeeded');
    const [second, first] = await rentals(core);
    expect(first).toMatchObject({ offerId, state: 'failed', endReason: 'offer-gone', instanceId: null, lastError: { code: 'VAST_OFFER_GONE' } });
    expect(instancesLabelled(first.label)).toEqual([]);
    expect(second).toMatchObject({ state: 'running', attempt: 2 });
    expect(lines(core, operationId)).toContain(`offer ${offerId} is gone (rented by someone else or withdrawn)`);
    await core.invoke('vast:destroy', { rentalId: second.rentalId });
    expect(fake.liveInstances()).toEqual([]);
  }, 90_000);

  it("a create whose answer is lost after Vast made the instance: read back by its label, exactly one instance", async () => {
    const core = await openConsole();
    const [offerId] = await offers();
    fake.faults.failNextCreate('timeout', true);
    const operationId = await rent(core, offerId);
    expect(await settled(core, operationId)).toBe('succeeded');
    const all = await rentals(core);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: 'running', attempt: 1 });
    expect(instancesLabelled(all[0].label)).toEqual([all[0].instanceId]);
    expect(fake.log.count({ endpoint: 'create' })).toBe(1);
    expect(fake.liveInstances()).toHaveLength(1);
    expect(lines(core, operationId)).toContain(`the create's answer was lost; instance ${all[0].instanceId} was found by its label`);
    await core.invoke('vast:destroy', { instanceId: all[0].instanceId });
    expect(fake.liveInstances()).toEqual([]);
  }, 90_000);

  it('a create whose answer is lost and that made nothing: the intent fails after the create window, the next try rents one', async () => {
    const core = await openConsole();
    const [offerId] = await offers();
    fake.faults.failNextCreate(503, false);
    const operationId = await rent(core, offerId);
    expect(await settled(core, operationId)).toBe('succeeded');
    const [second, first] = await rentals(core);
    expect(first).toMatchObject({ state: 'failed', endReason: 'create-unknown', instanceId: null, lastError: { code: 'VAST_CREATE_OUTCOME_UNKNOWN' } });
    expect(instancesLabelled(first.label)).toEqual([]);
    expect(second.state).toBe('running');
    expect(fake.liveInstances().map((i) => i.id)).toEqual([second.instanceId]);
    await core.invoke('vast:destroy', { rentalId: second.rentalId });
    expect(fake.liveInstances()).toEqual([]);
  }, 90_000);
});

describe('refusals', () => {
  it('a wrong API key: a clear error, nothing rented, the intent row failed', async () => {
    const core = await openConsole({ apiKey: 'not-the-accounts-key-0123456789' });
    const [offerId] = await offers();
    const operationId = await rent(core, offerId);
    expect(await settled(core, operationId)).toBe('failed');
    const record = core.operations.status(operationId);
    expect(record.error?.code).toBe('VAST_AUTH_FAILED');
    expect(record.error?.message).toMatch(/Settings → GPUs/);
    expect(await rentals(core)).toMatchObject([{ state: 'failed', endReason: 'create-refused', instanceId: null, lastError: { code: 'VAST_AUTH_FAILED' } }]);
    expect(fake.log.entries.filter((e) => e.endpoint === 'create').map((e) => e.status)).toEqual([401]);
    expect(fake.liveInstances()).toEqual([]);
    // The reconcile says the same, and changes nothing.
    expect(await core.invoke('vast:reconcile', {})).toMatchObject({ ok: false, error: { code: 'VAST_AUTH_FAILED' } });
  });

  it('no key configured: VAST_NOT_CONFIGURED before anything is written; the list still reads (read-only)', async () => {
    const core = await openConsole({ apiKey: null });
    for (const [method, input] of [
      ['vast:rent', { offerId: 1 }],
      ['vast:destroy', { instanceId: 1 }],
      ['vast:reconcile', {}],
    ] as const) {
      expect(await core.invoke(method, input)).toMatchObject({ ok: false, error: { code: 'VAST_NOT_CONFIGURED' } });
    }
    expect(await core.invoke('vast:rentals', {}, { readOnly: true })).toEqual({ ok: true, data: [] });
    expect(await core.invoke('vast:rent', { offerId: 1 }, { readOnly: true })).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await core.invoke('vast:destroy', {})).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(core.operations.list()).toEqual([]);
    expect(fake.log.entries).toEqual([]);
  });

  it('an image not set, or a filter out of range: refused before any row or call', async () => {
    const core = await openConsole();
    core.settings.delete('vast.gpu_image');
    expect(await core.invoke('vast:rent', { offerId: 1 })).toMatchObject({ ok: false, error: { code: 'VAST_IMAGE_NOT_SET' } });
    await configureVast(core, fake.apiKey);
    expect(await core.invoke('vast:rent', { offerId: 1, filters: { minReliability: 2 } })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await rentals(core)).toEqual([]);
  });
});

describe('reconcile', () => {
  it("destroys an instance carrying this console's label prefix that no rental knows, audits it, and leaves other consoles' instances alone", async () => {
    const core = await openConsole();
    const [a, b] = await offers();
    const prefix = core.rentals.labelPrefix();
    const orphan = await vast.createInstance({ offerId: a, image: 'example/other:1', diskGb: 32, label: `${prefix}made-by-nobody` });
    const foreign = await vast.createInstance({ offerId: b, image: 'example/other:1', diskGb: 32, label: 'mediafleet-000000000000-someone-else' });
    const report = await reconcile(core);
    expect(report.instancesSeen).toBe(1);
    expect(report.destroyed).toEqual([{ rentalId: null, instanceId: orphan.instanceId, reason: 'orphan' }]);
    expect((await vast.listAllInstances()).map((i) => i.id)).toEqual([foreign.instanceId]);
    const entry = core.audit.list().find((e) => e.action === 'vast.orphan-destroyed')!;
    expect(entry.detail).toMatchObject({ instanceId: orphan.instanceId, label: `${prefix}made-by-nobody`, why: 'no rental of this console knows it' });
    expect(entry.actor).toBe('console');
    await vast.destroyInstance(foreign.instanceId);
  });

  it('runs at start and every interval until stopped', async () => {
    const core = await openConsole();
    const [a, b] = await offers();
    const prefix = core.rentals.labelPrefix();
    const first = await vast.createInstance({ offerId: a, image: 'example/other:1', diskGb: 32, label: `${prefix}orphan-1` });
    core.rentals.startReconcile(300);
    await expect.poll(() => fake.instances.get(first.instanceId)!.destroyedAtMs, { timeout: 5_000 }).not.toBeNull();
    const second = await vast.createInstance({ offerId: b, image: 'example/other:1', diskGb: 32, label: `${prefix}orphan-2` });
    await expect.poll(() => fake.instances.get(second.instanceId)!.destroyedAtMs, { timeout: 5_000 }).not.toBeNull();
    await core.rentals.stopReconcile();
    const [c] = await offers();
    const third = await vast.createInstance({ offerId: c, image: 'example/other:1', diskGb: 32, label: `${prefix}orphan-3` });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(fake.instances.get(third.instanceId)!.destroyedAtMs).toBeNull();
    expect(core.audit.list().filter((e) => e.action === 'vast.orphan-destroyed')).toHaveLength(2);
  });
});

describe('a console killed while renting', () => {
  const childScript = resolve(repoRoot, 'test-harness/vast/rental-crash-child.ts');

  /** Starts a console process renting `offerId`, and SIGKILLs it once the fake holds its create (as `performed` says). */
  async function killDuringCreate(dir: string, offerId: number, performed: boolean): Promise<string> {
    fake.faults.createTimeoutHoldMs = 60_000;
    fake.faults.failNextCreate('timeout', performed);
    // tsx as a loader in this very process: its CLI would run the console in a grandchild the kill misses.
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', childScript, dir, fake.url, String(offerId)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await expect.poll(() => fake.log.entries.some((e) => e.endpoint === 'create' && e.fault === 'create-timeout'), { timeout: 30_000, interval: 50 }).toBe(true);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`the console process never sent its create: ${out}`, { cause: err });
    }
    child.kill('SIGKILL');
    await exited;
    fake.faults.createTimeoutHoldMs = 4_000;
    const operationId = /operation (\S+)/.exec(out)?.[1];
    expect(operationId).toBeDefined();
    return operationId!;
  }

  async function prepare(): Promise<string> {
    const dir = newDir();
    // The operator configured this console earlier; the store and vault files are what the killed process opens.
    const setup = await openConsole({ dir });
    await closeConsole(setup);
    return dir;
  }

  it('after the intent, before Vast made anything: the next start fails the intent once the create window passed (nothing rented)', async () => {
    const dir = await prepare();
    const [offerId] = await offers();
    const operationId = await killDuringCreate(dir, offerId, false);
    expect(fake.liveInstances()).toEqual([]);

    const core = await openConsole({ dir, apiKey: null });
    expect(core.operations.status(operationId).status).toBe('interrupted');
    const [rental] = await rentals(core);
    expect(rental).toMatchObject({ state: 'creating', instanceId: null, operationId });
    const early = await reconcile(core);
    expect(early.pending).toEqual([{ rentalId: rental.rentalId, why: 'inside the create window: its instance may still appear' }]);
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await reconcile(core)).failed).toEqual([{ rentalId: rental.rentalId }]);
    expect((await rentals(core))[0]).toMatchObject({ state: 'failed', endReason: 'no-instance', lastError: { code: 'VAST_NO_INSTANCE' } });
    expect(await core.vault.get(secretNames.vastRentalToken(rental.rentalId))).toBeNull();
    expect(actions(core)).toContain('vast.rental-abandoned');
    expect(fake.liveInstances()).toEqual([]);
  }, 60_000);

  it('after Vast made the instance, before the console recorded it: the next start adopts it by label and finishes the rental', async () => {
    const dir = await prepare();
    const [offerId] = await offers();
    const operationId = await killDuringCreate(dir, offerId, true);
    expect(fake.liveInstances()).toHaveLength(1);

    const core = await openConsole({ dir, apiKey: null });
    const [rental] = await rentals(core);
    expect(rental).toMatchObject({ state: 'creating', instanceId: null });
    const instanceId = fake.liveInstances()[0].id;
    expect(fake.liveInstances()[0].label).toBe(rental.label);

    const reports: ReconcileReport[] = [];
    await expect
      .poll(
        async () => {
          reports.push(await reconcile(core));
          return (await rentals(core))[0].state;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe('running');
    expect(reports[0].adopted).toEqual([{ rentalId: rental.rentalId, instanceId }]);
    expect(reports.flatMap((r) => r.registered).map((r) => r.rentalId)).toEqual([rental.rentalId]);
    expect(reports.flatMap((r) => r.destroyed)).toEqual([]);
    const [done] = await rentals(core);
    expect(done).toMatchObject({ instanceId, state: 'running', operationId });
    expect(core.agents.get(done.agentId!)).toMatchObject({ kind: 'rented', costClass: 'per-second' });
    expect(instancesLabelled(rental.label)).toEqual([instanceId]);
    expect(actions(core)).toEqual(expect.arrayContaining(['vast.instance-adopted', 'vast.rental-completed']));
    expect(core.operations.status(operationId).status).toBe('interrupted');

    await core.invoke('vast:destroy', { rentalId: rental.rentalId });
    expect(fake.liveInstances()).toEqual([]);
  }, 120_000);
});
