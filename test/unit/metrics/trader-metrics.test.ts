import { describe, expect, it } from "vitest";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { dedupeFills } from "#domain/fills.js";
import { computeFillMetrics } from "#domain/metrics/fill-metrics.js";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { METRIC_WINDOWS, WINDOW_MS } from "#domain/metrics/types.js";
import { fill, randomHistory, roundTrip, spotFill } from "./fills.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const N = Date.UTC(2025, 0, 10, 12);
const UPDATED = "2025-01-10T12:00:00.000Z";

const byWindow = (rows: LeaderboardRow[]): Record<string, LeaderboardRow> => Object.fromEntries(rows.map((r) => [r.window, r]));

describe("computeTraderRows", () => {
  const fills = [
    // ETH long, inside every window: 2 × (110 − 100) = 20 − fees 0.2 = 19.8; held 1 h.
    ...roundTrip({ coin: "ETH", side: "long", sz: "2", px: "100", exitPx: "110", time: N - 3 * HOUR, holdMs: HOUR, closedPnl: "20", fee: "0.1" }),
    // BTC short closing at exactly now − 1 day: outside 1d (its start is exclusive), inside 7d.
    // −50 − fees 1 = −51; held 1 h.
    ...roundTrip({ coin: "BTC", side: "short", sz: "1", px: "1000", exitPx: "1050", time: N - DAY - HOUR, holdMs: HOUR, closedPnl: "-50", fee: "0.5" }),
    // SOL long 10 days ago: +30, no fee; held 4 h.
    ...roundTrip({ coin: "SOL", side: "long", sz: "10", px: "20", exitPx: "23", time: N - 10 * DAY, holdMs: 4 * HOUR, closedPnl: "30" }),
    // ETH long 40 days ago: −10; held 30 min.
    ...roundTrip({ coin: "ETH", side: "long", sz: "1", px: "50", exitPx: "40", time: N - 40 * DAY, holdMs: HOUR / 2, closedPnl: "-10" }),
    // A DOGE open at exactly now counts everywhere; its close 1 ms later is after now and counts nowhere.
    fill({ coin: "DOGE", side: "B", sz: "100", px: "0.1", time: N, startPosition: "0", fee: "0.01" }),
    fill({ coin: "DOGE", side: "A", sz: "100", px: "0.2", time: N + 1, startPosition: "100", closedPnl: "10" }),
    // Spot, 100.5 days ago: the account's first fill, ignored by every other figure.
    spotFill({ side: "B", sz: "1000", px: "1", time: N - 100 * DAY - 12 * HOUR }),
  ];
  const rows = computeTraderRows({
    history: { address: "0xAbCdEF0000000000000000000000000000000001", fills, firstSeenAt: N - HOUR },
    equity: { "7d": { max_drawdown: 0.2, roi: 0.1, sharpe: 1.5 }, "1d": null },
    now: N,
    updatedAt: UPDATED,
  });
  const w = byWindow(rows);

  it("gives one unscored row per window, in order, keyed by the lower-case address", () => {
    expect(rows.map((r) => r.window)).toEqual(["1d", "7d", "30d", "all"]);
    for (const r of rows) {
      expect(r).toMatchObject({
        trader_id: "0xabcdef0000000000000000000000000000000001",
        trader_address: "0xabcdef0000000000000000000000000000000001",
        // floor(100.5) days since the spot fill, in every window.
        account_age_days: 100,
        score: null,
        is_bot: false,
        updated_at: UPDATED,
      });
    }
  });

  it("1d: the ETH round trip and the DOGE open at now", () => {
    expect(w["1d"]).toMatchObject({
      trades_count: 3,
      total_volume_usd: "430", // 200 + 220 + 10
      fees_usd: "0.21", // 0.1 + 0.1 + 0.01
      realized_pnl_usd: "19.79", // 20 − 0.21
      round_trips: 1,
      win_rate: 1,
      avg_risk_ratio: null,
      profit_factor: null,
      profit_factor_infinite: true, // a win and no loss
      max_profit_usd: "19.8",
      max_loss_usd: null,
      avg_hold_hours: 1,
    });
  });

  it("7d: adds the BTC loss closed at exactly now − 1 day", () => {
    expect(w["7d"]).toMatchObject({
      trades_count: 5,
      total_volume_usd: "2480", // 430 + 1000 + 1050
      fees_usd: "1.21",
      realized_pnl_usd: "-31.21", // 20 − 50 − 1.21
      round_trips: 2,
      win_rate: 0.5,
      profit_factor_infinite: false,
      max_profit_usd: "19.8",
      max_loss_usd: "51",
      avg_hold_hours: 1,
    });
    expect(w["7d"]!.avg_risk_ratio).toBeCloseTo(19.8 / 51, 14); // one win, one loss
    expect(w["7d"]!.profit_factor).toBeCloseTo(19.8 / 51, 14);
  });

  it("30d: adds the SOL win", () => {
    expect(w["30d"]).toMatchObject({
      trades_count: 7,
      total_volume_usd: "2910", // 2480 + 200 + 230
      fees_usd: "1.21",
      realized_pnl_usd: "-1.21", // 20 − 50 + 30 − 1.21
      round_trips: 3,
      max_profit_usd: "30",
      max_loss_usd: "51",
      avg_hold_hours: 2, // (1 + 1 + 4) / 3
    });
    expect(w["30d"]!.win_rate).toBeCloseTo(2 / 3, 14);
    expect(w["30d"]!.avg_risk_ratio).toBeCloseTo((49.8 / 2) / 51, 14);
    expect(w["30d"]!.profit_factor).toBeCloseTo(49.8 / 51, 14);
  });

  it("all: adds the 40-day-old loss", () => {
    expect(w.all).toMatchObject({
      trades_count: 9,
      total_volume_usd: "3000", // 2910 + 50 + 40
      realized_pnl_usd: "-11.21",
      round_trips: 4,
      win_rate: 0.5,
      max_loss_usd: "51",
      avg_hold_hours: 1.625, // (1 + 1 + 4 + 0.5) / 4
    });
    expect(w.all!.avg_risk_ratio).toBeCloseTo((49.8 / 2) / (61 / 2), 14);
    expect(w.all!.profit_factor).toBeCloseTo(49.8 / 61, 14);
  });

  it("takes equity figures per window and leaves them null when missing", () => {
    expect(w["7d"]).toMatchObject({ max_drawdown: 0.2, roi: 0.1, sharpe: 1.5 });
    for (const name of ["1d", "30d", "all"]) expect(w[name]).toMatchObject({ max_drawdown: null, roi: null, sharpe: null });
  });

  it("counts a fill delivered twice once", () => {
    const [open, close] = roundTrip({ coin: "ETH", side: "long", sz: "1", px: "10", exitPx: "12", time: N - HOUR, holdMs: 60_000, closedPnl: "2" });
    const [r] = computeTraderRows({
      history: { address: "0x1", fills: [open, close, { ...close }, { ...open }], firstSeenAt: N },
      equity: {},
      now: N,
      updatedAt: UPDATED,
    });
    expect(r).toMatchObject({ trades_count: 2, total_volume_usd: "22", realized_pnl_usd: "2", round_trips: 1 });
  });

  it("reads amounts written in exponent notation exactly", () => {
    const [r] = computeTraderRows({
      history: {
        address: "0x1",
        fills: [fill({ coin: "ETH", side: "B", sz: "2e-3", px: "1.5e3", time: N - HOUR, startPosition: "0", fee: "1e-7" })],
        firstSeenAt: N,
      },
      equity: {},
      now: N,
      updatedAt: UPDATED,
    });
    // 0.002 × 1500 = 3; fee 0.0000001.
    expect(r).toMatchObject({ total_volume_usd: "3", fees_usd: "0.0000001", realized_pnl_usd: "-0.0000001" });
  });

  it("falls back to firstSeenAt without fills and never gives a negative age", () => {
    const age = (firstSeenAt: number, fills = [] as ReturnType<typeof fill>[]): number =>
      computeTraderRows({ history: { address: "0x1", fills, firstSeenAt }, equity: {}, now: N, updatedAt: UPDATED })[0]!.account_age_days;
    expect(age(N - 36 * HOUR)).toBe(1); // 1.5 days → 1
    expect(age(N - DAY)).toBe(1); // exactly one day
    expect(age(N + DAY)).toBe(0); // first seen after now (clock skew): 0, not −1
    // A fill, even a recent one, wins over an older firstSeenAt.
    expect(age(N - 50 * DAY, [fill({ coin: "ETH", side: "B", sz: "1", px: "1", time: N - 3 * DAY, startPosition: "0" })])).toBe(3);
  });

  // Cross-check with ./fill-metrics.ts, which computes the same figures for one window the plain
  // way (filter, big.js): the nested one-pass sums must agree field for field.
  it.each([1, 2, 3, 4, 5])("agrees with computeFillMetrics on random history %i", (seed) => {
    const from = N - 60 * DAY;
    const fills = randomHistory(seed, 400, from, N + 5 * DAY);
    const now = N - (seed % 2) * 7 * HOUR;
    const rows = computeTraderRows({ history: { address: "0x1", fills, firstSeenAt: N }, equity: {}, now, updatedAt: UPDATED });
    const upToNow = dedupeFills(fills).filter((f) => f.time <= now);
    const { closed } = buildRoundTrips(upToNow);
    for (const [i, window] of METRIC_WINDOWS.entries()) {
      const ms = WINDOW_MS[window];
      const m = computeFillMetrics(upToNow, closed, { from: ms === null ? -Infinity : now - ms + 1, to: now + 1 });
      const row = rows[i]!;
      expect(row.trades_count).toBeGreaterThan(0);
      expect(row).toMatchObject({
        window,
        total_volume_usd: m.total_volume_usd,
        trades_count: m.trades_count,
        win_rate: m.win_rate,
        avg_risk_ratio: m.avg_risk_ratio,
        profit_factor: m.profit_factor,
        profit_factor_infinite: m.profit_factor_infinite,
        max_profit_usd: m.max_profit_usd,
        max_loss_usd: m.max_loss_usd,
        realized_pnl_usd: m.realized_pnl_usd,
        fees_usd: m.fees_usd,
        avg_hold_hours: m.avg_hold_hours,
        round_trips: m.closed_round_trips,
      });
    }
  });
});
