// A forecast of what the month will have cost by its end: the fixed part (every priced server, what it has
// accrued so far plus its price for the rest of the month) and the GPUs (spent so far plus the current burn
// rate, running and stopped rentals at their rates now, held for the rest of the month). A plain projection:
// it says what happens if nothing changes, which is what a budget needs to be compared with.
import { monthSpanOf } from './calendar.js';

export interface ForecastInput {
  nowMs: number;
  /** Spent so far this month, in the display currency. */
  vpsSoFar: number;
  gpuSoFar: number;
  /** Monthly prices of the servers billed now, in the display currency. */
  vpsMonthlyPrices: number[];
  /** What the GPU rentals cost per hour now (running at dph_total, stopped at storage), display currency. */
  gpuBurnPerHour: number;
}

export interface Forecast {
  /** Servers: so far plus the rest of the month at their prices. */
  fixed: number;
  gpuSoFar: number;
  /** The current burn held until the month ends. */
  gpuRest: number;
  total: number;
  remainingHours: number;
}

export function forecastMonthEnd(input: ForecastInput): Forecast {
  const month = monthSpanOf(input.nowMs);
  const remainingMs = Math.max(0, month.toMs - input.nowMs);
  const monthMs = month.toMs - month.fromMs;
  const fixedRest = input.vpsMonthlyPrices.reduce((sum, price) => sum + (price * remainingMs) / monthMs, 0);
  const remainingHours = remainingMs / 3_600_000;
  const gpuRest = input.gpuBurnPerHour * remainingHours;
  const fixed = input.vpsSoFar + fixedRest;
  return { fixed, gpuSoFar: input.gpuSoFar, gpuRest, total: fixed + input.gpuSoFar + gpuRest, remainingHours };
}
