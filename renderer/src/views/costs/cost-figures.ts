// Figures of the Costs view as plain functions: money with its currency always written out, percentages, the
// budget gauge's geometry and the daily chart's scale. Kept out of the components so they are tested directly.
import type { Money } from '../../../../electron/core/contracts/costs.js';

/** "EUR 12.50": the code, never a bare number or an ambiguous symbol ($ is not only USD). */
export function formatMoney(m: Money, { precise = false }: { precise?: boolean } = {}): string {
  const digits = precise ? 4 : 2;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: m.currency, currencyDisplay: 'code', minimumFractionDigits: 2, maximumFractionDigits: digits }).format(m.amount);
  } catch {
    // A code Intl does not know still reads as amount and code.
    return `${m.currency} ${m.amount.toFixed(2)}`;
  }
}

export function formatPercent(p: number | null): string {
  return p === null ? '–' : `${Math.round(p)} %`;
}

/** Busy time as a person reads it: "45 s", "12 min", "3.5 h". */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The rate as it is billed: "EUR 12.00 / month", "USD 0.4500 / h". */
export function formatRate(rate: { amount: number; currency: string; per: 'month' | 'hour' }): string {
  return `${formatMoney({ amount: rate.amount, currency: rate.currency }, { precise: rate.per === 'hour' })} / ${rate.per === 'hour' ? 'h' : 'month'}`;
}

/**
 * The gauge is a half circle from 0 to a scale that holds the budget and the forecast: 0..1 positions for the
 * spend, the forecast and the budget mark, and the tone (over 80 %: warn; at 100 %: bad).
 */
export function gaugeFigures(spent: number, forecast: number | null, budget: number | null): { spent: number; forecast: number | null; budgetMark: number | null; tone: 'ok' | 'warn' | 'bad' } {
  const scale = Math.max(budget ?? 0, forecast ?? 0, spent, 1e-9) * (budget === null ? 1 : 1.1);
  const at = (x: number) => Math.min(1, Math.max(0, x / scale));
  const percent = budget ? (spent / budget) * 100 : 0;
  return { spent: at(spent), forecast: forecast === null ? null : at(forecast), budgetMark: budget === null ? null : at(budget), tone: percent >= 100 ? 'bad' : percent >= 80 ? 'warn' : 'ok' };
}

/** A point on the gauge's half circle (0 = left end, 1 = right end), centre (cx, cy), radius r. */
export function gaugePoint(fraction: number, cx: number, cy: number, r: number): { x: number; y: number } {
  const angle = Math.PI * (1 - fraction);
  return { x: cx + r * Math.cos(angle), y: cy - r * Math.sin(angle) };
}

/** The SVG arc from 0 to `fraction` of the half circle. */
export function gaugeArc(fraction: number, cx: number, cy: number, r: number): string {
  const start = gaugePoint(0, cx, cy, r);
  const end = gaugePoint(Math.max(0.0001, fraction), cx, cy, r);
  return `M ${start.x.toFixed(2)} ${start.y.toFixed(2)} A ${r} ${r} 0 0 1 ${end.x.toFixed(2)} ${end.y.toFixed(2)}`;
}

/** A round axis maximum at or above the tallest day (1, 2, 5 × a power of ten). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
