import { describe, expect, it } from "vitest";
import { decStr, sumDec } from "#commons/decimal.js";
import { computeFillMetrics } from "#domain/metrics/fill-metrics.js";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { botSignals } from "#domain/metrics/bots.js";
import { recordedFills } from "./fills.js";

/** Equal to `sig` significant digits. */
const expectClose = (actual: number | null, expected: number, sig = 12): void => {
  expect(actual).not.toBeNull();
  expect(Number((actual as number).toPrecision(sig))).toBe(Number(expected.toPrecision(sig)));
};

describe("metrics of userFills.recorded.json", () => {
  const fills = recordedFills();
  const { closed, open } = buildRoundTrips(fills);
  const window = { from: Math.min(...fills.map((f) => f.time)), to: Math.max(...fills.map((f) => f.time)) + 1 };
  const m = computeFillMetrics(fills, closed, window);

  // Expected figures printed by `python3 test/unit/metrics/derive_expected.py`, an independent
  // implementation in decimal.Decimal of the same rules. It found 83 self-trade pairs and 1 gap
  // (the oldest SUI fill's other half fell outside the 500). All fees in this recording are 0.
  it("finds the round trips", () => {
    expect(closed).toHaveLength(32);
    expect(open).toEqual([]);
    expect(closed.filter((rt) => rt.partial_start)).toHaveLength(15);
    expect(closed.filter((rt) => rt.missing_fills)).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      coin: "SUI",
      side: "short",
      opened_at: 1683245555699,
      closed_at: 1683245645188,
      realized_pnl: "0.484138",
      fees: "0",
      volume_usd: "7371.11283",
      fills: 54,
      partial_start: true,
      missing_fills: true,
    });
  });

  it("computes the fill metrics over every fill", () => {
    expect(m).toMatchObject({
      total_volume_usd: "229031.090328",
      trades_count: 500,
      fees_usd: "0",
      realized_pnl_usd: "-152.586132",
      max_profit_usd: "6.815877",
      max_loss_usd: "22.008732",
      profit_factor_infinite: false,
      // 17 counted round trips (32 closed − 15 partial_start; the missing_fills one is also partial_start).
      closed_round_trips: 17,
      winning_round_trips: 5,
      losing_round_trips: 12,
    });
    expectClose(m.win_rate, 0.294117647058824); // 5 / 17
    expectClose(m.avg_risk_ratio, 0.566405964789357);
    expectClose(m.profit_factor, 0.236002485328899);
    expectClose(m.avg_hold_hours, 0.0158108823529412);
  });

  it("sums counted round-trip PnL to the script's figure", () => {
    const counted = closed.filter((rt) => !rt.partial_start && !rt.missing_fills);
    // Script: "sum of counted round-trip PnL: -39.812375".
    expect(decStr(sumDec(counted.map((rt) => rt.realized_pnl)))).toBe("-39.812375");
  });
});

describe("leaderboard rows of userFills.recorded.json", () => {
  // now = oldest fill + 1 day + 3 min: the 1d window (now − 1 day, now] starts 3 minutes into the
  // 5½-minute recording and cuts it; 7d, 30d and all hold all 500 fills.
  const now = 1683245555699 + 86_400_000 + 180_000;
  const rows = computeTraderRows({
    history: { address: "0xB7B6F3CEA3F66BF525F5D8F965F6DBF6D9B017B2", fills: recordedFills(), firstSeenAt: now },
    equity: {},
    now,
    updatedAt: "2023-05-06T00:00:00.000Z",
  });

  // Expected values printed by `python3 test/unit/metrics/derive_expected.py` (section "rows").
  const whole = {
    trades_count: 500,
    total_volume_usd: "229031.090328",
    fees_usd: "0",
    realized_pnl_usd: "-152.586132",
    round_trips: 17,
    win_rate: 0.294117647058824,
    avg_risk_ratio: 0.566405964789357,
    profit_factor: 0.236002485328899,
    max_profit_usd: "6.815877",
    max_loss_usd: "22.008732",
    avg_hold_hours: 0.0158108823529412,
  };
  const expected = {
    "1d": {
      trades_count: 159,
      total_volume_usd: "142396.900989",
      fees_usd: "0",
      realized_pnl_usd: "-158.211572",
      round_trips: 10,
      win_rate: 0.1,
      avg_risk_ratio: 0.942252851903762,
      profit_factor: 0.10469476132264,
      max_profit_usd: "5.421716",
      max_loss_usd: "22.008732",
      avg_hold_hours: 0.0249751666666667,
    },
    "7d": whole,
    "30d": whole,
    all: whole,
  };

  it.each(["1d", "7d", "30d", "all"] as const)("matches the independent derivation in %s", (window) => {
    const row = rows.find((r) => r.window === window)!;
    const e = expected[window];
    expect(row).toMatchObject({
      trader_id: "0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2",
      trades_count: e.trades_count,
      total_volume_usd: e.total_volume_usd,
      fees_usd: e.fees_usd,
      realized_pnl_usd: e.realized_pnl_usd,
      round_trips: e.round_trips,
      max_profit_usd: e.max_profit_usd,
      max_loss_usd: e.max_loss_usd,
      profit_factor_infinite: false,
      // (now − oldest) = 1 day + 3 min → 1 whole day.
      account_age_days: 1,
      max_drawdown: null,
      roi: null,
      sharpe: null,
      score: null,
    });
    expectClose(row.win_rate, e.win_rate);
    expectClose(row.avg_risk_ratio, e.avg_risk_ratio);
    expectClose(row.profit_factor, e.profit_factor);
    expectClose(row.avg_hold_hours, e.avg_hold_hours);
  });

  it("flags the account as a bot in every window", () => {
    // Script: 1 active hour, 424 distinct orders (≥ 300 per active hour); the round-trip arm alone
    // would not flag it (17 round trips in the hour, median hold 58,266 ms).
    expect(rows.map((r) => r.is_bot)).toEqual([true, true, true, true]);
    const fills = recordedFills();
    expect(botSignals(fills, buildRoundTrips(fills).closed)).toEqual({
      active_hours: 1,
      round_trips_per_active_hour: 17,
      median_hold_ms: 58266,
      orders_per_active_hour: 424,
    });
  });
});
