// Where the scaler keeps what it needs: the operator's policy (one console setting, JSON, with when it was saved)
// and its decisions (`autoscale_decisions`, append-only, migration 10).
import type { AutoscaleDecision, AutoscaleFigures, AutoscalePolicy, AutoscalePolicyView } from '../contracts/autoscale.js';
import type { ConsoleSettings } from '../store/console-settings.js';
import type { ConsoleDb } from '../store/console-store.js';

export const autoscalePolicyKey = 'autoscale.policy';

/** Off until an operator turns it on; the rest are the values the form starts from. */
export const defaultAutoscalePolicy: AutoscalePolicy = { enabled: false, maxInstances: 1, filters: {}, backlogMinutes: 10, idleMinutes: 10, diskGb: 32 };

interface DecisionRow {
  id: number;
  at: string;
  action: AutoscaleDecision['action'];
  reason_code: string;
  message: string;
  figures_json: string;
  rental_id: string | null;
  operation_id: string | null;
}

const decisionOf = (r: DecisionRow): AutoscaleDecision => ({
  id: r.id,
  at: r.at,
  action: r.action,
  reasonCode: r.reason_code,
  message: r.message,
  figures: JSON.parse(r.figures_json) as AutoscaleFigures,
  rentalId: r.rental_id,
  operationId: r.operation_id,
});

export class AutoscaleRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly settings: ConsoleSettings,
    private readonly now: () => Date,
  ) {}

  policy(): AutoscalePolicyView {
    const raw = this.settings.get(autoscalePolicyKey);
    if (!raw) return { ...defaultAutoscalePolicy, updatedAt: null };
    // Saved by this code after validation; fields added later fall back to their defaults.
    const saved = JSON.parse(raw) as Partial<AutoscalePolicyView>;
    return { ...defaultAutoscalePolicy, ...saved, updatedAt: saved.updatedAt ?? null };
  }

  savePolicy(policy: AutoscalePolicy): AutoscalePolicyView {
    const view: AutoscalePolicyView = { ...policy, updatedAt: this.now().toISOString() };
    this.settings.set(autoscalePolicyKey, JSON.stringify(view));
    return view;
  }

  record(d: { action: AutoscaleDecision['action']; reasonCode: string; message: string; figures: AutoscaleFigures; rentalId?: string | null; operationId?: string | null }): AutoscaleDecision {
    const result = this.db
      .prepare('INSERT INTO autoscale_decisions (at, action, reason_code, message, figures_json, rental_id, operation_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.now().toISOString(), d.action, d.reasonCode, d.message, JSON.stringify(d.figures), d.rentalId ?? null, d.operationId ?? null);
    return decisionOf(this.db.prepare('SELECT * FROM autoscale_decisions WHERE id = ?').get(result.lastInsertRowid) as DecisionRow);
  }

  /** Latest first. */
  decisions(limit: number): AutoscaleDecision[] {
    return (this.db.prepare('SELECT * FROM autoscale_decisions ORDER BY id DESC LIMIT ?').all(limit) as DecisionRow[]).map(decisionOf);
  }

  /** Unfinished requests of running batches by media kind: the work the backlog is made of. */
  unfinishedByKind(): Record<string, number> {
    const rows = this.db
      .prepare(
        `SELECT r.media_kind AS kind, COUNT(*) AS n FROM analysis_requests r JOIN batches b ON b.id = r.batch_id
         WHERE r.state IN ('pending', 'uploading', 'queued', 'running') AND b.state = 'running' GROUP BY r.media_kind`,
      )
      .all() as Array<{ kind: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }
}
