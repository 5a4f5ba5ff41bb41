import type { Fill } from "../exchange.js";
import { isPerpFill } from "../fills.js";
import type { RoundTrip } from "./round-trips.js";

/**
 * Market makers and trading bots are not people one would copy, and their figures (thousands of
 * round trips, win rates from the spread) drown the leaderboard. A trader is flagged when, over
 * the last 7 days of their activity, either
 *
 * - they close at least 40 round trips per active hour AND the median round trip lasts at most
 *   60 seconds (in and out all hour long: a market maker turning over its inventory), or
 * - at least 300 distinct orders fill per active hour (one every 12 seconds through every hour
 *   they trade: no person clicks that fast for long, and a 24 h TWAP sends one order per 30 s).
 *
 * Why these numbers: a busy human day trader closes ~50 round trips a day holding minutes, which
 * fails both arms even if all 50 fall in one hour; a market maker with 1,000+ round trips a day
 * spread over 24 hours makes 40+ per hour with holds of seconds.
 *
 * Why per active hour, not per day: the exchange serves only a trader's most recent fills, so for
 * a fast account the fills we hold may cover minutes. An active hour is a UTC clock hour holding
 * at least one of their perp fills, so a burst never counts as a full day of calm, and a trader
 * who is only busy for two hours a day is measured over those two hours.
 *
 * "The last 7 days of their activity" ends at their newest perp fill, not at now: a bot that
 * paused a week ago is still a bot, and its flag is the same in every window. Round trips are the
 * closed ones in that span whose hold time is known (not `partial_start`). Spot fills do not count.
 */

const HOUR = 3_600_000;
export const BOT_LOOKBACK_MS = 7 * 86_400_000;
export const BOT_MIN_ROUND_TRIPS_PER_HOUR = 40;
export const BOT_MAX_MEDIAN_HOLD_MS = 60_000;
export const BOT_MIN_ORDERS_PER_HOUR = 300;

export interface BotSignals {
  /** UTC clock hours in the lookback holding at least one perp fill. */
  active_hours: number;
  round_trips_per_active_hour: number;
  /** Median hold of those round trips in ms; null without any. */
  median_hold_ms: number | null;
  /** Distinct order ids among the perp fills of the lookback, per active hour. */
  orders_per_active_hour: number;
}

/** What the rule reads of a closed round trip (printed or not: see ./round-trips.ts). */
type BotRoundTrip = Pick<RoundTrip, "closed_at" | "partial_start" | "hold_ms">;

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = values.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * What the rule reads of a trader's activity, kept so it can be carried forward (a metrics
 * checkpoint holds it: ./checkpoint.ts): the lookback ending at the newest perp fill, with the
 * latest fill time of each clock hour and of each order, and the closed round trips that count.
 * A newer fill moves the lookback forward, so what falls out of it is dropped. An hour (an order)
 * counts when any of its fills is in the lookback, i.e. when its latest fill is. Its size is one
 * lookback's activity (at most 169 hours; the orders and round trips of those 7 days), however
 * long the history.
 */
export interface BotActivity {
  /** Newest perp fill time; null without any. */
  last: number | null;
  /** [UTC hour number, latest fill time in it]. */
  hours: [number, number][];
  /** [oid, latest fill time]. */
  orders: [number, number][];
  /** [closed_at, hold_ms] of closed round trips that are not `partial_start`. */
  holds: [number, number][];
}

export const NO_BOT_ACTIVITY: BotActivity = { last: null, hours: [], orders: [], holds: [] };

const latestBy = (into: Map<number, number>, key: number, time: number): void => {
  if (!(time <= (into.get(key) ?? -Infinity))) into.set(key, time);
};

/**
 * `before` (the activity of earlier fills) carried over `fills` (perp fills after those, any
 * order; others are ignored) and the round trips they closed; only the lookback is kept.
 */
export const botActivity = (fills: readonly Fill[], closed: readonly BotRoundTrip[], before: BotActivity = NO_BOT_ACTIVITY): BotActivity => {
  let last = before.last ?? -Infinity;
  for (const f of fills) if (f.time > last && isPerpFill(f)) last = f.time;
  if (last === -Infinity) return NO_BOT_ACTIVITY;

  const after = last - BOT_LOOKBACK_MS;
  const hours = new Map<number, number>();
  const orders = new Map<number, number>();
  for (const [hour, time] of before.hours) if (time > after) latestBy(hours, hour, time);
  for (const [oid, time] of before.orders) if (time > after) latestBy(orders, oid, time);
  for (const f of fills) {
    if (f.time <= after || f.time > last || !isPerpFill(f)) continue;
    latestBy(hours, Math.floor(f.time / HOUR), f.time);
    latestBy(orders, f.oid, f.time);
  }
  const holds = before.holds.filter(([closedAt]) => closedAt > after);
  for (const rt of closed) {
    if (rt.closed_at !== null && rt.closed_at > after && rt.closed_at <= last && !rt.partial_start && rt.hold_ms !== null) {
      holds.push([rt.closed_at, rt.hold_ms]);
    }
  }
  return { last, hours: [...hours], orders: [...orders], holds };
};

/** The rule's inputs from an activity. */
export const signalsOf = (activity: BotActivity): BotSignals => {
  const active = activity.hours.length;
  if (activity.last === null || active === 0) return { active_hours: 0, round_trips_per_active_hour: 0, median_hold_ms: null, orders_per_active_hour: 0 };
  return {
    active_hours: active,
    round_trips_per_active_hour: activity.holds.length / active,
    median_hold_ms: median(activity.holds.map(([, hold]) => hold)),
    orders_per_active_hour: activity.orders.length / active,
  };
};

/** What the rule looks at. Pass fills up to the moment the metrics are for (perp only are read). */
export const botSignals = (fills: readonly Fill[], closed: readonly BotRoundTrip[]): BotSignals => signalsOf(botActivity(fills, closed));

export const isBot = (s: BotSignals): boolean =>
  (s.round_trips_per_active_hour >= BOT_MIN_ROUND_TRIPS_PER_HOUR &&
    s.median_hold_ms !== null &&
    s.median_hold_ms <= BOT_MAX_MEDIAN_HOLD_MS) ||
  s.orders_per_active_hour >= BOT_MIN_ORDERS_PER_HOUR;

/** True when the trader looks like a market maker or a bot (rule above). */
export const botFlag = (fills: readonly Fill[], closed: readonly BotRoundTrip[]): boolean => isBot(botSignals(fills, closed));
