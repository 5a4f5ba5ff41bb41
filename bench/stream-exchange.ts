import type { PlacedOrder } from "./stream-figures.js";

/**
 * What the exchange saw of a run, reckoned from the simulator's own log of its answers (unit-tested
 * in test/unit/bench/stream-exchange.test.ts): the most weight in any minute, and how many of the
 * clearinghouseState polls were the stream's targeted ones and how many the reconciliation sweep's.
 */

/** Cumulative weight the exchange charged, after each of its answers. */
export interface WeightSample {
  at: number;
  total: number;
}

/**
 * The most weight charged in any `windowMs` (the exchange's rule looks at any 60 s): the window
 * ending at each answer holds everything after the last answer at or before its start.
 */
export const maxWindowWeight = (base: number, samples: readonly WeightSample[], windowMs = 60_000): { weight: number; endsAt: number | null } => {
  let best = { weight: 0, endsAt: null as number | null };
  let i = 0;
  let before = base;
  for (const s of samples) {
    while (i < samples.length && (samples[i] as WeightSample).at <= s.at - windowMs) before = (samples[i++] as WeightSample).total;
    const weight = s.total - before;
    if (weight > best.weight) best = { weight, endsAt: s.at };
  }
  return best;
};

/**
 * Splits clearinghouseState polls into the stream's (of a trader within `windowMs` after his
 * trade: the targeted poll and its retries) and the sweep's (everything else). A sweep poll that
 * happens to fall in that window is counted as the stream's; with 1% trading a minute that is rare.
 */
export const splitPolls = (
  polls: readonly { user: string; at: number }[],
  orders: readonly Pick<PlacedOrder, "user" | "time">[],
  windowMs = 15_000,
): { live: number; sweep: number; sweepTimes: number[] } => {
  const traded = new Map<string, number[]>();
  for (const o of orders) traded.set(o.user.toLowerCase(), [...(traded.get(o.user.toLowerCase()) ?? []), o.time]);
  let live = 0;
  const sweepTimes: number[] = [];
  for (const p of polls) {
    const times = traded.get(p.user.toLowerCase()) ?? [];
    if (times.some((t) => p.at >= t && p.at - t <= windowMs)) live++;
    else sweepTimes.push(p.at);
  }
  return { live, sweep: sweepTimes.length, sweepTimes };
};

/**
 * Sweep polls per tick, from the sweep polls' times and the ticks' start times: over whole
 * intervals (first tick to last tick, each slice being polled within seconds of its tick), or,
 * with one tick only, everything after it.
 */
export const sweepPerTick = (sweepTimes: readonly number[], tickStarts: readonly number[]): number => {
  const first = tickStarts[0];
  const last = tickStarts.at(-1);
  if (first === undefined || last === undefined) return 0;
  if (tickStarts.length === 1) return sweepTimes.filter((t) => t >= first).length;
  return sweepTimes.filter((t) => t >= first && t < last).length / (tickStarts.length - 1);
};

/** Minutes one walk over every tracked trader takes at `perMinute` sweep polls. */
export const minutesToReconcile = (tracked: number, perMinute: number): number => (perMinute > 0 ? tracked / perMinute : Number.POSITIVE_INFINITY);
