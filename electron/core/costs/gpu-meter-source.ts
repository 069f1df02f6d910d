// What the ledger needs to know about metered GPU rentals, and nothing more. The rentals feature (the
// vast_rentals table) implements it; the ledger never calls Vast.ai itself. Until that is wired, the console
// has no rentals (`noGpuRentals`).

export interface MeteredGpuRental {
  /** The console's id of the rental (stable for its whole life). */
  rentalId: string;
  /** The agent running on it once registered; its requests carry the rental's cost. */
  agentId: string | null;
  /** What a person calls it ("RTX 4090 · instance 4711"). */
  label: string;
  /** running: billed at dphTotalUsd; stopped: at storageDphUsd; gone: destroyed, billing over. */
  state: 'running' | 'stopped' | 'gone';
  /** Vast's dph_total: $/h while running, disk included. */
  dphTotalUsd: number;
  /** Vast's storage_total_cost: $/h of the disk alone, billed while stopped. */
  storageDphUsd: number;
  /** Vast's instance id, to reconcile with /charges; null before Vast gave one. */
  vastInstanceId?: number | null;
  /** When a gone rental was destroyed, if the rentals code knows: its span is billed up to then, not to now. */
  endedAtMs?: number | null;
}

export interface GpuMeterSource {
  /**
   * Every rental that is or was billed and not yet seen gone. Read synchronously on every tick (a SQLite read).
   * The rentals code calls the ledger's `accrueNow()` just before it changes a rental's state, so the time before
   * the change is billed at the old rate; a change it only observes is off by at most one tick, and the
   * reconciliation with Vast's /charges corrects that.
   */
  list(): MeteredGpuRental[];
}

export const noGpuRentals: GpuMeterSource = { list: () => [] };
