// The desktop notification of a budget alert in the Electron app: a thin adapter from the core's
// `costs:budget-alert` event to Electron's Notification (the words are the contract's budgetAlertNotice). It takes
// the Notification class as a parameter so this file has no electron import and its wiring is tested without
// an Electron binary; index.ts passes the real one. A click brings the window forward on the Costs view.
import { budgetAlertEvent, budgetAlertNotice, type BudgetAlert } from '../core/contracts/costs.js';
import type { EventHub } from '../core/registry/event-hub.js';

/** The part of Electron's Notification this uses. */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}
export interface NotificationClass {
  new (options: { title: string; body: string; urgency?: 'normal' | 'critical' | 'low' }): NotificationLike;
  isSupported(): boolean;
}

/** Shows one notification per alert the core raises; returns the unsubscribe. */
export function notifyBudgetAlerts(events: EventHub, Notification: NotificationClass, onClick: (alert: BudgetAlert) => void): () => void {
  // Notifications kept referenced until clicked or replaced: one the garbage collector took loses its click.
  const shown = new Set<NotificationLike>();
  return events.subscribe((event) => {
    if (event.channel !== budgetAlertEvent.channel || !Notification.isSupported()) return;
    const alert = budgetAlertEvent.payload.parse(event.payload);
    const notice = new Notification({ ...budgetAlertNotice(alert), urgency: alert.threshold >= 100 ? 'critical' : 'normal' });
    shown.add(notice);
    if (shown.size > 10) shown.delete(shown.values().next().value!);
    notice.on('click', () => {
      shown.delete(notice);
      onClick(alert);
    });
    notice.show();
  });
}
