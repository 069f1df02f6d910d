// A fake Vast.ai instance runs the REAL agent: the GPU image's on-start script (deploy-templates/vast/onstart.sh,
// rendered) is run with the env Vast gives a container, the agent listens behind the published host port, a
// real analysis (nsfw on a fixture image) runs there, and destroy ends the process. No GPU: the agent runs its
// CPU models, which is all this test needs to show the rental path carries a working agent. As the console does,
// the test pairs with it over TLS (a one-time secret in the env, the token sent over the pinned connection) and
// then talks to it only through a connection pinned to the certificate it proved.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentInstanceRuntime } from '../../../test-harness/vast/agent-instance-runtime.js';
import type { FakeInstance } from '../../../test-harness/vast/fake-vast.js';
import { startFakeVastWithClient, type FakeVastWithClient } from '../../../test-harness/vast/vast-test-setup.js';
import { readTemplate, renderTemplate } from '../deploy/render-templates.js';
import { hostPortOf } from './vast-schemas.js';
import { pinnedDispatcher } from '../agents/pinned-tls.js';
import { mintPairingSecret, pairRentedAgent } from './rented-agent-pairing.js';

const fixture = path.resolve('../shared/fixtures/images/chelsea.png');
// The agent's token format (mf_<12 id chars>_<43 secret chars>), minted here as the console will.
const adminToken = `mf_${crypto.randomBytes(6).toString('hex')}_${crypto.randomBytes(32).toString('base64url')}`;
const pairingSecret = mintPairingSecret();
const onstart = renderTemplate(readTemplate('vast/onstart.sh'), { agentPort: 8787, consoleId: 'console-test', idleTimeoutS: 600, deadmanS: 900, spendCapUsd: 5 }, 'vast/onstart.sh');

let t: FakeVastWithClient;
let instanceId: number;
let agentUrl: string;
let fakeInstance: FakeInstance;
let pinned: ReturnType<typeof pinnedDispatcher>;

/** fetch over a connection pinned to the certificate the agent proved (undici's dispatcher option). */
const pinnedFetch = (url: string, init: RequestInit = {}): Promise<Response> => fetch(url, { ...init, dispatcher: pinned } as RequestInit);

/** Pairs with the agent once it answers: its proof checked against the certificate seen, the token installed. */
async function pairWhenUp(url: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await pairRentedAgent({ baseUrl: url, secret: pairingSecret, token: adminToken, signal: new AbortController().signal, timeoutMs: 3_000 });
    if (outcome.kind === 'paired') return outcome.fingerprint;
    if (outcome.kind !== 'not-yet') throw new Error(`pairing failed: ${JSON.stringify(outcome)}`);
    const instance = t.fake.instances.get(instanceId);
    if (instance?.actualStatus === 'exited') throw new Error(`the instance exited instead: ${instance.statusMsg}`);
    if (Date.now() > until) throw new Error(`agent at ${url} did not pair in time (${outcome.message})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await pinnedFetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${adminToken}` } });
      if (res.status === 200) return;
    } catch {
      /* the agent is still starting */
    }
    const instance = t.fake.instances.get(instanceId);
    if (instance?.actualStatus === 'exited') throw new Error(`the instance exited instead: ${instance.statusMsg}`);
    if (Date.now() > until) throw new Error(`agent at ${url} did not answer in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function environOf(pid: number): Record<string, string> {
  const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(raw.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

beforeAll(async () => {
  t = await startFakeVastWithClient({ seed: 41, runtime: new AgentInstanceRuntime({ stopGraceMs: 5_000 }) });
  const [offer] = await t.client.searchOffers({ diskGb: 32, minDirectPorts: 1, verifiedOnly: false });
  const created = await t.client.createInstance({
    offerId: offer.id,
    image: 'registry.example.invalid/mediafleet-gpu:test',
    diskGb: 32,
    label: 'mf-console-test-rental-1',
    ports: [{ port: 8787 }],
    onstart,
    // What the console passes: the one-time pairing secret it minted (never the token); one worker and no model
    // preloading suit 2 cores.
    env: { MEDIAFLEET_PAIRING_SECRET: pairingSecret, MEDIAFLEET_TLS: 'self-signed', MEDIAFLEET_WORKERS: '1', MEDIAFLEET_WARMUP: 'none', MEDIAFLEET_LOG_LEVEL: 'warn' },
  });
  instanceId = created.instanceId;
  await t.fake.advance(70_000);
  const instance = (await t.client.getInstance(instanceId))!;
  expect(instance.actualStatus).toBe('running');
  agentUrl = `https://${instance.publicIp}:${hostPortOf(instance, 8787)}`;
  fakeInstance = t.fake.instances.get(instanceId)!;
  pinned = pinnedDispatcher(await pairWhenUp(agentUrl, 90_000));
  await waitForHealth(agentUrl, 90_000);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('a rented instance running the real agent', () => {
  it('got the env a Vast container gets, and the on-start script exported its settings', () => {
    const agentPid = fakeInstance.container!.processIds().find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('agent/src/cli.ts'));
    expect(agentPid).toBeDefined();
    const env = environOf(agentPid!);
    expect(env.CONTAINER_ID).toBe(String(instanceId));
    expect(env.CONTAINER_API_KEY).toBe(fakeInstance.instanceApiKey);
    expect(env.VAST_TCP_PORT_8787).toBe(String(fakeInstance.hostPorts!['8787/tcp']));
    expect(env.MEDIAFLEET_PORT).not.toBe(env.VAST_TCP_PORT_8787);
    expect(env.MEDIAFLEET_CONSOLE_ID).toBe('console-test');
    expect(env.MEDIAFLEET_DEADMAN_S).toBe('900');
    expect(env.MEDIAFLEET_TLS).toBe('self-signed');
    // The process started with the one-time secret (used up by now), and no token was ever in its env.
    expect(env.MEDIAFLEET_PAIRING_SECRET).toBe(pairingSecret);
    expect(env.MEDIAFLEET_ADMIN_TOKEN).toBeUndefined();
  });

  it('is paired for good: a second pairing, even with the secret, is refused with 410', async () => {
    const again = await pairRentedAgent({ baseUrl: agentUrl, secret: pairingSecret, token: adminToken, signal: new AbortController().signal, timeoutMs: 3_000 });
    expect(again.kind).toBe('already-paired');
  });

  it('answers through the published host port only (the agent itself listens elsewhere)', async () => {
    const info = await pinnedFetch(`${agentUrl}/v1/info`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(info.status).toBe(200);
    const unauthenticated = await pinnedFetch(`${agentUrl}/v1/info`);
    expect(unauthenticated.status).toBe(401);
  });

  it('runs a real analysis on a fixture', async () => {
    const form = new FormData();
    form.append('analyses', 'nsfw');
    form.append('file', new Blob([fs.readFileSync(fixture)], { type: 'image/png' }), 'chelsea.png');
    const res = await pinnedFetch(`${agentUrl}/v1/analyze`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: form });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { nsfw?: { verdict: string }; media: { sha256: string } };
    expect(result.nsfw?.verdict).toBe('safe');
    expect(result.media.sha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(fixture)).digest('hex'));
  }, 120_000);

  it('lost offline: the agent stops answering; found again, it answers', async () => {
    t.fake.loseInstance(instanceId);
    await expect(pinnedFetch(`${agentUrl}/v1/health`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    fakeInstance.container!.resume();
    await waitForHealth(agentUrl, 10_000);
  });

  it('destroy ends the agent process and the instance leaves the listing', async () => {
    const pids = fakeInstance.container!.processIds();
    expect(pids.length).toBeGreaterThan(0);
    expect(await t.client.destroyInstance(instanceId)).toEqual({ alreadyGone: false });
    await t.fake.settle();
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
    await expect(pinnedFetch(`${agentUrl}/v1/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    expect(await t.client.getInstance(instanceId)).toBeNull();
    expect((await t.client.listAllInstances()).map((i) => i.id)).not.toContain(instanceId);
  });
});
