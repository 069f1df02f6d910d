// Amounts and their currencies. The ledger keeps every amount in the currency it is billed in (Vast: USD; a
// server: the currency of its price); figures are converted to the operator's display currency when read, at
// the rate the operator entered (there is no internet look-up), and every figure says its currency.
import { ConsoleError } from '../contracts/define.js';

/** Vast.ai bills in US dollars. */
export const VAST_CURRENCY = 'USD';

export interface Money {
  amount: number;
  currency: string;
}

export interface CurrencySettings {
  displayCurrency: string;
  /** Display-currency units one unit of each other currency is worth ({ USD: 0.92 } when showing EUR). */
  rates: Record<string, number>;
}

/** Converts amounts into the display currency; a currency without a rate is a clear error, never a guess. */
export class Converter {
  constructor(private readonly settings: CurrencySettings) {}

  get currency(): string {
    return this.settings.displayCurrency;
  }

  rateOf(currency: string): number {
    if (currency === this.settings.displayCurrency) return 1;
    const rate = Object.hasOwn(this.settings.rates, currency) ? this.settings.rates[currency] : undefined;
    if (rate === undefined || !(rate > 0)) {
      throw new ConsoleError('COSTS_RATE_MISSING', `No conversion rate from ${currency} to ${this.settings.displayCurrency}: enter one in Costs › Settings.`);
    }
    return rate;
  }

  toDisplay(amount: number, currency: string): number {
    return amount * this.rateOf(currency);
  }

  money(amount: number): Money {
    return { amount, currency: this.settings.displayCurrency };
  }
}

/** The currencies that need a rate, given those in use: every one but the display currency. */
export function missingRates(settings: CurrencySettings, inUse: Iterable<string>): string[] {
  const missing = new Set<string>();
  for (const currency of inUse) {
    if (currency === settings.displayCurrency) continue;
    const rate = Object.hasOwn(settings.rates, currency) ? settings.rates[currency] : undefined;
    if (rate === undefined || !(rate > 0)) missing.add(currency);
  }
  return [...missing].sort();
}
