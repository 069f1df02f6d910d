// The money ledger: append-only entries of what each billed source cost over a span of time, and one meter per
// source (a VPS server with a price, a GPU rental) saying how far it has been accrued. A tick (`accrue`) appends
// the span [accrued_until, now] for each source, only when now is past accrued_until: a clock that goes back adds
// nothing (never twice, never negative), and a laptop that slept bills the slept time once on waking, since
// servers and GPUs kept billing meanwhile. A span is billed at the state and rate the meter held at its start
// (sample and hold): the meter cannot know when inside the span a change happened; callers that make a change
// accrue just before it, which makes their changes exact.
import type { ConsoleDb } from '../store/console-store.js';
import { monthSpanOf, splitAtDays, type Span } from './calendar.js';
import type { GpuMeterSource } from './gpu-meter-source.js';
import { VAST_CURRENCY } from './money.js';

export type SourceKind = 'vps' | 'gpu';
export type EntryKind = 'vps' | 'gpu-running' | 'gpu-stopped' | 'gpu-reconcile';

/** A billed source as it stands now, from the servers' prices or the GPU rentals. */
interface SourceNow {
  kind: SourceKind;
  id: string;
  label: string;
  agentId: string | null;
  vastInstanceId: number | null;
  state: 'running' | 'stopped' | 'gone';
  /** VPS: its monthly price; GPU: $/h in its current state. */
  rate: number;
  currency: string;
  endedAtMs: number | null;
}

export interface Meter {
  kind: SourceKind;
  sourceId: string;
  label: string;
  agentId: string | null;
  vastInstanceId: number | null;
  state: 'running' | 'stopped';
  rate: number;
  currency: string;
  accruedUntilMs: number;
  openedAtMs: number;
  closedAtMs: number | null;
}

export interface LedgerEntry {
  id: number;
  sourceKind: SourceKind;
  sourceId: string;
  kind: EntryKind;
  fromMs: number;
  toMs: number;
  amount: number;
  currency: string;
  rate: number | null;
  detail: Record<string, unknown> | null;
}

/** A source's amount over a span, in its own currency. */
export interface SourceAmount {
  sourceKind: SourceKind;
  sourceId: string;
  currency: string;
  amount: number;
}

export interface CostLedgerOptions {
  db: ConsoleDb;
  gpu: GpuMeterSource;
  /**
   * The shortest span a tick appends per kind (a state or price change, or `flush`, appends at once). GPU: every
   * tick, since budgets watch it closely. VPS: a fixed price known in advance loses nothing by a coarser grain
   * (5 min of a 12 EUR server is 0.0014 EUR), and the ledger keeps 8,640 rows a month per server, not 259,200.
   */
  minSpanMs?: { vps: number; gpu: number };
}

const HOUR_MS = 3_600_000;

interface MeterRow {
  source_kind: SourceKind;
  source_id: string;
  label: string;
  agent_id: string | null;
  vast_instance_id: number | null;
  state: 'running' | 'stopped';
  rate: number;
  currency: string;
  accrued_until_ms: number;
  opened_at_ms: number;
  closed_at_ms: number | null;
}

const meterOf = (r: MeterRow): Meter => ({
  kind: r.source_kind,
  sourceId: r.source_id,
  label: r.label,
  agentId: r.agent_id,
  vastInstanceId: r.vast_instance_id,
  state: r.state,
  rate: r.rate,
  currency: r.currency,
  accruedUntilMs: r.accrued_until_ms,
  openedAtMs: r.opened_at_ms,
  closedAtMs: r.closed_at_ms,
});

/** What one span costs at a meter's held state and rate (the span lies inside one UTC day). */
export function amountOf(meter: Pick<Meter, 'kind' | 'rate'>, span: Span): number {
  const ms = span.toMs - span.fromMs;
  if (meter.kind === 'vps') {
    // The monthly price spread over the calendar month by the second: a 30-day month's day is 1/30 of it.
    const month = monthSpanOf(span.fromMs);
    return (meter.rate * ms) / (month.toMs - month.fromMs);
  }
  return (meter.rate * ms) / HOUR_MS;
}

const keyOf = (kind: SourceKind, id: string): string => `${kind}:${id}`;

export class CostLedger {
  private readonly db: ConsoleDb;
  private readonly minSpanMs: { vps: number; gpu: number };

  constructor(private readonly options: CostLedgerOptions) {
    this.db = options.db;
    this.minSpanMs = options.minSpanMs ?? { vps: 300_000, gpu: 0 };
  }

  /**
   * Brings every meter up to `nowMs` (see the module comment); `flush` appends even spans shorter than the
   * kind's minimum. Returns how many entries were appended.
   */
  accrue(nowMs: number, { flush = false }: { flush?: boolean } = {}): number {
    const sources = this.sourcesNow();
    // IMMEDIATE: another console process on the same file (the command line) must never read the same
    // accrued_until and bill that span a second time.
    return this.db
      .transaction(() => {
        let appended = 0;
        const meters = new Map(this.meters().map((m) => [keyOf(m.kind, m.sourceId), m]));
        const seen = new Set<string>();
        for (const source of sources) {
          const key = keyOf(source.kind, source.id);
          seen.add(key);
          appended += this.accrueSource(meters.get(key), source, nowMs, flush);
        }
        // A source no longer there (a server or its price removed, a rental dropped from the list) is over.
        for (const [key, meter] of meters) {
          if (seen.has(key) || meter.closedAtMs !== null) continue;
          appended += this.accrueSource(meter, { ...meter, id: meter.sourceId, state: 'gone', endedAtMs: null }, nowMs, flush);
        }
        return appended;
      })
      .immediate();
  }

  private accrueSource(meter: Meter | undefined, source: SourceNow, nowMs: number, flush: boolean): number {
    if (!meter) {
      // First sight: billing is counted from now on (the rentals code accrues right after recording a rental;
      // what Vast billed before that is added by the reconciliation with /charges).
      if (source.state !== 'gone') this.openMeter(source, nowMs);
      return 0;
    }
    if (meter.closedAtMs !== null) {
      // A server priced again after its price was removed: billed again from now, the gap never.
      if (source.state !== 'gone') this.reopenMeter(source, Math.max(nowMs, meter.accruedUntilMs));
      return 0;
    }
    const gone = source.state === 'gone';
    const changed = !gone && (source.state !== meter.state || source.rate !== meter.rate || source.currency !== meter.currency);
    const due = flush || gone || changed || nowMs - meter.accruedUntilMs >= this.minSpanMs[meter.kind];
    let accruedUntilMs = meter.accruedUntilMs;
    let appended = 0;
    if (due && nowMs > meter.accruedUntilMs) {
      // A rental destroyed at a known time is billed up to then, never past now nor before what is already billed.
      const endMs = gone && source.endedAtMs != null ? Math.min(nowMs, Math.max(meter.accruedUntilMs, source.endedAtMs)) : nowMs;
      appended = this.appendSpan(meter, meter.accruedUntilMs, endMs, nowMs);
      accruedUntilMs = endMs;
    }
    if (gone) {
      this.db.prepare('UPDATE cost_meters SET accrued_until_ms = ?, closed_at_ms = ? WHERE source_kind = ? AND source_id = ?').run(accruedUntilMs, nowMs, meter.kind, meter.sourceId);
    } else {
      // The new state and rate hold from accrued_until on (even when the clock is behind it for now).
      this.db
        .prepare(
          `UPDATE cost_meters SET label = @label, agent_id = @agentId, vast_instance_id = @vastInstanceId, state = @state, rate = @rate,
             currency = @currency, accrued_until_ms = @accruedUntilMs WHERE source_kind = @kind AND source_id = @id`,
        )
        .run({ ...source, state: source.state, accruedUntilMs });
    }
    return appended;
  }

  private appendSpan(meter: Meter, fromMs: number, toMs: number, nowMs: number): number {
    const insert = this.db.prepare(
      `INSERT INTO cost_entries (source_kind, source_id, kind, from_ms, to_ms, amount, currency, rate, recorded_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const kind: EntryKind = meter.kind === 'vps' ? 'vps' : meter.state === 'running' ? 'gpu-running' : 'gpu-stopped';
    const parts = splitAtDays(fromMs, toMs);
    for (const part of parts) insert.run(meter.kind, meter.sourceId, kind, part.fromMs, part.toMs, amountOf(meter, part), meter.currency, meter.rate, nowMs);
    return parts.length;
  }

  private openMeter(source: SourceNow, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO cost_meters (source_kind, source_id, label, agent_id, vast_instance_id, state, rate, currency, accrued_until_ms, opened_at_ms)
         VALUES (@kind, @id, @label, @agentId, @vastInstanceId, @state, @rate, @currency, @nowMs, @nowMs)`,
      )
      .run({ ...source, nowMs });
  }

  private reopenMeter(source: SourceNow, fromMs: number): void {
    this.db
      .prepare(
        `UPDATE cost_meters SET label = @label, agent_id = @agentId, vast_instance_id = @vastInstanceId, state = @state, rate = @rate,
           currency = @currency, accrued_until_ms = @fromMs, closed_at_ms = NULL WHERE source_kind = @kind AND source_id = @id`,
      )
      .run({ ...source, fromMs });
  }

  /** Every source to bill as it stands now: priced servers (their agents carry the cost) and GPU rentals. */
  private sourcesNow(): SourceNow[] {
    const servers = this.db
      .prepare('SELECT s.id, s.name, p.monthly_price, p.currency FROM server_prices p JOIN servers s ON s.id = p.server_id ORDER BY s.id')
      .all() as Array<{ id: string; name: string; monthly_price: number; currency: string }>;
    const vps: SourceNow[] = servers.map((s) => ({
      kind: 'vps',
      id: s.id,
      label: s.name,
      agentId: null,
      vastInstanceId: null,
      state: 'running',
      rate: s.monthly_price,
      currency: s.currency,
      endedAtMs: null,
    }));
    const gpu: SourceNow[] = this.options.gpu.list().map((r) => ({
      kind: 'gpu',
      id: r.rentalId,
      label: r.label,
      agentId: r.agentId,
      vastInstanceId: r.vastInstanceId ?? null,
      state: r.state,
      rate: r.state === 'running' ? r.dphTotalUsd : r.storageDphUsd,
      currency: VAST_CURRENCY,
      endedAtMs: r.endedAtMs ?? null,
    }));
    return [...vps, ...gpu];
  }

  meters(): Meter[] {
    return (this.db.prepare('SELECT * FROM cost_meters ORDER BY source_kind, label, source_id').all() as MeterRow[]).map(meterOf);
  }

  /**
   * Records what Vast's /charges say a finished rental cost: a point entry (from = to = now) with the difference
   * from the ledger's own figure, so the ledger's total for the rental becomes Vast's and the difference stays
   * visible. Once per rental, checked in the same transaction as the append; null when it was done already.
   */
  reconcileRental(rentalId: string, chargesUsd: number, detail: Record<string, unknown>, nowMs: number): { ledgerUsd: number; chargesUsd: number; differenceUsd: number } | null {
    return this.db
      .transaction(() => {
        const done = this.db.prepare("SELECT 1 FROM cost_entries WHERE source_kind = 'gpu' AND source_id = ? AND kind = 'gpu-reconcile'").get(rentalId);
        if (done) return null;
        const { ledgerUsd } = this.db
          .prepare("SELECT COALESCE(SUM(amount), 0) AS ledgerUsd FROM cost_entries WHERE source_kind = 'gpu' AND source_id = ? AND currency = ?")
          .get(rentalId, VAST_CURRENCY) as { ledgerUsd: number };
        const differenceUsd = chargesUsd - ledgerUsd;
        this.db
          .prepare(
            `INSERT INTO cost_entries (source_kind, source_id, kind, from_ms, to_ms, amount, currency, rate, detail_json, recorded_at_ms)
             VALUES ('gpu', ?, 'gpu-reconcile', ?, ?, ?, ?, NULL, ?, ?)`,
          )
          .run(rentalId, nowMs, nowMs, differenceUsd, VAST_CURRENCY, JSON.stringify({ ...detail, ledgerUsd, chargesUsd }), nowMs);
        return { ledgerUsd, chargesUsd, differenceUsd };
      })
      .immediate();
  }

  /**
   * Each source's amount over [fromMs, toMs), per currency. An entry partly inside is counted by the part of
   * its span inside (its amount accrued evenly over it); a point entry counts whole where it lies.
   */
  amountsBySource(span: Span): SourceAmount[] {
    return (
      this.db
        .prepare(
          `SELECT source_kind, source_id, currency,
             SUM(CASE WHEN to_ms = from_ms THEN amount
                      ELSE amount * (MIN(to_ms, @toMs) - MAX(from_ms, @fromMs)) * 1.0 / (to_ms - from_ms) END) AS amount
           FROM cost_entries
           WHERE from_ms < @toMs AND (to_ms > @fromMs OR (to_ms = from_ms AND from_ms >= @fromMs))
           GROUP BY source_kind, source_id, currency ORDER BY source_kind, source_id`,
        )
        .all(span) as Array<{ source_kind: SourceKind; source_id: string; currency: string; amount: number }>
    ).map((r) => ({ sourceKind: r.source_kind, sourceId: r.source_id, currency: r.currency, amount: r.amount }));
  }

  /** Per UTC day of `span` (a whole month or day) and kind, in each currency; entries lie inside one day. */
  amountsByDay(span: Span): Array<{ dayStartMs: number; sourceKind: SourceKind; currency: string; amount: number }> {
    return (
      this.db
        .prepare(
          `SELECT (from_ms / 86400000) * 86400000 AS day, source_kind, currency, SUM(amount) AS amount FROM cost_entries
           WHERE from_ms >= @fromMs AND from_ms < @toMs GROUP BY day, source_kind, currency ORDER BY day`,
        )
        .all(span) as Array<{ day: number; source_kind: SourceKind; currency: string; amount: number }>
    ).map((r) => ({ dayStartMs: r.day, sourceKind: r.source_kind, currency: r.currency, amount: r.amount }));
  }

  entriesOf(kind: SourceKind, sourceId: string): LedgerEntry[] {
    return (this.db.prepare('SELECT * FROM cost_entries WHERE source_kind = ? AND source_id = ? ORDER BY id').all(kind, sourceId) as EntryRow[]).map(entryOf);
  }

  /** The reconciliations made, newest first. */
  reconciliations(limit = 50): LedgerEntry[] {
    return (this.db.prepare("SELECT * FROM cost_entries WHERE kind = 'gpu-reconcile' ORDER BY id DESC LIMIT ?").all(limit) as EntryRow[]).map(entryOf);
  }
}

interface EntryRow {
  id: number;
  source_kind: SourceKind;
  source_id: string;
  kind: EntryKind;
  from_ms: number;
  to_ms: number;
  amount: number;
  currency: string;
  rate: number | null;
  detail_json: string | null;
}

const entryOf = (r: EntryRow): LedgerEntry => ({
  id: r.id,
  sourceKind: r.source_kind,
  sourceId: r.source_id,
  kind: r.kind,
  fromMs: r.from_ms,
  toMs: r.to_ms,
  amount: r.amount,
  currency: r.currency,
  rate: r.rate,
  detail: r.detail_json ? (JSON.parse(r.detail_json) as Record<string, unknown>) : null,
});
