// The Costs view's two pictures, plain SVG like the benchmark charts: the budget gauge (spent this month and
// the month-end forecast against the budget) and the per-day stacked bars of servers and GPUs.
import type { CostsSummary } from '../../../../electron/core/contracts/costs.js';
import { formatMoney, formatPercent, gaugeArc, gaugeFigures, gaugePoint, niceCeiling } from './cost-figures.js';

/** Enough decimals that the axis' half and top read apart (a budget of cents has an axis of cents). */
const axisDigits = (max: number) => (max < 1 ? 2 : max < 10 ? 1 : 0);

export const kindColours = { vps: '#56B4E9', gpu: '#E69F00' } as const;

export function BudgetGauge({ summary }: { summary: CostsSummary }) {
  const spent = summary.monthToDate.total;
  const budget = summary.budget.monthly;
  const forecast = summary.forecast?.total ?? null;
  const g = gaugeFigures(spent.amount, forecast?.amount ?? null, budget?.amount ?? null);
  const [cx, cy, r] = [110, 104, 86];
  const mark = g.budgetMark === null ? null : { inner: gaugePoint(g.budgetMark, cx, cy, r - 14), outer: gaugePoint(g.budgetMark, cx, cy, r + 14) };
  const label = budget
    ? `${formatMoney(spent)} of ${formatMoney(budget)} spent this month (${formatPercent(summary.budget.monthPercent)})${forecast ? `, forecast ${formatMoney(forecast)}` : ''}`
    : `${formatMoney(spent)} spent this month, no budget set`;
  return (
    <figure className="cost-gauge" data-tone={g.tone}>
      <svg width={220} height={120} role="img" aria-label={label} data-testid="budget-gauge">
        <path d={gaugeArc(1, cx, cy, r)} className="gauge-track" />
        {g.forecast !== null && <path d={gaugeArc(g.forecast, cx, cy, r)} className="gauge-forecast" data-testid="gauge-forecast" />}
        <path d={gaugeArc(g.spent, cx, cy, r)} className={`gauge-spent tone-${g.tone}`} data-testid="gauge-spent" />
        {mark && <line x1={mark.inner.x} y1={mark.inner.y} x2={mark.outer.x} y2={mark.outer.y} className="gauge-budget" data-testid="gauge-budget-mark" />}
        <text x={cx} y={cy - 18} textAnchor="middle" className="gauge-value">
          {budget ? formatPercent(summary.budget.monthPercent) : formatMoney(spent)}
        </text>
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export function DailySpendChart({ days }: { days: CostsSummary['days'] }) {
  const currency = days[0]?.vps.currency ?? '';
  const max = niceCeiling(Math.max(0, ...days.map((d) => d.vps.amount + d.gpu.amount)));
  const [left, top, plotH, barW] = [56, 10, 150, 14];
  const width = left + days.length * (barW + 4) + 8;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  return (
    <figure className="cost-chart">
      <figcaption>
        Spend per day ({currency}) <span className="swatch" style={{ background: kindColours.vps }} aria-hidden="true" />
        servers <span className="swatch" style={{ background: kindColours.gpu }} aria-hidden="true" />
        GPU rentals
      </figcaption>
      <svg width={width} height={top + plotH + 28} role="img" aria-label={`spend per day in ${currency}, servers and GPU rentals`} data-testid="daily-chart">
        {[0, 0.5, 1].map((fr) => (
          <g key={fr}>
            <line x1={left - 4} x2={width} y1={y(max * fr)} y2={y(max * fr)} className="grid-line" />
            <text x={left - 8} y={y(max * fr) + 4} textAnchor="end" className="axis-label">
              {(max * fr).toFixed(fr === 0 ? 0 : axisDigits(max))}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x = left + i * (barW + 4);
          const vpsTop = y(d.vps.amount);
          const gpuTop = y(d.vps.amount + d.gpu.amount);
          return (
            <g key={d.day} data-day={d.day}>
              <title>{`${d.day}: servers ${formatMoney(d.vps)}, GPU ${formatMoney(d.gpu)}`}</title>
              <rect x={x} y={vpsTop} width={barW} height={top + plotH - vpsTop} fill={kindColours.vps} data-kind="vps" />
              <rect x={x} y={gpuTop} width={barW} height={vpsTop - gpuTop} fill={kindColours.gpu} data-kind="gpu" />
              {(i === 0 || (i + 1) % 5 === 0) && (
                <text x={x + barW / 2} y={top + plotH + 16} textAnchor="middle" className="axis-label">
                  {Number(d.day.slice(8))}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
