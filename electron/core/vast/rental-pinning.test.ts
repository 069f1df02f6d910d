// The pinned TLS between the console and a rented agent, against the fake Vast.ai running the REAL agent, with a
// man in the middle on loopback between the instance's published port and its agent (TlsInterposer): it shows its
// own certificate and relays to the agent. Shown here: an instance that answers with a certificate other than the
// one it proved is destroyed before any token reaches it and the next offer is rented; an agent that was pinned
// and later shows another certificate gets AGENT_CERT_MISMATCH from every console client, with nothing sent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentInstanceRuntime } from '../../../test-harness/vast/agent-instance-runtime.js';
import type { FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { configureVast, openRentalConsole, startFakeVastWithAgents, testRentedAgentEnv } from '../../../test-harness/vast/rental-test-console.js';
import { TlsInterposer } from '../../../test-harness/vast/tls-test-tools.js';
import type { ConsoleCore } from '../console-core.js';
import type { RentalView } from '../contracts/vast.js';
import { secretNames } from '../secrets/secret-vault.js';
import { VastClient } from './vast-client.js';

let fake: FakeVast;
let vast: VastClient;
let core: ConsoleCore;
const dirs: string[] = [];
/** The relay in front of each instance's agent; the first instance created gets a man in the middle. */
const interposers = new Map<number, TlsInterposer>();
let mitmNext = true;

beforeAll(async () => {
  ({ fake, vast } = await startFakeVastWithAgents({
    seed: 91,
    // Each rented agent is reached through an interposer; the first instance's is a man in the middle.
    runtime: new AgentInstanceRuntime({
      stopGraceMs: 3_000,
      extraEnv: testRentedAgentEnv,
      interpose: async ({ instanceId, agentPort }) => {
        const interposer = await TlsInterposer.start(agentPort, mitmNext ? 'mitm' : 'pass');
        mitmNext = false;
        interposers.set(instanceId, interposer);
        return interposer.port;
      },
    }),
  }));
  const dir = mkdtempSync(join(tmpdir(), 'mf-pinning-'));
  dirs.push(dir);
  core = openRentalConsole({ dir, fakeUrl: fake.url });
  await configureVast(core, fake.apiKey);
}, 30_000);

afterAll(async () => {
  await core?.close();
  for (const instance of fake?.liveInstances() ?? []) await vast.destroyInstance(instance.id).catch(() => undefined);
  await fake?.settle();
  await fake?.close();
  for (const i of interposers.values()) await i.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function rentals(): Promise<RentalView[]> {
  const answer = await core.invoke('vast:rentals', { includeEnded: true }, { readOnly: true });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data as RentalView[];
}

describe('pinned TLS to rented agents', () => {
  let agentId: string;
  let instanceId: number;

  it('an instance that answers with a certificate other than the one it proved: destroyed, no token sent, the next offer rented and pinned', async () => {
    const [offerId] = (await vast.searchOffers({ diskGb: 32, verifiedOnly: false })).map((o) => o.id);
    const answer = await core.invoke('vast:rent', { offerId, diskGb: 32, filters: { verifiedOnly: false }, maxAttempts: 2 });
    if (!answer.ok) throw new Error(answer.error.message);
    const operationId = (answer.data as { operationId: string }).operationId;
    expect(await core.operations.settled(operationId), JSON.stringify(core.operations.status(operationId).error)).toBe('succeeded');

    const all = await rentals();
    const first = all.find((r) => r.attempt === 1)!;
    const second = all.find((r) => r.attempt === 2)!;
    // The first instance: the man in the middle relayed the proof request, the agent's proof was for the agent's
    // certificate, not the one the console saw: destroyed, with a clear code.
    expect(first).toMatchObject({ state: 'destroyed', endReason: 'pairing-failed', lastError: { code: 'VAST_PAIRING_FAILED' } });
    expect(first.lastError!.message).toMatch(/No token was sent/);
    const mitm = interposers.get(first.instanceId!)!;
    expect(mitm.mode).toBe('mitm');
    expect(mitm.mitmConnections).toBeGreaterThan(0);
    expect(mitm.receivedText()).toContain('POST /v1/pairing/proof');
    // Nothing but the proof request reached it: no completion, no token, no bearer header.
    expect(mitm.receivedText()).not.toContain('/v1/pairing/complete');
    expect(mitm.receivedText()).not.toMatch(/authorization|mf_[a-z0-9]{12}_/i);
    expect((await vast.listAllInstances()).map((i) => i.id)).not.toContain(first.instanceId);
    expect(core.operations.eventsSince(operationId).some((e) => e.line?.startsWith('pairing failed:'))).toBe(true);

    // The second: paired through a plain relay, registered with the fingerprint of the certificate it serves.
    expect(second).toMatchObject({ state: 'running' });
    const agent = core.agents.get(second.agentId!)!;
    expect(agent.tlsFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(agent.tlsFingerprint).not.toBe(mitm.fingerprint);
    const { client } = await core.agentDirectory.resolve(agent.id);
    expect((await client.info()).version).toBeTruthy();
    agentId = agent.id;
    instanceId = second.instanceId!;
  }, 120_000);

  it('a pinned agent whose certificate changes later: AGENT_CERT_MISMATCH for the directory and health clients, nothing sent', async () => {
    const relay = interposers.get(instanceId)!;
    const token = (await core.vault.get(secretNames.agentAdminToken(agentId)))!;
    relay.setMode('mitm');
    // The kept-alive connections were cut; let the clients' pools see them close, so the next request connects anew.
    await new Promise((r) => setTimeout(r, 200));
    const { client } = await core.agentDirectory.resolve(agentId);
    await expect(client.info()).rejects.toMatchObject({ code: 'AGENT_CERT_MISMATCH' });
    await expect(client.health()).rejects.toThrow(/other than the one this console pinned/);
    // The health monitor's probe (node:https, its own pool) refuses it the same way.
    await core.health.pollOnce();
    expect(core.health.latestOf('agent', agentId)).toMatchObject({ up: false, reason: expect.stringMatching(/^AGENT_CERT_MISMATCH/) });
    // The handshakes reached the man in the middle; not one byte of a request, so no token.
    expect(relay.mitmConnections).toBeGreaterThan(0);
    expect(relay.received).toEqual([]);
    expect(relay.receivedText()).not.toContain(token);

    // The real certificate again: the same clients work.
    relay.setMode('pass');
    await new Promise((r) => setTimeout(r, 200));
    expect((await (await core.agentDirectory.resolve(agentId)).client.info()).version).toBeTruthy();
  }, 60_000);
});
