// The app-wide budget banner, drawn by the shell above every view: the newest budget alert of this period that is
// still in force (see budget-banner.ts), with the spend as it is now and a link to Costs. It reads the same
// costs summary the Costs view does (one cached query) and rereads it when the core raises an alert. In the
// browser-served console it also shows the alert as a browser notification where the person allowed them;
// the desktop app's notification comes from Electron main instead (electron/main/budget-notifications.ts).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { budgetAlertEvent, budgetAlertNotice, costsSummary } from '../../../../electron/core/contracts/costs.js';
import { useConsole } from '../../api/console-context.js';
import { routeHash } from '../../state/route.js';
import { bannerAlert, bannerText, openBudgetAlerts, readDismissed, writeDismissed } from './budget-banner.js';
import './costs.css';

const currentMonth = () => new Date().toISOString().slice(0, 7);
const storage = () => (typeof window !== 'undefined' ? window.localStorage : undefined);

/** Whether this page may show browser notifications (never in the desktop app, whose main process shows them). */
export function browserNotifications(transportKind: string): 'unsupported' | NotificationPermission {
  if (transportKind === 'ipc' || typeof window === 'undefined' || !('Notification' in window)) return 'unsupported';
  return window.Notification.permission;
}

export function BudgetAlertBanner({ onCostsView }: { onCostsView: boolean }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const month = currentMonth();
  // Every view shows it, so it reads gently: once a minute, and at once when an alert is raised.
  const summary = useQuery({ queryKey: ['costs', 'summary', month], queryFn: () => client.invoke(costsSummary, { month }), refetchInterval: 60_000 });
  const [dismissed, setDismissed] = useState(() => readDismissed(storage()));

  useEffect(
    () =>
      client.on(budgetAlertEvent, (alert) => {
        void queryClient.invalidateQueries({ queryKey: ['costs', 'summary'] });
        if (browserNotifications(client.transport.kind) !== 'granted') return;
        try {
          // The tag keeps one notification per alert when several tabs of the console are open.
          new window.Notification(budgetAlertNotice(alert).title, { body: budgetAlertNotice(alert).body, tag: `mediafleet-budget-${alert.id}` });
        } catch {
          // Some browsers only allow notifications from a service worker; the banner still says it.
        }
      }),
    [client, queryClient],
  );

  // No banner while the summary cannot be read (the Costs view says why); a failed read is not an alert.
  const data = summary.data;
  if (!data) return null;
  const alert = bannerAlert(data, dismissed);
  if (!alert) return null;
  const stopped = !data.budget.allowsRental;
  return (
    <div className={`budget-banner threshold-${alert.threshold}`} role="alert" data-testid="budget-banner">
      <strong>{bannerText(alert, data)}</strong>
      {stopped && <span> · GPU rentals are stopped until the budget is raised; work goes on on the servers.</span>}
      <span className="budget-banner-actions">
        {!onCostsView && <a href={routeHash({ view: 'costs' })}>Open Costs</a>}
        <button
          type="button"
          className="ghost small"
          onClick={() => setDismissed(writeDismissed(storage(), openBudgetAlerts(data).map((a) => a.id)))}
        >
          Dismiss
        </button>
      </span>
    </div>
  );
}

/** In the browser: offers to turn on notifications for budget alerts (a browser asks only after a click). */
export function BrowserNotificationOffer() {
  const client = useConsole();
  const [permission, setPermission] = useState(() => browserNotifications(client.transport.kind));
  if (permission === 'unsupported' || permission === 'granted') return null;
  if (permission === 'denied') return <p className="muted">This browser blocks notifications from the console; the banner still shows new alerts.</p>;
  return (
    <p className="muted">
      <button type="button" className="ghost small" onClick={() => void window.Notification.requestPermission().then(setPermission, () => undefined)}>
        Notify me on this computer
      </button>{' '}
      when an alert is raised while this page is open.
    </p>
  );
}
