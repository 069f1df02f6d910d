// Who spent the money: for a period, each source's cost (a server's, through its agents; a GPU rental's,
// through its agent) is shared among the requests that ran on it by their busy seconds in the period (the
// request_attempts rows), then summed per request, client label, batch and agent. A source that ran nothing in
// the period keeps its cost as idle (unattributed) and is shown, never dropped, so the shares and the idle part
// add up to the ledger's total for the period.
import type { ConsoleDb } from '../store/console-store.js';
import { overlapMs, type Span } from './calendar.js';
import type { CostLedger, SourceKind } from './cost-ledger.js';
import type { Converter, Money } from './money.js';

export interface AgentCost {
  sourceKind: SourceKind;
  sourceId: string;
  /** The server's or the rental's name. */
  label: string;
  agents: Array<{ id: string; name: string }>;
  cost: Money;
  attributed: Money;
  /** Cost of a source that ran no request in the period. */
  idle: Money;
  busySeconds: number;
  requests: number;
}

export interface RequestCost {
  requestId: string;
  fileName: string;
  batchId: string;
  batchLabel: string;
  clientLabel: string | null;
  busySeconds: number;
  cost: Money;
}

export interface Attribution {
  from: string;
  to: string;
  total: Money;
  attributed: Money;
  idle: Money;
  byAgent: AgentCost[];
  byClient: Array<{ clientLabel: string | null; cost: Money; requests: number }>;
  byBatch: Array<{ batchId: string; label: string; clientLabel: string | null; cost: Money; requests: number }>;
  /** The costliest requests first, at most `requestLimit`; `requestCount` says how many had a share. */
  byRequest: RequestCost[];
  requestCount: number;
}

interface AttemptRow {
  request_id: string;
  agent_id: string;
  agent_name: string;
  started_at: string;
  ended_at: string | null;
  file_name: string;
  batch_id: string;
  batch_label: string;
  client_label: string | null;
}

export function attributeCosts(
  deps: { db: ConsoleDb; ledger: CostLedger; converter: Converter },
  period: Span,
  options: { nowMs: number; requestLimit?: number },
): Attribution {
  const { db, ledger, converter } = deps;
  const money = (amount: number): Money => converter.money(amount);

  // Each source's cost in the period, in the display currency.
  const costOf = new Map<string, number>();
  for (const a of ledger.amountsBySource(period)) {
    const key = `${a.sourceKind}:${a.sourceId}`;
    costOf.set(key, (costOf.get(key) ?? 0) + converter.toDisplay(a.amount, a.currency));
  }

  // Which agents carry each source's cost: a server's agents (agents.server_id), a rental's agent.
  const agentsOfServer = db.prepare('SELECT id, name FROM agents WHERE server_id = ? ORDER BY created_at');
  const meters = new Map(ledger.meters().map((m) => [`${m.kind}:${m.sourceId}`, m]));
  const agentName = db.prepare('SELECT name FROM agents WHERE id = ?');

  // Attempts running at some time in the period; one still running counts up to now (or the period's end).
  const attempts = db
    .prepare(
      `SELECT ra.request_id, ra.agent_id, ra.agent_name, ra.started_at, ra.ended_at, ar.file_name, ar.batch_id,
              b.label AS batch_label, COALESCE(ar.client_label, b.client_label) AS client_label
       FROM request_attempts ra
       JOIN analysis_requests ar ON ar.id = ra.request_id
       JOIN batches b ON b.id = ar.batch_id
       WHERE ra.started_at < @to AND (ra.ended_at IS NULL OR ra.ended_at > @from)
       ORDER BY ra.id`,
    )
    .all({ from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString() }) as AttemptRow[];
  const attemptsByAgent = new Map<string, AttemptRow[]>();
  for (const a of attempts) attemptsByAgent.set(a.agent_id, [...(attemptsByAgent.get(a.agent_id) ?? []), a]);

  const requests = new Map<string, RequestCost & { amount: number }>();
  const byAgent: AgentCost[] = [];
  let attributedTotal = 0;
  let idleTotal = 0;

  for (const [key, cost] of costOf) {
    const meter = meters.get(key);
    const [kind, sourceId] = [key.slice(0, key.indexOf(':')) as SourceKind, key.slice(key.indexOf(':') + 1)];
    const agents =
      kind === 'vps'
        ? (agentsOfServer.all(sourceId) as Array<{ id: string; name: string }>)
        : meter?.agentId
          ? [{ id: meter.agentId, name: (agentName.get(meter.agentId) as { name: string } | undefined)?.name ?? meter.agentId }]
          : [];

    // Busy seconds per request on this source's agents inside the period.
    const busyByRequest = new Map<string, { seconds: number; row: AttemptRow }>();
    for (const agent of agents) {
      for (const a of attemptsByAgent.get(agent.id) ?? []) {
        const span = { fromMs: Date.parse(a.started_at), toMs: a.ended_at ? Date.parse(a.ended_at) : Math.min(options.nowMs, period.toMs) };
        const seconds = overlapMs(span, period) / 1000;
        if (seconds <= 0) continue;
        const held = busyByRequest.get(a.request_id);
        busyByRequest.set(a.request_id, { seconds: (held?.seconds ?? 0) + seconds, row: a });
      }
    }
    const busySeconds = [...busyByRequest.values()].reduce((s, b) => s + b.seconds, 0);
    const attributed = busySeconds > 0 ? cost : 0;
    for (const [requestId, { seconds, row }] of busyByRequest) {
      const share = (cost * seconds) / busySeconds;
      const held = requests.get(requestId);
      if (held) {
        held.amount += share;
        held.busySeconds += seconds;
      } else {
        requests.set(requestId, {
          requestId,
          fileName: row.file_name,
          batchId: row.batch_id,
          batchLabel: row.batch_label,
          clientLabel: row.client_label,
          busySeconds: seconds,
          amount: share,
          cost: money(0),
        });
      }
    }
    attributedTotal += attributed;
    idleTotal += cost - attributed;
    byAgent.push({
      sourceKind: kind,
      sourceId,
      label: meter?.label ?? sourceId,
      agents,
      cost: money(cost),
      attributed: money(attributed),
      idle: money(cost - attributed),
      busySeconds,
      requests: busyByRequest.size,
    });
  }

  const requestList = [...requests.values()].map(({ amount, ...r }) => ({ ...r, cost: money(amount), amount }));
  const group = <K>(keyOf: (r: (typeof requestList)[number]) => K) => {
    const groups = new Map<K, { amount: number; requests: number; first: (typeof requestList)[number] }>();
    for (const r of requestList) {
      const k = keyOf(r);
      const held = groups.get(k);
      if (held) {
        held.amount += r.amount;
        held.requests += 1;
      } else groups.set(k, { amount: r.amount, requests: 1, first: r });
    }
    return [...groups.values()].sort((a, b) => b.amount - a.amount);
  };

  return {
    from: new Date(period.fromMs).toISOString(),
    to: new Date(period.toMs).toISOString(),
    total: money(attributedTotal + idleTotal),
    attributed: money(attributedTotal),
    idle: money(idleTotal),
    byAgent: byAgent.sort((a, b) => b.cost.amount - a.cost.amount),
    byClient: group((r) => r.clientLabel).map((g) => ({ clientLabel: g.first.clientLabel, cost: money(g.amount), requests: g.requests })),
    byBatch: group((r) => r.batchId).map((g) => ({ batchId: g.first.batchId, label: g.first.batchLabel, clientLabel: g.first.clientLabel, cost: money(g.amount), requests: g.requests })),
    byRequest: requestList
      .sort((a, b) => b.amount - a.amount)
      .slice(0, options.requestLimit ?? 200)
      .map(({ amount: _amount, ...r }) => r),
    requestCount: requestList.length,
  };
}
