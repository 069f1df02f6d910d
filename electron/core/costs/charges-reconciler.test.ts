// The ledger against the fake Vast.ai's billing clock: a rental that runs, stops, starts again and is destroyed
// is metered from its rates to the fake's bill (apart from the minute of loading before the meter opened), and
// the reconciliation through the real Vast client's listCharges makes the ledger's figure Vast's, once, with the
// difference on record. The rentals table is not there yet: `VastBackedRentals` is its stand-in, reading the
// instance from the fake as the rentals code would keep it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCostsFixture, StandInRentals, type CostsFixture } from '../../../test-harness/console/costs-fixture.js';
import { startFakeVastWithClient, type FakeVastWithClient } from '../../../test-harness/vast/vast-test-setup.js';

let t: FakeVastWithClient;
let f: CostsFixture;

/** Stand-in for the rentals table: one rental whose state and rates are read from Vast (the fake) on refresh. */
class VastBackedRentals {
  constructor(
    private readonly table: StandInRentals,
    private readonly rentalId: string,
    private readonly instanceId: number,
  ) {}
  async refresh(): Promise<void> {
    const instance = await t.client.getInstance(this.instanceId);
    this.table.put({
      rentalId: this.rentalId,
      agentId: null,
      label: `instance ${this.instanceId}`,
      vastInstanceId: this.instanceId,
      state: instance === null ? 'gone' : instance.actualStatus === 'running' ? 'running' : 'stopped',
      dphTotalUsd: instance?.dphTotal ?? 0,
      storageDphUsd: instance?.storageTotalCost ?? 0,
    });
  }
}

beforeEach(async () => {
  t = await startFakeVastWithClient({ seed: 5 });
  f = openCostsFixture(new Date(t.fake.clock.now()).toISOString());
});
afterEach(async () => {
  f.close();
  await t.close();
});

/** Moves the fake's billing clock and the console's clock together. */
async function advance(ms: number): Promise<void> {
  await t.fake.advance(ms);
  f.clock.ms = t.fake.clock.now();
}

const ledgerUsd = (rentalId: string) => f.costs.ledger.entriesOf('gpu', rentalId).reduce((s, e) => s + e.amount, 0);
const chargesUsd = async (instanceId: number) =>
  (await t.client.listCharges({ fromSeconds: 0, toSeconds: t.fake.clock.nowSeconds() + 86_400 })).filter((c) => c.instanceId === instanceId).reduce((s, c) => s + c.amountUsd, 0);

describe('ledger and Vast /charges', () => {
  it('runs, stops, starts and is destroyed: the ledger follows the bill, and the reconciliation makes it Vast’s', async () => {
    const [offer] = await t.client.searchOffers({ diskGb: 16, minDirectPorts: 1, verifiedOnly: false });
    const { instanceId } = await t.client.createInstance({ offerId: offer!.id, image: 'example/app:1', diskGb: 16, label: 'mf-costs-1', ports: [{ port: 8787 }] });
    const rental = new VastBackedRentals(f.rentals, 'rent-1', instanceId);
    await advance(70_000); // provisioning (free), then a minute of loading (disk) before the meter opens
    await rental.refresh();
    f.costs.tick();
    const running = (await t.client.getInstance(instanceId))!;
    expect(running.actualStatus).toBe('running');

    // What the rentals code does around each change: accrue, act on Vast, read the new state, tick.
    const change = async (act: () => Promise<unknown>) => {
      f.costs.accrueNow();
      await act();
      await rental.refresh();
      f.costs.tick();
    };
    await advance(3_600_000);
    f.costs.tick();
    expect(await f.costs.reconcileWithCharges(t.client, { settleMs: 0 })).toEqual([]); // still running: nothing to settle
    await change(() => t.client.stopInstance(instanceId));
    await advance(2 * 3_600_000);
    f.costs.tick();
    await change(() => t.client.startInstance(instanceId)); // scheduling, then loading: disk only
    await advance(65_000);
    await change(async () => undefined); // running again
    expect(f.rentals.list()[0]!.state).toBe('running');
    await advance(1_800_000);
    await change(() => t.client.destroyInstance(instanceId));
    expect(f.rentals.list()[0]!.state).toBe('gone');

    const storagePerHour = running.storageTotalCost!;
    const gpuPerHour = running.dphTotal!;
    const expected = 1.5 * gpuPerHour + (2 * 3_600_000 + 65_000) / 3_600_000 * storagePerHour;
    expect(ledgerUsd('rent-1')).toBeCloseTo(expected, 9);
    const billed = await chargesUsd(instanceId);
    // Vast billed the minute of loading before the ledger saw the rental: that is all that differs.
    expect(billed - ledgerUsd('rent-1')).toBeCloseTo(storagePerHour / 60, 6);

    const [result, ...more] = await f.costs.reconcileWithCharges(t.client, { settleMs: 0 });
    expect(more).toEqual([]);
    expect(result).toMatchObject({ rentalId: 'rent-1', vastInstanceId: instanceId, chargesUsd: expect.closeTo(billed, 9), differenceUsd: expect.closeTo(storagePerHour / 60, 6) });
    // The reconciled figure wins, to the cent and beyond; a second run changes nothing.
    expect(ledgerUsd('rent-1')).toBeCloseTo(billed, 9);
    expect(await f.costs.reconcileWithCharges(t.client, { settleMs: 0 })).toEqual([]);
    expect(f.costs.ledger.entriesOf('gpu', 'rent-1').filter((e) => e.kind === 'gpu-reconcile')).toHaveLength(1);

    const summary = f.costs.summary();
    expect(summary.reconciliations).toEqual([
      {
        sourceId: 'rent-1',
        label: `instance ${instanceId}`,
        vastInstanceId: instanceId,
        ledger: { amount: expect.closeTo(expected, 9), currency: 'USD' },
        charges: { amount: expect.closeTo(billed, 9), currency: 'USD' },
        difference: { amount: expect.closeTo(storagePerHour / 60, 6), currency: 'USD' },
        at: new Date(f.clock.ms).toISOString(),
      },
    ]);
    expect(summary.monthToDate.gpu.amount).toBeCloseTo(billed, 9);
  });

  it('waits for a destroyed rental’s charges to settle before reconciling it', async () => {
    const [offer] = await t.client.searchOffers({ diskGb: 16, minDirectPorts: 1, verifiedOnly: false });
    const { instanceId } = await t.client.createInstance({ offerId: offer!.id, image: 'example/app:1', diskGb: 16, label: 'mf-costs-2', ports: [{ port: 8787 }] });
    const rental = new VastBackedRentals(f.rentals, 'rent-2', instanceId);
    await advance(70_000);
    await rental.refresh();
    f.costs.tick();
    await advance(600_000);
    f.costs.accrueNow();
    await t.client.destroyInstance(instanceId);
    await rental.refresh();
    f.costs.tick();
    t.fake.log.clear();
    expect(await f.costs.reconcileWithCharges(t.client)).toEqual([]);
    // Nothing was due, so Vast was not even asked.
    expect(t.fake.log.count({ endpoint: 'charges' })).toBe(0);
    await advance(600_000);
    expect(await f.costs.reconcileWithCharges(t.client)).toHaveLength(1);
    expect(t.fake.log.count({ endpoint: 'charges' })).toBe(1);
  });
});
