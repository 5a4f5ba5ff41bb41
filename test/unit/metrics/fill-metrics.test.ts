import { describe, expect, it } from "vitest";
import { computeFillMetrics } from "#domain/metrics/fill-metrics.js";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
import { fill } from "./fills.js";

const HOUR = 3_600_000;
const fills = [
  // Long win: 10 × (12 − 10) = 20, fee 1 → 19; held 1 h.
  fill({ coin: "ETH", side: "B", sz: "10", px: "10", time: 0, startPosition: "0", fee: "0.5" }),
  fill({ coin: "ETH", side: "A", sz: "10", px: "12", time: HOUR, startPosition: "10", closedPnl: "20", fee: "0.5" }),
  // Short loss: −5, no fee; held 3 h.
  fill({ coin: "BTC", side: "A", sz: "1", px: "100", time: 0, startPosition: "0" }),
  fill({ coin: "BTC", side: "B", sz: "1", px: "105", time: 3 * HOUR, startPosition: "-1", closedPnl: "-5" }),
  // partial_start win: left out of round-trip figures, but its fill counts in volume and PnL.
  fill({ coin: "SOL", side: "B", sz: "2", px: "20", time: HOUR, startPosition: "-2", closedPnl: "7" }),
  // Spot: ignored everywhere.
  fill({ coin: "@1", dir: "Buy", side: "B", sz: "1", px: "1000", time: HOUR, startPosition: "0" }),
];

describe("computeFillMetrics", () => {
  it("derives every figure from fills and counted round trips", () => {
    const { closed } = buildRoundTrips(fills);
    expect(computeFillMetrics(fills, closed, { from: 0, to: 4 * HOUR })).toEqual({
      total_volume_usd: "465", // 100 + 120 + 100 + 105 + 40
      trades_count: 5,
      win_rate: 0.5, // 1 win of 2 counted (SOL is partial_start)
      avg_risk_ratio: 3.8, // 19 / 5
      profit_factor: 3.8,
      profit_factor_infinite: false,
      max_profit_usd: "19",
      max_loss_usd: "5",
      realized_pnl_usd: "21", // 20 − 5 + 7 − 1
      fees_usd: "1",
      avg_hold_hours: 2, // (1 + 3) / 2
      closed_round_trips: 2,
      winning_round_trips: 1,
      losing_round_trips: 1,
    });
  });

  it("flags an infinite profit factor and bounds the window by close time", () => {
    const { closed } = buildRoundTrips(fills);
    // [0, 2 h): the BTC loss closes at 3 h, so only the ETH win counts.
    const m = computeFillMetrics(fills, closed, { from: 0, to: 2 * HOUR });
    expect(m).toMatchObject({
      win_rate: 1,
      avg_risk_ratio: null,
      profit_factor: null,
      profit_factor_infinite: true,
      max_loss_usd: null,
      trades_count: 4,
      total_volume_usd: "360", // 100 + 120 + 100 (BTC open) + 20 × 2
    });
  });

  it("gives nulls when nothing closed", () => {
    const m = computeFillMetrics([], [], { from: 0, to: 1 });
    expect(m).toMatchObject({ win_rate: null, avg_risk_ratio: null, profit_factor: null, profit_factor_infinite: false, avg_hold_hours: null, total_volume_usd: "0", realized_pnl_usd: "0" });
  });
});
