// The operator's money settings: the display currency and conversion rates, the budgets, the alert webhook,
// and each server's monthly price. The webhook URL may carry a token (Slack, Discord and most others put it in
// the path), so it lives in the vault; the store keeps only its origin, which support staff may see.
import type { ConsoleDb } from '../store/console-store.js';
import type { SecretVault } from '../secrets/secret-vault.js';
import { secretNames } from '../secrets/secret-vault.js';
import type { CurrencySettings } from './money.js';

export interface BudgetSettings {
  /** In the display currency; null: no monthly budget. */
  monthlyBudget: number | null;
  dailyBudget: number | null;
}

export interface StoredCostSettings extends CurrencySettings, BudgetSettings {
  webhookOrigin: string | null;
  updatedAt: string | null;
}

export interface ServerPrice {
  serverId: string;
  monthlyPrice: number;
  currency: string;
  updatedAt: string;
}

const defaults: StoredCostSettings = { displayCurrency: 'USD', rates: {}, monthlyBudget: null, dailyBudget: null, webhookOrigin: null, updatedAt: null };

export class CostSettingsRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly vault: SecretVault,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(): StoredCostSettings {
    const row = this.db.prepare('SELECT * FROM cost_settings WHERE id = 1').get() as
      | { display_currency: string; rates_json: string; monthly_budget: number | null; daily_budget: number | null; webhook_origin: string | null; updated_at: string }
      | undefined;
    if (!row) return { ...defaults, rates: {} };
    return {
      displayCurrency: row.display_currency,
      rates: JSON.parse(row.rates_json) as Record<string, number>,
      monthlyBudget: row.monthly_budget,
      dailyBudget: row.daily_budget,
      webhookOrigin: row.webhook_origin,
      updatedAt: row.updated_at,
    };
  }

  save(settings: CurrencySettings & BudgetSettings & { webhookOrigin: string | null }): void {
    this.db
      .prepare(
        `INSERT INTO cost_settings (id, display_currency, rates_json, monthly_budget, daily_budget, webhook_origin, updated_at)
         VALUES (1, @displayCurrency, @rates, @monthlyBudget, @dailyBudget, @webhookOrigin, @updatedAt)
         ON CONFLICT (id) DO UPDATE SET display_currency = excluded.display_currency, rates_json = excluded.rates_json,
           monthly_budget = excluded.monthly_budget, daily_budget = excluded.daily_budget,
           webhook_origin = excluded.webhook_origin, updated_at = excluded.updated_at`,
      )
      .run({
        displayCurrency: settings.displayCurrency,
        rates: JSON.stringify(settings.rates),
        monthlyBudget: settings.monthlyBudget,
        dailyBudget: settings.dailyBudget,
        webhookOrigin: settings.webhookOrigin,
        updatedAt: this.now().toISOString(),
      });
  }

  webhookUrl(): Promise<string | null> {
    return this.vault.get(secretNames.budgetWebhookUrl);
  }

  async setWebhookUrl(url: string | null): Promise<void> {
    if (url === null) await this.vault.delete(secretNames.budgetWebhookUrl);
    else await this.vault.set(secretNames.budgetWebhookUrl, url);
  }

  serverPrices(): ServerPrice[] {
    return (this.db.prepare('SELECT * FROM server_prices ORDER BY server_id').all() as Array<{ server_id: string; monthly_price: number; currency: string; updated_at: string }>).map(
      (r) => ({ serverId: r.server_id, monthlyPrice: r.monthly_price, currency: r.currency, updatedAt: r.updated_at }),
    );
  }

  setServerPrice(serverId: string, price: { monthlyPrice: number; currency: string } | null): void {
    if (price === null) {
      this.db.prepare('DELETE FROM server_prices WHERE server_id = ?').run(serverId);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO server_prices (server_id, monthly_price, currency, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (server_id) DO UPDATE SET monthly_price = excluded.monthly_price, currency = excluded.currency, updated_at = excluded.updated_at`,
      )
      .run(serverId, price.monthlyPrice, price.currency, this.now().toISOString());
  }
}
