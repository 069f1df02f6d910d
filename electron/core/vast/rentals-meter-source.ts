// The rentals table as the ledger sees it (costs/gpu-meter-source.ts): every rental whose instance exists or may
// bill is metered as running at its dph_total (Vast bills from the create, loading included, until the destroy is
// confirmed); a rental that ended lately is reported gone with its end time, so its last span stops there.
// A rental whose rate is not known yet (read back after an ambiguous create) is left to the /charges reconciliation.
import type { GpuMeterSource, MeteredGpuRental } from '../costs/gpu-meter-source.js';
import type { RentalRecord, RentalsRepository } from './rentals-repository.js';

/** Ended rentals stay in the list this long, so a tick that comes late still sees them end. */
const ENDED_VISIBLE_MS = 3600_000;

const billing = new Set<RentalRecord['state']>(['booting', 'running', 'destroying']);

export function rentalsMeterSource(repo: Pick<RentalsRepository, 'list' | 'listOpen'>, now: () => number = Date.now): GpuMeterSource {
  return {
    list(): MeteredGpuRental[] {
      const out: MeteredGpuRental[] = [];
      // Every open rental, however old; of the ended ones the latest (a tick sees an end within minutes).
      const open = repo.listOpen();
      const ended = repo.list({ includeEnded: true, limit: 200 }).filter((r) => r.state === 'destroyed' || r.state === 'failed');
      for (const r of [...open, ...ended]) {
        if (r.instanceId === null || r.dphTotal === null) continue;
        const label = `${r.numGpus && r.numGpus > 1 ? `${r.numGpus}× ` : ''}${r.gpuName ?? 'GPU'} · instance ${r.instanceId}`;
        const base = { rentalId: r.id, agentId: r.agentId, label, dphTotalUsd: r.dphTotal, storageDphUsd: r.storageUsdPerHour ?? 0, vastInstanceId: r.instanceId };
        if (billing.has(r.state)) out.push({ ...base, state: 'running' });
        else if (r.endedAt && now() - Date.parse(r.endedAt) < ENDED_VISIBLE_MS) out.push({ ...base, state: 'gone', endedAtMs: Date.parse(r.endedAt) });
      }
      return out;
    },
  };
}
