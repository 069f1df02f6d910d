// UTC calendar arithmetic for the ledger. Months and days are UTC ones: a ledger whose months moved with the
// laptop's time zone (travel, daylight saving) would change last month's total after the fact.
const DAY_MS = 86_400_000;

/** "2026-11" for the UTC month holding `ms`. */
export function monthKeyOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** "2026-11-24" for the UTC day holding `ms`. */
export function dayKeyOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface Span {
  fromMs: number;
  toMs: number;
}

/** The UTC month holding `ms`, as [first instant, first instant of the next month). */
export function monthSpanOf(ms: number): Span {
  const d = new Date(ms);
  return { fromMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), toMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/** "2026-11" → its span; anything else is null (the contract's schema has already checked the shape). */
export function monthSpanOfKey(key: string): Span | null {
  const match = /^(\d{4})-(\d{2})$/.exec(key);
  if (!match) return null;
  const month = Number(match[2]) - 1;
  if (month < 0 || month > 11) return null;
  return monthSpanOf(Date.UTC(Number(match[1]), month, 1));
}

export function daySpanOf(ms: number): Span {
  const fromMs = Math.floor(ms / DAY_MS) * DAY_MS;
  return { fromMs, toMs: fromMs + DAY_MS };
}

/**
 * Cuts [fromMs, toMs) at UTC midnights, so every ledger entry lies inside one day (and so one month): a day's
 * or a month's total is then a plain sum of whole entries, and a VPS entry has one month length to divide by.
 */
export function splitAtDays(fromMs: number, toMs: number): Span[] {
  const parts: Span[] = [];
  let start = fromMs;
  while (start < toMs) {
    const end = Math.min(toMs, daySpanOf(start).toMs);
    parts.push({ fromMs: start, toMs: end });
    start = end;
  }
  return parts;
}

/** Milliseconds of [a, b) that lie inside [c, d). */
export function overlapMs(a: Span, b: Span): number {
  return Math.max(0, Math.min(a.toMs, b.toMs) - Math.max(a.fromMs, b.fromMs));
}
