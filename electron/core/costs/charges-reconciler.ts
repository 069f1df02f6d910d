// Reconciles the ledger with Vast.ai's /charges, the authoritative bill: for each finished rental (its meter
// closed) that has a Vast instance id and was not reconciled yet, the sum of its charges replaces the ledger's
// estimate by appending the difference (see CostLedger.reconcileRental). Only finished rentals: a running one's
// charges and the ledger are read at slightly different moments, so their difference would be noise.
import type { VastCharge } from '../vast/vast-schemas.js';
import type { CostLedger } from './cost-ledger.js';

/** The part of the Vast client this needs (VastClient.listCharges). */
export interface VastChargesSource {
  listCharges(range: { fromSeconds: number; toSeconds: number }, options?: { signal?: AbortSignal }): Promise<VastCharge[]>;
}

export interface Reconciliation {
  rentalId: string;
  vastInstanceId: number;
  ledgerUsd: number;
  chargesUsd: number;
  differenceUsd: number;
}

const DAY_S = 86_400;

export async function reconcileFinishedRentals(
  deps: { ledger: CostLedger; charges: VastChargesSource; now: () => Date },
  options: { settleMs?: number; signal?: AbortSignal } = {},
): Promise<Reconciliation[]> {
  const nowMs = deps.now().getTime();
  // Vast updates balances every few seconds: a rental closed a moment ago may still gain charges.
  const settleMs = options.settleMs ?? 600_000;
  const reconciled = new Set(deps.ledger.reconciliations(10_000).map((e) => e.sourceId));
  const due = deps.ledger
    .meters()
    .filter((m) => m.kind === 'gpu' && m.closedAtMs !== null && m.closedAtMs + settleMs <= nowMs && m.vastInstanceId !== null && !reconciled.has(m.sourceId));
  if (due.length === 0) return [];
  // Charges are per instance and day: ask from the day before the first rental opened until now.
  const fromSeconds = Math.floor(Math.min(...due.map((m) => m.openedAtMs)) / 1000) - DAY_S;
  const charges = await deps.charges.listCharges({ fromSeconds, toSeconds: Math.ceil(nowMs / 1000) }, { signal: options.signal });
  const results: Reconciliation[] = [];
  for (const meter of due) {
    const chargesUsd = charges.filter((c) => c.instanceId === meter.vastInstanceId).reduce((sum, c) => sum + c.amountUsd, 0);
    const result = deps.ledger.reconcileRental(meter.sourceId, chargesUsd, { vastInstanceId: meter.vastInstanceId }, deps.now().getTime());
    if (result) results.push({ rentalId: meter.sourceId, vastInstanceId: meter.vastInstanceId!, ...result });
  }
  return results;
}
