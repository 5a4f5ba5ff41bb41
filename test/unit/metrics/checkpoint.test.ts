import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { checkpointRealized, foldCheckpoint, rowsFromCheckpoint, type MetricsCheckpoint } from "#domain/metrics/checkpoint.js";
import { metricsCheckpointSchema } from "#domain/metrics/checkpoint-schema.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { replay } from "#domain/metrics/trader-replay.js";
import { listReplayed, listRoundTrips } from "#domain/trader-story/round-trip-list.js";
import { joinRealized, realizedPnlSeries, realizedPnlSeriesAfter } from "#domain/trader-story/series.js";
import type { EquityMetrics, FundingPayment, MetricWindow } from "#domain/metrics/types.js";
import { userFundingSchema } from "#hyperliquid/schemas.js";
import { createPrng } from "#simulator/prng.js";
// bench/ has no import alias; its generator is the leaderboard benchmark's.
import { generateHistory } from "../../../bench/leaderboard-fixtures.js";
import { loadFixture } from "../../support/fixtures.js";
import { adversarialHistory } from "./adversarial-fills.js";
import { dayTrades, fundingFor, marketMaker } from "./checkpoint-histories.js";
import { randomHistory, recordedFills } from "./fills.js";

/**
 * A checkpoint folded up to a horizon H, plus the fills and funding after H, must give exactly
 * the rows computeTraderRows gives on the whole history: every string character for character,
 * every ratio bit for bit, for many histories and many H, folded in one step or several.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MONTH = 30 * DAY;
const UPDATED = "2026-12-01T00:00:00.000Z";
const ADDRESS = "0xC0ffee0000000000000000000000000000000001";
// Figures computed elsewhere, passed through: here only to see they still are.
const EQUITY: Partial<Record<MetricWindow, EquityMetrics | null>> = { "7d": { max_drawdown: 0.25, roi: -0.125, sharpe: 1.5 }, all: null };
const SLOW = 240_000;

interface History {
  fills: Fill[];
  funding: FundingPayment[];
  now: number;
  role?: string | null;
}

const input = (h: History, fills: Fill[], funding: FundingPayment[]) => ({
  history: { address: ADDRESS, fills, funding, firstSeenAt: h.now - 400 * DAY, role: h.role ?? null },
  equity: EQUITY,
  now: h.now,
  updatedAt: UPDATED,
});

const wholeRows = (h: History): LeaderboardRow[] => computeTraderRows(input(h, h.fills, h.funding));

/** Through JSON and its schema, as a store would keep it; it must come back the same. */
const stored = (checkpoint: MetricsCheckpoint): MetricsCheckpoint => {
  const back = metricsCheckpointSchema.parse(JSON.parse(JSON.stringify(checkpoint)));
  expect(back).toStrictEqual(checkpoint);
  return back;
};

/**
 * Folded at each of `horizons` in turn, each time from the stored checkpoint and only the fills
 * and payments after its horizon (or, with `everything`, the whole history: the rest is ignored).
 */
const foldAt = (h: History, horizons: readonly number[], everything = false): MetricsCheckpoint => {
  let checkpoint: MetricsCheckpoint | null = null;
  let after = -Infinity;
  for (const horizon of horizons) {
    const fills = everything ? h.fills : h.fills.filter((f) => f.time > after && f.time <= horizon);
    const funding = everything ? h.funding : h.funding.filter((p) => p.time > after && p.time <= horizon);
    checkpoint = stored(foldCheckpoint(checkpoint, fills, funding, horizon));
    after = horizon;
  }
  return checkpoint!;
};

const rowsVia = (h: History, horizons: readonly number[], everything = false): LeaderboardRow[] => {
  const checkpoint = foldAt(h, horizons, everything);
  const after = checkpoint.horizon;
  const fills = everything ? h.fills : h.fills.filter((f) => f.time > after);
  const funding = everything ? h.funding : h.funding.filter((p) => p.time > after);
  return rowsFromCheckpoint(checkpoint, input(h, fills, funding));
};

/**
 * Horizons worth cutting at, all at or before now − 30 d: before everything, on fills spread
 * through the history (a self-trade pair's millisecond among them when there is one) and the
 * millisecond before each, and now − 30 d itself.
 */
const horizonsFor = (h: History, seed: number): number[] => {
  const limit = h.now - MONTH;
  const times = [...new Set(h.fills.map((f) => f.time))].filter((t) => t <= limit).sort((a, b) => a - b);
  const out = new Set<number>([limit]);
  if (times.length > 0) out.add(times[0]! - 1);
  const rng = createPrng(seed, 11);
  for (let k = 0; k < 6 && times.length > 0; k++) {
    const t = times[rng.int(times.length)]!;
    out.add(t);
    out.add(t - 1);
  }
  const pairs = h.fills.filter((f, i) => f.time <= limit && h.fills.some((g, j) => j !== i && g.hash === f.hash && g.time === f.time && g.side !== f.side));
  if (pairs.length > 0) out.add(pairs[rng.int(pairs.length)]!.time);
  return [...out].sort((a, b) => a - b);
};

/**
 * The round trips the trader page lists from the same replay (the leaderboard job's): those closed
 * after the horizon, printed as the list of the whole history prints them.
 */
const tripsVia = (h: History, horizon: number) => {
  const checkpoint = foldAt(h, [horizon]);
  return listReplayed(replay(checkpoint, h.fills.filter((f) => f.time > horizon), h.funding.filter((p) => p.time > horizon), h.now));
};

/**
 * The trader page's realized PnL of `all` as the job stores it past a checkpoint: the series up to
 * the horizon, and the steps after it counted on from the checkpoint's total.
 */
const realizedVia = (h: History, horizon: number) => {
  const upTo = <T extends { time: number }>(list: T[]) => list.filter((x) => x.time <= horizon);
  const before = realizedPnlSeries(upTo(h.fills), "all", horizon, upTo(h.funding));
  return joinRealized(before, realizedPnlSeriesAfter(h.fills, h.funding, horizon, h.now, checkpointRealized(foldAt(h, [horizon]))));
};

/** Every horizon alone, and three of them folded one after the other, with the stored checkpoint between. */
const expectExact = (h: History, seed: number): void => {
  const expected = wholeRows(h);
  const listed = listRoundTrips(h.fills, "all", h.now, h.funding);
  const horizons = horizonsFor(h, seed);
  for (const horizon of horizons) expect(rowsVia(h, [horizon])).toStrictEqual(expected);
  for (const horizon of horizons) expect(tripsVia(h, horizon)).toStrictEqual(listed.filter((rt) => rt.closed_at > horizon));
  const realized = realizedPnlSeries(h.fills, "all", h.now, h.funding);
  for (const horizon of horizons) expect(realizedVia(h, horizon)).toStrictEqual(realized);
  const rng = createPrng(seed, 13);
  const steps = [...new Set([0, 1, 2].map(() => horizons[rng.int(horizons.length)]!))].sort((a, b) => a - b);
  expect(rowsVia(h, steps)).toStrictEqual(expected);
  expect(rowsVia(h, steps, true)).toStrictEqual(expected);
};

/** Spreads a history over `days` from its first fill (times that were equal stay equal). */
const spread = (fills: Fill[], days: number): Fill[] => {
  const times = fills.map((f) => f.time);
  const t0 = Math.min(...times);
  const k = Math.max(1, Math.floor((days * DAY) / (Math.max(...times) - t0 + 1)));
  return fills.map((f) => ({ ...f, time: t0 + (f.time - t0) * k }));
};

describe("rows from a metrics checkpoint equal the rows of the whole history", () => {
  it("on the leaderboard benchmark's histories, with funding, a builder-dex coin and spot fills", () => {
    const now = Date.UTC(2026, 10, 26);
    for (let i = 0; i < 8; i++) {
      const { fills } = generateHistory(i, 1_500, now, 120);
      const renamed = fills.map((f) => (i % 2 === 1 && f.coin === "ETH" ? { ...f, coin: "xyz:TSLA" } : f));
      const h = { fills: renamed, funding: fundingFor(renamed, i), now: now + (i % 3) * 5 * DAY, role: i === 3 ? "vault" : "user" };
      expectExact(h, i);
    }
  }, SLOW);

  it("on the property-test histories: flips, partial closes, duplicates, spot fills", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const from = 1_700_000_000_000;
      const fills = randomHistory(seed, 300, from, from + 75 * DAY);
      expectExact({ fills, funding: fundingFor(fills, seed, 8), now: from + (60 + (seed % 4) * 10) * DAY }, seed);
    }
  }, SLOW);

  it("on adversarial histories: decimals, magnitudes, spellings, ties, self-trades, gaps, partial starts", () => {
    for (let seed = 0; seed < 60; seed++) {
      const fills = spread(adversarialHistory(seed, 60 + (seed % 5) * 50), 90);
      const last = Math.max(...fills.map((f) => f.time));
      expectExact({ fills, funding: fundingFor(fills, seed, [6, 20, 0, 45, 0][seed % 5]!), now: last + (seed % 3) * 20 * DAY }, seed);
    }
  }, SLOW);

  it("on the recorded fills and funding: 83 self-trade pairs and a gap", () => {
    const fills = recordedFills();
    const recorded = userFundingSchema.parse(loadFixture("userFunding.recorded.json").response);
    const funding = recorded.map((u) => ({ time: u.time, coin: u.delta.coin, usdc: u.delta.usdc }));
    const last = Math.max(...fills.map((f) => f.time));
    for (let k = 0; k < 4; k++) expectExact({ fills, funding, now: last + MONTH + k * 3 * DAY }, k);
  }, SLOW);

  it("keeps the bot flag, whose last week of activity straddles the horizon or lies all before it", () => {
    const t0 = Date.UTC(2026, 0, 5, 0);
    // A market maker for 6 hours, then a person's trades for 3 days: the lookback from the last fill holds both.
    const fills = [...marketMaker(t0, 6, 1), ...dayTrades(t0 + DAY, 3)];
    const last = Math.max(...fills.map((f) => f.time));
    const funding = fundingFor(fills, 5);
    // Horizons up to now − 30 d: all before the last fill, some between the day trades, some inside the market making.
    // And horizons a week past the last fill, where the checkpoint keeps only the flag.
    for (const now of [last + MONTH, t0 + 2 * DAY + MONTH, t0 + 3 * HOUR + MONTH, last + MONTH + 10 * DAY]) {
      const h = { fills, funding, now };
      expect(wholeRows(h).map((r) => r.is_bot)).toEqual([true, true, true, true]);
      expectExact(h, now);
    }
    // The same person alone is not flagged, from a checkpoint too.
    const person = { fills: dayTrades(t0, 5), funding: [], now: t0 + 40 * DAY };
    expect(wholeRows(person)[0]!.is_bot).toBe(false);
    expectExact(person, 2);
  }, SLOW);
});

describe("metrics checkpoints", () => {
  const now = Date.UTC(2026, 10, 26);
  const h: History = (() => {
    const { fills } = generateHistory(42, 2_000, now, 120);
    return { fills, funding: fundingFor(fills, 42), now };
  })();

  it("fold deterministically: the same history gives the same checkpoint, in one step or in several", () => {
    const horizon = now - 31 * DAY;
    const once = foldAt(h, [horizon]);
    expect(foldAt(h, [horizon])).toStrictEqual(once);
    const inSteps = foldAt(h, [now - 100 * DAY, now - 70 * DAY, now - 50 * DAY, horizon]);
    expect(inSteps).toStrictEqual(once);
  });

  it("folded in several steps are the one folded at once, on adversarial histories too", () => {
    // Two things may differ and are not values: round trips a gap ends close at their last known
    // fill, so they may be listed out of closing order; and `scales`, the decimals amounts were
    // summed at, is the most any step needed (a flip's fee share has more with a coarser fee scale).
    const normal = (c: MetricsCheckpoint): Omit<MetricsCheckpoint, "scales"> => {
      const { scales: _, ...values } = c;
      const activity = c.bot.activity;
      return { ...values, bot: { ...c.bot, activity: activity && { ...activity, holds: [...activity.holds].sort((a, b) => a[0] - b[0] || a[1] - b[1]) } } };
    };
    for (let seed = 0; seed < 40; seed++) {
      const fills = spread(adversarialHistory(seed, 200), 90);
      const times = [...new Set(fills.map((f) => f.time))].sort((a, b) => a - b);
      const at = (q: number): number => times[Math.floor(times.length * q)]!;
      const history = { fills, funding: fundingFor(fills, seed, 12), now: at(1 - 1e-9) + MONTH };
      // Every step's checkpoint, each coin's round trip in progress included, is the one folded at once.
      const horizons = [0.1, 0.2, 0.3, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9].map((q, i) => at(q) - (i % 2));
      // Given the fills up to each horizon only, or all of them (the later ones let the bot week go).
      for (const everything of [false, true]) {
        let checkpoint: MetricsCheckpoint | null = null;
        for (const horizon of horizons) {
          const given = everything ? fills : fills.filter((f) => f.time <= horizon);
          checkpoint = foldCheckpoint(checkpoint, given, history.funding, horizon);
          expect(normal(checkpoint)).toStrictEqual(normal(foldAt(history, [horizon], everything)));
        }
      }
    }
  }, SLOW);

  it("do not grow with the number of fills: six times the history, the same size within a week's activity", () => {
    const size = (fills: number, days: number): { bytes: number; coins: number } => {
      const { fills: all } = generateHistory(7, fills, now, days);
      const checkpoint = foldAt({ fills: all, funding: fundingFor(all, 7), now }, [now - 31 * DAY]);
      expect(checkpoint.fills.count).toBeGreaterThan(fills / 2);
      return { bytes: JSON.stringify(checkpoint).length, coins: checkpoint.coins.length };
    };
    const small = size(10_000, 100);
    const large = size(60_000, 600);
    expect(large.coins).toBe(small.coins);
    // Bounded by the coins and one week of activity, not by the fills (6× as many here).
    expect(large.bytes).toBeLessThan(small.bytes * 1.5);
  }, SLOW);

  it("drop a market maker's week of activity once no later run can reach back into it", () => {
    // Market making around the clock for 9 days up to now − 31 d, then a person's trades to now.
    const start = now - 40 * DAY;
    const fills = [...marketMaker(start, 9 * 24, 4), ...dayTrades(now - 30 * DAY, 29)];
    const history = { fills, funding: fundingFor(fills, 4), now };
    const horizon = now - 32 * DAY;
    const bytes = (c: MetricsCheckpoint): number => JSON.stringify(c).length;
    // Shown only the fills up to H, the fold must keep the week: the next fill could be tomorrow.
    const kept = foldAt(history, [horizon]);
    expect(kept.bot.activity?.orders.length).toBeGreaterThan(10_000);
    // Shown the later fills too, it knows the lookback has moved on for good.
    const dropped = foldAt(history, [horizon], true);
    expect(dropped.bot).toEqual({ last: kept.bot.last, activity: null, flag: null });
    expect(bytes(dropped)).toBeLessThan(bytes(kept) / 50);
    const expected = wholeRows(history);
    expect(rowsVia(history, [horizon])).toStrictEqual(expected);
    expect(rowsVia(history, [horizon], true)).toStrictEqual(expected);
    // Without a fill a week past the market making, the dropped week would be needed: refused.
    expect(() => rowsFromCheckpoint(dropped, input(history, fills.filter((f) => f.time <= horizon + 6 * DAY), []))).toThrow(RangeError);
    const nextDay = fills.filter((f) => f.time > horizon && f.time <= horizon + DAY);
    expect(() => foldCheckpoint(dropped, nextDay, [], horizon + DAY)).toThrow(RangeError);
    expect(foldCheckpoint(dropped, fills, history.funding, horizon + DAY)).toStrictEqual(foldAt(history, [horizon + DAY], true));
  }, SLOW);

  it("read back through their schema: plain decimal strings and their own version only", () => {
    const checkpoint = foldAt(h, [now - 31 * DAY]);
    expect(metricsCheckpointSchema.parse(JSON.parse(JSON.stringify(checkpoint)))).toStrictEqual(checkpoint);
    expect(metricsCheckpointSchema.safeParse({ ...checkpoint, funding: 12.5 }).success).toBe(false);
    expect(metricsCheckpointSchema.safeParse({ ...checkpoint, fills: { ...checkpoint.fills, volume: "1e+21" } }).success).toBe(false);
    expect(metricsCheckpointSchema.safeParse({ ...checkpoint, version: 2 }).success).toBe(false);
  });

  it("refuse a horizon after the start of the 30-day window, and folding back", () => {
    const checkpoint = foldAt(h, [now - 29 * DAY]);
    expect(() => rowsFromCheckpoint(checkpoint, input(h, [], []))).toThrow(RangeError);
    expect(() => rowsFromCheckpoint(checkpoint, input({ ...h, now: now + DAY }, [], []))).not.toThrow();
    expect(() => foldCheckpoint(checkpoint, [], [], now - 40 * DAY)).toThrow(RangeError);
  });
});
