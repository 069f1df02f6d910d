// The fake Vast.ai's failure behaviours as the client sees them: boot failures that never reach running, the
// first GET after create answering {"instances":null}, an instance lost offline mid-run, an on-start script that
// fails. No agent runs here (NoProcessRuntime, or an on-start that exits at once).
import { afterEach, describe, expect, it } from 'vitest';
import { AgentInstanceRuntime } from '../../../test-harness/vast/agent-instance-runtime.js';
import type { BootFailure } from '../../../test-harness/vast/fake-vast-faults.js';
import { startFakeVastWithClient, type FakeVastWithClient } from '../../../test-harness/vast/vast-test-setup.js';
import { bootStateOf } from './vast-boot-state.js';
import { hostPortOf } from './vast-schemas.js';

let t: FakeVastWithClient | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function rent(label: string, extra: { image?: string; onstart?: string } = {}): Promise<number> {
  const [offer] = await t!.client.searchOffers({ diskGb: 16, verifiedOnly: false });
  return (await t!.client.createInstance({ offerId: offer.id, image: extra.image ?? 'example/app:1', diskGb: 16, label, ports: [{ port: 8787 }], onstart: extra.onstart })).instanceId;
}

describe('boot failures', () => {
  it.each<[BootFailure, string]>([
    ['exited', 'exited'],
    ['unknown', 'unknown'],
    ['offline', 'offline'],
    ['oci_error', 'created'],
  ])('%s: the instance ends as %s and reads as fatal, never running', async (failure, status) => {
    t = await startFakeVastWithClient({ seed: 31 });
    t.fake.faults.failNextBoot(failure);
    const id = await rent(`mf-boot-${failure}`);
    expect(bootStateOf((await t.client.getInstance(id))!).kind).toBe('pending');
    await t.fake.advance(10_000);
    expect(bootStateOf((await t.client.getInstance(id))!).kind).toBe('pending');
    await t.fake.advance(600_000);
    const instance = (await t.client.getInstance(id))!;
    expect(instance.actualStatus).toBe(status);
    expect(bootStateOf(instance).kind).toBe('fatal');
    if (failure === 'oci_error') expect(instance.statusMsg).toMatch(/OCI runtime create failed/);
    expect(instance.ports).toEqual({});
  });

  it('stuck loading stays pending however long one waits', async () => {
    t = await startFakeVastWithClient({ seed: 32 });
    t.fake.faults.failNextBoot('stuck_loading');
    const id = await rent('mf-stuck');
    await t.fake.advance(3_600_000);
    expect((await t.client.getInstance(id))?.actualStatus).toBe('loading');
  });

  it('an on-start script that fails leaves the instance exited, with its output in status_msg', async () => {
    t = await startFakeVastWithClient({ seed: 33, runtime: new AgentInstanceRuntime() });
    const id = await rent('mf-onstart-fails', { image: 'registry.example.invalid/mediafleet-gpu:test', onstart: '#!/bin/sh\nset -eu\necho "no such model dir" >&2\nexit 3\n' });
    await t.fake.advance(70_000);
    const instance = (await t.client.getInstance(id))!;
    expect(instance.actualStatus).toBe('exited');
    expect(instance.statusMsg).toMatch(/no such model dir/);
    expect(bootStateOf(instance).kind).toBe('fatal');
  });
});

describe('reads after create', () => {
  it('the first GET after create may answer {"instances":null}', async () => {
    t = await startFakeVastWithClient({ seed: 34, firstGetAfterCreateNull: true });
    const id = await rent('mf-first-null');
    expect(await t.client.getInstance(id)).toBeNull();
    expect((await t.client.getInstance(id))?.id).toBe(id);
  });

  it('a lagging listing leaves a new instance out for a while (clock lag)', async () => {
    t = await startFakeVastWithClient({ seed: 35, readAfterCreateLagMs: 5_000 });
    const id = await rent('mf-lag-ms');
    expect((await t.client.listAllInstances()).map((i) => i.id)).not.toContain(id);
    await t.fake.advance(5_000);
    expect((await t.client.listAllInstances()).map((i) => i.id)).toContain(id);
  });
});

describe('lost instances', () => {
  it('an instance lost mid-run reads offline, is not billed, and loses its ports (the agent test checks they stop answering)', async () => {
    t = await startFakeVastWithClient({ seed: 36 });
    const id = await rent('mf-lost');
    await t.fake.advance(70_000);
    const running = (await t.client.getInstance(id))!;
    expect(running.actualStatus).toBe('running');
    expect(hostPortOf(running, 8787)).not.toBeNull();
    t.fake.loseInstance(id);
    const credit = (await t.client.getAccount()).credit;
    await t.fake.advance(3_600_000);
    const lost = (await t.client.getInstance(id))!;
    expect(lost.actualStatus).toBe('offline');
    expect(bootStateOf(lost).kind).toBe('fatal');
    expect((await t.client.getAccount()).credit).toBeCloseTo(credit, 9);
    expect(lost.ports).toEqual({});
    expect(await t.client.destroyInstance(id)).toEqual({ alreadyGone: false });
  });
});
