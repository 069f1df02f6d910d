// Costs: this month's spend across servers and GPU rentals against the budget (a gauge with the month-end
// forecast), a stacked bar per day, the budget alerts, what each server and rental is billed at, the
// reconciliations with Vast.ai's bill, who spent it (by client, batch and agent), and the settings. Support
// staff in read-only mode see all of it; the settings form is shown with its controls turned off.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { budgetAlertEvent, costsAttribution, costsSettingsGet, costsSummary, type BudgetAlert, type CostAttribution, type CostsSummary } from '../../../../electron/core/contracts/costs.js';
import { useConsole } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { BrowserNotificationOffer } from './BudgetAlertBanner.js';
import { BudgetGauge, DailySpendChart } from './CostCharts.js';
import { CostSettingsForm } from './CostSettingsForm.js';
import { attributionCsv, downloadCsv, sourcesCsv, type AttributionCut } from './cost-csv.js';
import { formatMoney, formatPercent, formatRate, formatSeconds } from './cost-figures.js';
import './costs.css';

const currentMonth = () => new Date().toISOString().slice(0, 7);

function alertText(a: BudgetAlert): string {
  const which = a.period === 'month' ? `monthly budget (${a.periodKey})` : `daily budget (${a.periodKey})`;
  return `${a.threshold} % of the ${which}: ${formatMoney(a.spent)} of ${formatMoney(a.budget)}`;
}

function BudgetCard({ summary }: { summary: CostsSummary }) {
  const { budget, forecast, monthToDate } = summary;
  return (
    <section className="card cost-budget" aria-label="Budget">
      <div className="card-head">
        <h3>Budget</h3>
        {budget.allowsRental ? <Badge tone="ok">GPU rentals allowed</Badge> : <Badge tone="bad">GPU rentals stopped</Badge>}
      </div>
      <BudgetGauge summary={summary} />
      <dl className="facts">
        <dt>Spent this month</dt>
        <dd data-testid="spent-month">{formatMoney(monthToDate.total)}</dd>
        <dt>Servers</dt>
        <dd>{formatMoney(monthToDate.vps)}</dd>
        <dt>GPU rentals</dt>
        <dd>{formatMoney(monthToDate.gpu)}</dd>
        <dt>Today</dt>
        <dd>
          {formatMoney(summary.today)}
          {budget.daily && ` of ${formatMoney(budget.daily)} (${formatPercent(budget.dayPercent)})`}
        </dd>
        <dt>Monthly budget</dt>
        <dd>{budget.monthly ? `${formatMoney(budget.monthly)} (${formatPercent(budget.monthPercent)} spent)` : 'none set'}</dd>
        {forecast && (
          <>
            <dt>Forecast, month end</dt>
            <dd data-testid="forecast">
              {formatMoney(forecast.total)}
              <span className="muted">
                {' '}
                (servers {formatMoney(forecast.fixed)}, GPU so far {formatMoney(forecast.gpuSoFar)} + {formatMoney(forecast.gpuBurnPerHour)}/h for the rest {formatMoney(forecast.gpuRest)})
              </span>
            </dd>
          </>
        )}
      </dl>
      {!budget.allowsRental && budget.refusal && <p className="notice-warn">{budget.refusal} Work goes on on the servers.</p>}
      {summary.accruedUntil && <p className="muted">Counted up to {new Date(summary.accruedUntil).toLocaleString()}.</p>}
    </section>
  );
}

function AlertsCard({ alerts }: { alerts: readonly BudgetAlert[] }) {
  return (
    <section className="card" aria-label="Budget alerts">
      <h3>Alerts</h3>
      <BrowserNotificationOffer />
      {alerts.length === 0 ? (
        <p className="muted">No budget alert this month. Alerts come at 50, 80 and 100 % of a budget, once each.</p>
      ) : (
        <ul className="plain cost-alerts">
          {alerts.map((a) => (
            <li key={a.id} className={`cost-alert threshold-${a.threshold}`}>
              <Badge tone={a.threshold >= 100 ? 'bad' : a.threshold >= 80 ? 'warn' : 'info'}>{a.threshold} %</Badge> {alertText(a)}
              <span className="muted"> · {new Date(a.raisedAt).toLocaleString()}</span>
              {a.webhook === 'sent' && <span className="muted"> · webhook sent</span>}
              {a.webhook === 'failed' && <span className="field-error"> · webhook failed: {a.webhookError}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SourcesTable({ summary }: { summary: CostsSummary }) {
  if (summary.sources.length === 0) {
    return (
      <EmptyState title="Nothing is metered yet">
        <p>Enter each server&apos;s monthly price in the settings below; GPU rentals are metered from their rates once rented.</p>
      </EmptyState>
    );
  }
  return (
    <table className="table" aria-label="servers and GPU rentals">
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th>State</th>
          <th>Rate</th>
          <th>Metered since</th>
          <th>Spent this month</th>
        </tr>
      </thead>
      <tbody>
        {summary.sources.map((s) => (
          <tr key={`${s.sourceKind}:${s.sourceId}`}>
            <td>{s.label}</td>
            <td>{s.sourceKind === 'vps' ? 'server' : 'GPU rental'}</td>
            <td>{s.state}</td>
            <td>{formatRate(s.rate)}</td>
            <td>{new Date(s.since).toLocaleString()}</td>
            <td>{formatMoney(s.spent)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Reconciliations({ items }: { items: CostsSummary['reconciliations'] }) {
  if (items.length === 0) return null;
  return (
    <section className="card" aria-label="Reconciled with Vast.ai">
      <h3>Reconciled with Vast.ai&apos;s bill</h3>
      <p className="muted">Vast&apos;s own charges replace the console&apos;s estimate for a finished rental; the difference is added to the ledger.</p>
      <table className="table">
        <thead>
          <tr>
            <th>Rental</th>
            <th>Estimated</th>
            <th>Billed by Vast</th>
            <th>Difference</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.sourceId}>
              <td>{r.label}</td>
              <td>{formatMoney(r.ledger, { precise: true })}</td>
              <td>{formatMoney(r.charges, { precise: true })}</td>
              <td>{formatMoney(r.difference, { precise: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function AttributionTables({ attribution }: { attribution: CostAttribution }) {
  const clientName = (c: string | null) => c ?? '(no client label)';
  const csv = (cut: AttributionCut) => (
    <button type="button" className="ghost small" onClick={() => downloadCsv(attributionCsv(attribution, cut))}>
      CSV by {cut}
    </button>
  );
  return (
    <section className="card" aria-label="Who spent it">
      <div className="card-head">
        <h3>Who spent it</h3>
        <span className="muted">
          {formatMoney(attribution.attributed)} shared among requests by busy time · {formatMoney(attribution.idle)} idle
        </span>
        <span className="view-actions">
          {csv('client')}
          {csv('batch')}
          {csv('agent')}
        </span>
      </div>
      <div className="cost-attribution">
        <table className="table" aria-label="by client">
          <thead>
            <tr>
              <th>Client</th>
              <th>Requests</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {attribution.byClient.map((c) => (
              <tr key={c.clientLabel ?? ''}>
                <td>{clientName(c.clientLabel)}</td>
                <td>{c.requests}</td>
                <td>{formatMoney(c.cost)}</td>
              </tr>
            ))}
            {attribution.idle.amount > 0 && (
              <tr className="idle-row">
                <td>idle (agents that ran nothing)</td>
                <td>–</td>
                <td>{formatMoney(attribution.idle)}</td>
              </tr>
            )}
          </tbody>
        </table>
        <table className="table" aria-label="by batch">
          <thead>
            <tr>
              <th>Batch</th>
              <th>Client</th>
              <th>Requests</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {attribution.byBatch.map((b) => (
              <tr key={b.batchId}>
                <td>{b.label}</td>
                <td>{clientName(b.clientLabel)}</td>
                <td>{b.requests}</td>
                <td>{formatMoney(b.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="table" aria-label="by agent">
          <thead>
            <tr>
              <th>Server / rental</th>
              <th>Agent</th>
              <th>Busy</th>
              <th>Cost</th>
              <th>Idle</th>
            </tr>
          </thead>
          <tbody>
            {attribution.byAgent.map((a) => (
              <tr key={`${a.sourceKind}:${a.sourceId}`}>
                <td>{a.label}</td>
                <td>{a.agents.map((x) => x.name).join(', ') || <span className="muted">no agent</span>}</td>
                <td>{formatSeconds(a.busySeconds)}</td>
                <td>{formatMoney(a.cost)}</td>
                <td>{a.idle.amount > 0 ? formatMoney(a.idle) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function CostsView() {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [month, setMonth] = useState(currentMonth);
  // The ledger ticks every 10 s in the core; reading it every 30 s shows spend moving without reading it constantly.
  const summary = useQuery({ queryKey: ['costs', 'summary', month], queryFn: () => client.invoke(costsSummary, { month }), refetchInterval: 30_000 });
  const attribution = useQuery({ queryKey: ['costs', 'attribution', month], queryFn: () => client.invoke(costsAttribution, { month }), refetchInterval: 60_000 });
  const settings = useQuery({ queryKey: ['costs', 'settings'], queryFn: () => client.invoke(costsSettingsGet, {}) });
  // An alert raised now shows at once, with the spend that raised it.
  useEffect(() => client.on(budgetAlertEvent, () => void queryClient.invalidateQueries({ queryKey: ['costs', 'summary'] })), [client, queryClient]);

  return (
    <div className="view">
      <ViewHeader
        title="Costs"
        subtitle="One ledger for servers and GPU rentals, against your budget."
        actions={
          <label className="field inline">
            <span>Month</span>
            <input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
          </label>
        }
      />
      {summary.error && <ErrorNotice error={asErrorInfo(summary.error)} onRetry={() => void summary.refetch()} />}
      {summary.data && (
        <>
          <div className="cost-top">
            <BudgetCard summary={summary.data} />
            <AlertsCard alerts={summary.data.alerts} />
          </div>
          <section className="card" aria-label="Spend per day">
            <DailySpendChart days={summary.data.days} />
          </section>
          <section className="card" aria-label="What is metered">
            <div className="card-head">
              <h3>Servers and GPU rentals</h3>
              {summary.data.sources.length > 0 && (
                <button type="button" className="ghost small" onClick={() => summary.data && downloadCsv(sourcesCsv(summary.data))}>
                  Download CSV
                </button>
              )}
            </div>
            <SourcesTable summary={summary.data} />
          </section>
          <Reconciliations items={summary.data.reconciliations} />
        </>
      )}
      {attribution.error && <ErrorNotice error={asErrorInfo(attribution.error)} onRetry={() => void attribution.refetch()} />}
      {attribution.data && <AttributionTables attribution={attribution.data} />}
      {settings.error && <ErrorNotice error={asErrorInfo(settings.error)} onRetry={() => void settings.refetch()} />}
      {settings.data && <CostSettingsForm settings={settings.data} />}
    </div>
  );
}
