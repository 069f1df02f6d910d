// The app's budget notification: an alert the core publishes on its real event hub becomes one desktop
// notification with the core's words (critical at 100 %), other events none, and a click opens Costs. The
// Notification class is a recording one, as Electron's binary is not on this machine; index.ts passes Electron's.
import { describe, expect, it } from 'vitest';
import { budgetAlertEvent, type BudgetAlert } from '../core/contracts/costs.js';
import { localAgentEvent } from '../core/contracts/agents.js';
import { EventHub } from '../core/registry/event-hub.js';
import { notifyBudgetAlerts, type NotificationLike } from './budget-notifications.js';

const alert = (threshold: 50 | 80 | 100): BudgetAlert => ({
  id: threshold,
  period: 'month',
  periodKey: '2026-12',
  threshold,
  spent: { amount: (threshold / 100) * 500 + 0.3, currency: 'EUR' },
  budget: { amount: 500, currency: 'EUR' },
  raisedAt: '2026-12-07T01:00:00.000Z',
  webhook: 'none',
  webhookError: null,
});

function recordingNotifications(supported = true) {
  const made: Array<{ options: { title: string; body: string; urgency?: string }; shown: boolean; click?: () => void }> = [];
  class Recording implements NotificationLike {
    private readonly entry: (typeof made)[number];
    constructor(options: { title: string; body: string; urgency?: 'normal' | 'critical' | 'low' }) {
      this.entry = { options, shown: false };
      made.push(this.entry);
    }
    static isSupported = () => supported;
    on(_event: 'click', listener: () => void) {
      this.entry.click = listener;
      return this;
    }
    show() {
      this.entry.shown = true;
    }
  }
  return { Recording, made };
}

describe('budget alert notifications in the app', () => {
  it('shows one notification per alert with the amounts and currency, critical at 100 %, and a click opens Costs', () => {
    const events = new EventHub({ onInvalid: 'throw' });
    const { Recording, made } = recordingNotifications();
    const clicked: number[] = [];
    const stop = notifyBudgetAlerts(events, Recording, (a) => clicked.push(a.threshold));
    events.publish(localAgentEvent, { state: 'running', url: 'http://127.0.0.1:1', message: null });
    expect(made).toEqual([]);
    events.publish(budgetAlertEvent, alert(80));
    events.publish(budgetAlertEvent, alert(100));
    expect(made.map((m) => [m.options.title, m.options.urgency, m.shown])).toEqual([
      ['Monthly budget 80 % reached', 'normal', true],
      ['Monthly budget 100 % reached', 'critical', true],
    ]);
    expect(made[0]!.options.body).toBe('400.30 EUR of 500.00 EUR spent this month (2026-12).');
    expect(made[1]!.options.body).toMatch(/^500\.30 EUR of 500\.00 EUR spent this month \(2026-12\)\. No new GPU rental/);
    made[1]!.click!();
    expect(clicked).toEqual([100]);
    stop();
    events.publish(budgetAlertEvent, alert(50));
    expect(made).toHaveLength(2);
  });

  it('shows nothing where the system has no notifications', () => {
    const events = new EventHub({ onInvalid: 'throw' });
    const { Recording, made } = recordingNotifications(false);
    notifyBudgetAlerts(events, Recording, () => undefined);
    events.publish(budgetAlertEvent, alert(50));
    expect(made).toEqual([]);
  });
});
