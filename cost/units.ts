import type { Decimal } from "#commons/decimal.js";

/** The billing units the workload (./workload.ts) and the listener's share of it (./listener.ts) count in. */

/** AWS prices "a month" as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3_600;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const KB = 1_024;
export const GB_IN_KB = 1_024 * 1_024;

export const ceil = (x: Decimal): Decimal => x.round(0, 3);
/** Billed Lambda compute for `invocations` of `ms` each (Lambda bills whole milliseconds). */
export const gbSeconds = (invocations: Decimal, ms: Decimal, memoryMb: number): Decimal =>
  invocations.times(ceil(ms)).times(memoryMb).div(1_024_000);
/** Read units for a read of `bytes`: 4 KB units, half price when eventually consistent. */
export const readUnits = (bytes: Decimal, consistent: boolean): Decimal => ceil(bytes.div(4 * KB)).times(consistent ? 1 : "0.5");
