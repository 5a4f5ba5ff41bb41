import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import { botFlag, botSignals } from "#domain/metrics/bots.js";
import { buildRoundTrips, type RoundTrip } from "#domain/metrics/round-trips.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { fill, roundTrip, spotFill } from "./fills.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The start of a UTC hour, so "n per hour" below means n in one clock hour. */
const T0 = Date.UTC(2025, 4, 1, 0);

/**
 * `perHour` round trips in each of `hours` consecutive clock hours from `start`, evenly spaced,
 * each held `holdMs` (2 fills, 2 orders each). Spread over `coins` so holds may overlap.
 */
const trader = (o: { start: number; hours: number; perHour: number; holdMs: number; coins?: number }): Fill[] => {
  const coins = o.coins ?? 1;
  const out: Fill[] = [];
  for (let h = 0; h < o.hours; h++) {
    for (let k = 0; k < o.perHour; k++) {
      const slot = Math.floor(k / coins);
      const slots = Math.ceil(o.perHour / coins);
      const time = o.start + h * HOUR + Math.floor((slot * (HOUR - o.holdMs)) / slots);
      out.push(...roundTrip({ coin: `C${k % coins}`, side: "long", sz: "1", px: "10", time, holdMs: o.holdMs }));
    }
  }
  return out;
};

const flagged = (fills: Fill[]): boolean => botFlag(fills, buildRoundTrips(fills).closed);

describe("botFlag", () => {
  it("flags a market maker: ~2,000 round trips a day held 5 s", () => {
    // 84 per hour around the clock = 2,016 a day; 168 orders per hour (< 300), so the round-trip
    // arm alone flags it.
    const fills = trader({ start: T0, hours: 24, perHour: 84, holdMs: 5 * SECOND });
    expect(botSignals(fills, buildRoundTrips(fills).closed)).toEqual({
      active_hours: 24,
      round_trips_per_active_hour: 84,
      median_hold_ms: 5 * SECOND,
      orders_per_active_hour: 168,
    });
    expect(flagged(fills)).toBe(true);
  });

  it("does not flag a busy day trader: 50 round trips a day held 10 min", () => {
    // 7 days × (8 hours × 6 on two coins + 2 more on a third) = 50 a day → 6.25 per active hour.
    const days = Array.from({ length: 7 }, (_, d) => [
      ...trader({ start: T0 + d * DAY + 9 * HOUR, hours: 8, perHour: 6, holdMs: 10 * MINUTE, coins: 2 }),
      ...trader({ start: T0 + d * DAY + 9 * HOUR, hours: 2, perHour: 1, holdMs: 10 * MINUTE }).map((f) => ({ ...f, coin: "X" })),
    ]).flat();
    expect(botSignals(days, buildRoundTrips(days).closed)).toMatchObject({ active_hours: 56, round_trips_per_active_hour: 50 / 8, median_hold_ms: 10 * MINUTE });
    expect(flagged(days)).toBe(false);
  });

  it("does not flag 50 round trips crammed into one hour when they are held minutes", () => {
    // 50 in one clock hour (≥ 40) but on 10 coins held 10 min: the median hold fails the rule.
    const fills = trader({ start: T0, hours: 1, perHour: 50, holdMs: 10 * MINUTE, coins: 10 });
    const s = botSignals(fills, buildRoundTrips(fills).closed);
    expect(s.round_trips_per_active_hour).toBe(50);
    expect(s.median_hold_ms).toBe(10 * MINUTE);
    expect(flagged(fills)).toBe(false);
  });

  describe("round-trip arm boundaries (40 per active hour, median hold ≤ 60 s)", () => {
    it("flags exactly 40 in an hour held exactly 60 s", () => {
      expect(flagged(trader({ start: T0, hours: 1, perHour: 40, holdMs: 60 * SECOND }))).toBe(true);
    });
    it("does not flag 39 in an hour", () => {
      expect(flagged(trader({ start: T0, hours: 1, perHour: 39, holdMs: 60 * SECOND }))).toBe(false);
    });
    it("does not flag a median hold of 60.001 s", () => {
      expect(flagged(trader({ start: T0, hours: 1, perHour: 40, holdMs: 60 * SECOND + 1 }))).toBe(false);
    });
    it("takes the mean of the two middle holds for an even count", () => {
      // 20 held 30 s and 20 held 90 s: median (30 + 90) / 2 = 60 s → flagged.
      const fills = [
        ...trader({ start: T0, hours: 1, perHour: 20, holdMs: 30 * SECOND }),
        ...trader({ start: T0, hours: 1, perHour: 20, holdMs: 90 * SECOND }).map((f) => ({ ...f, coin: "OTHER" })),
      ];
      expect(botSignals(fills, buildRoundTrips(fills).closed).median_hold_ms).toBe(60 * SECOND);
      expect(flagged(fills)).toBe(true);
    });
    it("measures per active hour: 40 quick round trips over two clock hours is 20 per hour", () => {
      expect(flagged(trader({ start: T0, hours: 2, perHour: 20, holdMs: 5 * SECOND }))).toBe(false);
    });
  });

  describe("order arm boundaries (300 distinct orders per active hour)", () => {
    /** `n` fills in one clock hour that only add to a long (no round trip), `orders` distinct oids. */
    const adds = (n: number, orders: number): Fill[] =>
      Array.from({ length: n }, (_, i) =>
        fill({ coin: "ETH", side: "B", sz: "1", px: "10", time: T0 + i * 10, startPosition: String(i), oid: 1_000_000 + (i % orders) }),
      );
    it("flags 300 orders in an hour", () => {
      expect(flagged(adds(300, 300))).toBe(true);
    });
    it("does not flag 299", () => {
      expect(flagged(adds(299, 299))).toBe(false);
    });
    it("counts orders, not fills: 1,000 fills of 10 orders (a big order sweeping the book) is a person", () => {
      expect(flagged(adds(1_000, 10))).toBe(false);
    });
    it("ignores spot fills", () => {
      const spot = Array.from({ length: 400 }, (_, i) => spotFill({ side: "B", sz: "1", px: "1", time: T0 + i }));
      expect(flagged([...spot, fill({ coin: "ETH", side: "B", sz: "1", px: "10", time: T0, startPosition: "0" })])).toBe(false);
    });
  });

  describe("lookback: the 7 days ending at the newest perp fill", () => {
    const mm = trader({ start: T0, hours: 24, perHour: 84, holdMs: 5 * SECOND });

    it("forgets market-making older than 7 days before the newest fill", () => {
      // The MM day ends at T0 + 24 h; the slow week after it starts 8 days later.
      const later = trader({ start: T0 + 9 * DAY, hours: 7, perHour: 2, holdMs: 20 * MINUTE });
      expect(flagged([...mm, ...later])).toBe(false);
    });
  });

  it("leaves out round trips whose start we did not see", () => {
    const quick = (partial_start: boolean, i: number): RoundTrip => ({
      coin: "ETH",
      side: "long",
      opened_at: T0 + i * MINUTE,
      closed_at: T0 + i * MINUTE + SECOND,
      realized_pnl: "0",
      fees: "0",
      volume_usd: "0",
      fills: 2,
      hold_ms: SECOND,
      partial_start,
      missing_fills: false,
    });
    const fills = [fill({ coin: "ETH", side: "B", sz: "1", px: "1", time: T0 + 59 * MINUTE, startPosition: "0" })];
    const closed = [...Array.from({ length: 39 }, (_, i) => quick(false, i)), quick(true, 39)];
    // 39 known + 1 partial_start: 39 per hour, under 40.
    expect(botSignals(fills, closed).round_trips_per_active_hour).toBe(39);
    expect(botFlag(fills, closed)).toBe(false);
    expect(botFlag(fills, [...closed, quick(false, 40)])).toBe(true);
  });

  it("no fills: not a bot", () => {
    expect(botSignals([], [])).toEqual({ active_hours: 0, round_trips_per_active_hour: 0, median_hold_ms: null, orders_per_active_hour: 0 });
    expect(botFlag([], [])).toBe(false);
  });

  it("gives every window the same flag, even a month after the bot went quiet", () => {
    // Its last 7 days of activity are its own 24 h of market making, however long ago.
    const fills = trader({ start: T0, hours: 24, perHour: 84, holdMs: 5 * SECOND });
    const rows = computeTraderRows({ history: { address: "0xmm", fills, firstSeenAt: T0 }, equity: {}, now: T0 + 30 * DAY, updatedAt: "x" });
    expect(rows[0]).toMatchObject({ window: "1d", trades_count: 0 });
    expect(rows.map((r) => r.is_bot)).toEqual([true, true, true, true]);
  });
});
