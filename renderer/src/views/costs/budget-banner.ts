// Which budget alert the app-wide banner shows, as plain functions: the newest alert of the current period whose
// threshold the spend is still at or above (raising the budget drops the percentage below it and the banner
// goes; a new month or day has no alerts of its own yet), not dismissed here. Dismissals are kept per browser
// (localStorage): acknowledging is about this screen, not the record, which the Costs view keeps whole.
import { moneyText, type BudgetAlert, type CostsSummary } from '../../../../electron/core/contracts/costs.js';

/** Alerts still in force now: this period's, with the spend still at or above their threshold. */
export function openBudgetAlerts(summary: CostsSummary): BudgetAlert[] {
  if (!summary.current) return [];
  // The core's today (the last day of a current month's summary), not the browser's clock.
  const today = summary.days.at(-1)?.day ?? null;
  const { budget } = summary;
  return summary.alerts.filter((a) =>
    a.period === 'month'
      ? a.periodKey === summary.month && budget.monthly !== null && budget.monthPercent !== null && budget.monthPercent >= a.threshold
      : a.periodKey === today && budget.daily !== null && budget.dayPercent !== null && budget.dayPercent >= a.threshold,
  );
}

/** The one alert the banner shows: the newest open one that was not dismissed, else null. */
export function bannerAlert(summary: CostsSummary, dismissed: ReadonlySet<number>): BudgetAlert | null {
  const open = openBudgetAlerts(summary).filter((a) => !dismissed.has(a.id));
  return open.reduce<BudgetAlert | null>((newest, a) => (newest === null || a.id > newest.id ? a : newest), null);
}

/** "Budget 80 % reached: 412.30 EUR of 500.00 EUR this month", with the spend and budget as they are now. */
export function bannerText(alert: BudgetAlert, summary: CostsSummary): string {
  const month = alert.period === 'month';
  const spent = month ? summary.monthToDate.total : summary.today;
  const budget = (month ? summary.budget.monthly : summary.budget.daily) ?? alert.budget;
  return `${month ? 'Budget' : 'Daily budget'} ${alert.threshold} % reached: ${moneyText(spent)} of ${moneyText(budget)} ${month ? 'this month' : 'today'}`;
}

const storageKey = 'mediafleet-dismissed-budget-alerts';

export function readDismissed(storage: Storage | undefined): Set<number> {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(storageKey) ?? '[]');
    return new Set(Array.isArray(raw) ? raw.filter((x): x is number => Number.isInteger(x)) : []);
  } catch {
    return new Set();
  }
}

/** Adds ids to the dismissed ones; the newest 100 are kept (ids only grow, and old periods never show again). */
export function writeDismissed(storage: Storage | undefined, ids: Iterable<number>): Set<number> {
  const all = [...new Set([...readDismissed(storage), ...ids])].sort((a, b) => a - b).slice(-100);
  try {
    storage?.setItem(storageKey, JSON.stringify(all));
  } catch {
    // Storage full or turned off: dismissed for this page only.
  }
  return new Set(all);
}
