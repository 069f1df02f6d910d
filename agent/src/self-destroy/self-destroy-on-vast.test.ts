// The dead-man switch end to end: the fake Vast.ai rents an instance and runs a REAL agent process in it the way
// the GPU image does (deploy-templates/vast/onstart.sh, rendered, run by sh with the env Vast gives a container:
// CONTAINER_ID, CONTAINER_API_KEY), the agent's only way out being DELETE with its own key. The one stand-in: the
// agent's worker is the sleep worker (test-harness/agent/sleep-agent-main.ts), so a job takes exactly as long as
// the test says; the queue, HTTP, SQLite, the switch and its Vast call are the agent's own.
//   1. A console that keeps calling keeps the instance; other tokens and unauthenticated calls do not, and once
//      the console is silent for the lease the agent destroys its instance, which leaves the listing.
//   2. A switch that fires while jobs run: new jobs get 503, queued jobs are given back at once, a job that
//      finishes within the drain bound finishes, one that would not is given back at the bound, then destroy.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm } from '../../../test-harness/agent/test-agent.js';
import { AgentInstanceRuntime, repoRoot } from '../../../test-harness/vast/agent-instance-runtime.js';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { listedInstanceIds, rentOverHttp } from '../../../test-harness/vast/rent-over-http.js';

// The console's own token (mf_<12>_<43>), as it mints one for each rental and passes it in the env.
const consoleToken = `mf_${crypto.randomBytes(6).toString('hex')}_${crypto.randomBytes(32).toString('base64url')}`;
const instancesRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'self-destroy-on-vast-'));
let fake: FakeVast;

/** The GPU image's on-start script with its placeholders filled; its agent is the sleep-worker agent (see top). */
function onstart(deadmanS: number): string {
  const values: Record<string, string> = { agentPort: '8787', consoleId: 'console-self-destroy-test', idleTimeoutS: '600', deadmanS: String(deadmanS), spendCapUsd: '' };
  const script = fs
    .readFileSync(path.join(repoRoot, 'deploy-templates/vast/onstart.sh'), 'utf8')
    .replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
      if (!(key in values)) throw new Error(`onstart.sh has a placeholder this test does not fill: ${key}`);
      return values[key];
    });
  const agentLine = '/app/agent/src/cli.ts serve';
  if (!script.includes(agentLine)) throw new Error('onstart.sh no longer starts the agent with agent/src/cli.ts serve; update this test');
  return script.replace(agentLine, '/app/test-harness/agent/sleep-agent-main.ts');
}

interface Rental {
  id: number;
  url: string;
  dataDir: string;
}

async function rentAgent(deadmanS: number, env: Record<string, string>): Promise<Rental> {
  const { id } = await rentOverHttp(fake, {
    image: 'registry.example.invalid/mediafleet-gpu:test',
    label: `mf-self-destroy-test-${deadmanS}`,
    onstart: onstart(deadmanS),
    env: {
      '-p 8787:8787': '1',
      MEDIAFLEET_ADMIN_TOKEN: consoleToken,
      // This test is about the dead-man switch, not how the token arrives: plain HTTP with the token in the env
      // (still supported outside pairing mode) keeps it so. The rented path itself (pairing over pinned TLS) is
      // tested in agent/src/pairing/pairing.test.ts and electron/core/vast/vast-agent-instance.test.ts.
      MEDIAFLEET_TLS: 'off',
      // Where console.vast.ai is for this instance: the fake.
      MEDIAFLEET_VAST_API_URL: `${fake.url}/api/v0`,
      MEDIAFLEET_WARMUP: 'none',
      MEDIAFLEET_LOG_LEVEL: 'info',
      ...env,
    },
  });
  await fake.advance(5_000);
  const instance = fake.instances.get(id)!;
  expect(instance.actualStatus).toBe('running');
  const url = `http://127.0.0.1:${instance.hostPorts!['8787/tcp']}`;
  const until = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${consoleToken}` } }).catch(() => undefined);
    if (res?.status === 200) break;
    if (fake.instances.get(id)?.actualStatus === 'exited') throw new Error(`the instance exited: ${fake.instances.get(id)?.statusMsg}`);
    if (Date.now() > until) throw new Error('the agent in the instance did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  // AgentInstanceRuntime keeps each instance's /data under its root as fake-vast-<id>-*/data.
  const dataDir = path.join(instancesRoot, fs.readdirSync(instancesRoot).find((d) => d.startsWith(`fake-vast-${id}-`))!, 'data');
  return { id, url, dataDir };
}

/** Resolves with the real time at which the fake saw the instance destroyed. */
async function destroyedAt(id: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (fake.instances.get(id)?.destroyedAtMs === null) {
    if (Date.now() > until) throw new Error(`instance ${id} was not destroyed within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now();
}

/** The agent's log lines (pino JSON) whose message starts with "self-destroy:" or tells of a job given back. */
function switchLog(dataDir: string): string[] {
  return fs
    .readFileSync(path.join(dataDir, 'agent.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string })
    .map((l) => l.msg)
    .filter((m) => m.startsWith('self-destroy:') || /given back/.test(m));
}

beforeAll(async () => {
  fake = await startFakeVast({
    seed: 23,
    clockSpeed: 0,
    rateLimitScale: 0,
    boot: { provisioningMs: 1_000, loadingMs: 2_000 },
    runtime: new AgentInstanceRuntime({ root: instancesRoot, keepData: true, stopGraceMs: 5_000 }),
  });
});

afterAll(async () => {
  await fake?.close();
  fs.rmSync(instancesRoot, { recursive: true, force: true });
});

describe('a rented instance whose console goes silent', () => {
  it('is kept while the console calls, and destroys itself a lease after the last call (other tokens do not count)', async () => {
    const rental = await rentAgent(3, { MEDIAFLEET_WORKERS: '1' });
    const health = await api(rental.url, consoleToken, 'GET', '/v1/health');
    expect(health.body.selfDestroy).toMatchObject({ armed: true, state: 'armed', limits: { leaseS: 3 } });
    // A token of the console's home tenant, but not of the console's scope.
    const tenantAdmin = (await api(rental.url, consoleToken, 'POST', '/v1/tokens', { scope: 'admin', tenant: 'default' })).body.token as string;
    expect(tenantAdmin).toMatch(/^mf_/);

    // The console calls every second for three leases: the instance stays.
    for (let i = 0; i < 9; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await api(rental.url, consoleToken, 'GET', '/v1/health')).body.selfDestroy.state).toBe('armed');
    }
    const lastConsoleCall = Date.now();
    expect(await listedInstanceIds(fake)).toContain(rental.id);

    // Now only others call: the tenant's admin, and someone without a token.
    const polls: number[] = [];
    const poller = (async () => {
      while (fake.instances.get(rental.id)?.destroyedAtMs === null) {
        const r = await api(rental.url, tenantAdmin, 'GET', '/v1/health').catch(() => undefined);
        if (r?.status === 200 && r.body.selfDestroy.state === 'armed') polls.push(r.body.selfDestroy.leaseLeftMs);
        await api(rental.url, undefined, 'GET', '/v1/jobs').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const gone = await destroyedAt(rental.id, 15_000);
    await poller;
    // Not before the lease ran out (the agent saw the last call after we sent it), and soon after.
    expect(gone - lastConsoleCall).toBeGreaterThanOrEqual(3_000);
    expect(gone - lastConsoleCall).toBeLessThan(3_000 + 3_000);
    expect(polls.length).toBeGreaterThan(3);
    expect(polls.every((left, i) => i === 0 || left <= polls[i - 1])).toBe(true);

    expect(await listedInstanceIds(fake)).not.toContain(rental.id);
    const deletes = fake.log.entries.filter((e) => e.method === 'DELETE' && e.path === `/api/v0/instances/${rental.id}/`);
    expect(deletes.map((e) => [e.identity, e.status])).toEqual([[`instance:${rental.id}`, 200]]);
    // Vast's destroy ends the container: the agent process is gone.
    await fake.settle();
    await expect(fetch(`${rental.url}/v1/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    // The last two lines are written after Vast's answer, while Vast is already ending the container: on a loaded
    // machine the process can be stopped before it writes them (the DELETE above is what counts).
    const said = switchLog(rental.dataDir);
    expect(said.slice(0, 4)).toEqual([
      'self-destroy: the dead-man switch is armed',
      'self-destroy: the dead-man switch fired; taking no new jobs, letting running ones finish',
      expect.stringMatching(/^self-destroy: drained/),
      'self-destroy: asking Vast.ai to destroy this instance',
    ]);
    expect(said.slice(4)).toEqual(['self-destroy: Vast.ai destroyed this instance', 'self-destroy: done; Vast.ai stops this container'].slice(0, said.length - 4));
  }, 90_000);

  it('lets a running job finish within the drain bound, gives back the rest, and only then destroys the instance', async () => {
    const rental = await rentAgent(3, { MEDIAFLEET_WORKERS: '2', MEDIAFLEET_SELF_DESTROY_DRAIN_S: '6' });
    // Two workers: a job that ends 5 s after it starts (about 2 s into the drain), one that would take a minute,
    // and one that waits behind them.
    const submit = async (script: string): Promise<string> => {
      const res = await api(rental.url, consoleToken, 'POST', '/v1/jobs', mediaForm(script, {}, `${script.replace(' ', '-')}.txt`));
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const finishing = await submit('sleep 5000');
    const long = await submit('sleep 60000');
    const waiting = await submit('sleep 100');
    const reader = (await api(rental.url, consoleToken, 'POST', '/v1/tokens', { scope: 'admin', tenant: 'default' })).body.token as string;
    const silentFrom = Date.now();

    // Silent console. Once the switch fires, new work is refused, even from the console.
    let refusedAt = 0;
    while (!refusedAt) {
      const res = await api(rental.url, reader, 'POST', '/v1/jobs', mediaForm('sleep 10'));
      if (res.status === 503) {
        expect(res.body.error.code).toBe('SELF_DESTROYING');
        refusedAt = Date.now();
      } else {
        expect(res.status).toBe(202);
        // A job accepted before the switch fired is given back with the others.
        expect(Date.now() - silentFrom).toBeLessThan(3_500);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(refusedAt - silentFrom).toBeGreaterThanOrEqual(2_800);
    const health = await api(rental.url, reader, 'GET', '/v1/health');
    expect(health.body).toMatchObject({ ready: false, status: 'stopping', selfDestroy: { state: 'draining', trigger: 'lease-expired' } });
    const consoleRefused = await api(rental.url, consoleToken, 'POST', '/v1/jobs', mediaForm('sleep 10'));
    expect([consoleRefused.status, consoleRefused.body.error?.code]).toEqual([503, 'SELF_DESTROYING']);
    // The waiting job is given back at once, for the console to send elsewhere.
    expect((await api(rental.url, reader, 'GET', `/v1/jobs/${waiting}`)).body).toMatchObject({ status: 'failed', error: { code: 'SELF_DESTROYING' } });
    // The instance is still there while the running jobs drain.
    expect(fake.instances.get(rental.id)?.destroyedAtMs).toBeNull();

    const gone = await destroyedAt(rental.id, 20_000);
    await fake.settle();
    // What the agent recorded before it went, read from its SQLite file on the instance's disk.
    const db = new Database(path.join(rental.dataDir, 'agent.sqlite'), { readonly: true });
    const jobs = new Map(
      (db.prepare('SELECT id, status, error_code, started_at, finished_at FROM jobs').all() as Array<{ id: string; status: string; error_code: string | null; started_at: number | null; finished_at: number }>).map(
        (j) => [j.id, j],
      ),
    );
    db.close();
    expect(jobs.get(finishing)).toMatchObject({ status: 'succeeded', error_code: null });
    expect(jobs.get(long)).toMatchObject({ status: 'failed', error_code: 'SELF_DESTROYING' });
    expect(jobs.get(waiting)).toMatchObject({ status: 'failed', error_code: 'SELF_DESTROYING', started_at: null });
    // The finished job ran to its end during the drain, and the destroy came after it and after the bound.
    expect(jobs.get(finishing)!.finished_at).toBeGreaterThan(refusedAt - 300);
    expect(gone).toBeGreaterThanOrEqual(jobs.get(finishing)!.finished_at);
    expect(jobs.get(long)!.finished_at - refusedAt).toBeGreaterThan(6_000 - 500);
    expect(gone).toBeGreaterThanOrEqual(jobs.get(long)!.finished_at);
    expect(gone - refusedAt).toBeLessThan(6_000 + 3_000);
    expect([...jobs.values()].filter((j) => j.status === 'queued' || j.status === 'running')).toEqual([]);

    expect(await listedInstanceIds(fake)).not.toContain(rental.id);
    const log = switchLog(rental.dataDir);
    expect(log.slice(0, 2)).toEqual(['self-destroy: the dead-man switch is armed', 'self-destroy: the dead-man switch fired; taking no new jobs, letting running ones finish']);
    const order = ['queued job given back', 'running job given back', 'self-destroy: drained', 'self-destroy: asking Vast.ai'].map((m) =>
      log.findIndex((l) => l.startsWith(m)),
    );
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]))).toBe(true);
  }, 90_000);
});
