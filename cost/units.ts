import { dec, type Decimal } from "#commons/decimal.js";

/** The billing units the workload (./workload.ts) and the listener's share of it (./listener.ts) count in. */

/** AWS prices "a month" as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3_600;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const KB = 1_024;
export const GB_IN_KB = 1_024 * 1_024;

/** One function's month: its invocations and its billed compute. */
export interface LambdaUse {
  invocations: Decimal;
  gbSeconds: Decimal;
}

export const ceil = (x: Decimal): Decimal => x.round(0, 3);
/** Billed Lambda compute for `invocations` of `ms` each (Lambda bills whole milliseconds). */
export const gbSeconds = (invocations: Decimal, ms: Decimal, memoryMb: number): Decimal =>
  invocations.times(ceil(ms)).times(memoryMb).div(1_024_000);
/** Read units for a read of `bytes`: 4 KB units, half price when eventually consistent. */
export const readUnits = (bytes: Decimal, consistent: boolean): Decimal => ceil(bytes.div(4 * KB)).times(consistent ? 1 : "0.5");
/**
 * `x` to the power `n` (a whole number ≥ 0), rounded to 30 places after each product: exact powers
 * of a decimal share grow a digit per multiplication, far too many for the 43,200 polls of a month.
 */
export const powRounded = (x: Decimal, n: number): Decimal => {
  let result = dec(1);
  let base = x;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = result.times(base).round(30, 1);
    base = base.times(base).round(30, 1);
  }
  return result;
};
