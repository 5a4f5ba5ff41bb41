import { describe, expect, it } from "vitest";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
import { fill } from "./fills.js";

describe("buildRoundTrips", () => {
  it("open → add → partial close → close is one round trip", () => {
    const { closed, open } = buildRoundTrips([
      fill({ coin: "ETH", side: "B", sz: "2", px: "100", time: 1000, startPosition: "0", fee: "0.1" }),
      fill({ coin: "ETH", side: "B", sz: "1", px: "103", time: 2000, startPosition: "2", fee: "0.05" }),
      // Entry 101 after the add: 1.5 × (105 − 101) = 6.
      fill({ coin: "ETH", side: "A", sz: "1.5", px: "105", time: 3000, startPosition: "3", closedPnl: "6", fee: "0.08" }),
      // 1.5 × (99 − 101) = −3.
      fill({ coin: "ETH", side: "A", sz: "1.5", px: "99", time: 4000, startPosition: "1.5", closedPnl: "-3", fee: "0.07" }),
    ]);
    expect(open).toEqual([]);
    // PnL 6 − 3 − fees (0.1 + 0.05 + 0.08 + 0.07 = 0.3) = 2.7; volume 200 + 103 + 157.5 + 148.5 = 609.
    expect(closed).toEqual([
      {
        coin: "ETH",
        side: "long",
        opened_at: 1000,
        closed_at: 4000,
        realized_pnl: "2.7",
        fees: "0.3",
        volume_usd: "609",
        fills: 4,
        hold_ms: 3000,
        partial_start: false,
        missing_fills: false,
      },
    ]);
  });

  it("a flip closes one round trip and opens the next, splitting the fee by size", () => {
    const { closed, open } = buildRoundTrips([
      fill({ coin: "BTC", side: "A", sz: "1", px: "50", time: 1000, startPosition: "0", fee: "0.2" }),
      // Short 1 → long 2: 1 of 3 closes (fee 0.1 / 3 = 0.0333…33 at 20 dp), 2 open (0.0666…67, the remainder).
      fill({ coin: "BTC", side: "B", sz: "3", px: "40", time: 5000, startPosition: "-1", closedPnl: "10", fee: "0.1" }),
    ]);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      side: "short",
      opened_at: 1000,
      closed_at: 5000,
      fees: "0.23333333333333333333",
      realized_pnl: "9.76666666666666666667", // 10 − 0.2 − 0.0333…33
      volume_usd: "90", // 50 + 1 × 40
      fills: 2,
      hold_ms: 4000,
    });
    expect(open).toEqual([
      {
        coin: "BTC",
        side: "long",
        opened_at: 5000,
        closed_at: null,
        realized_pnl: "-0.06666666666666666667",
        fees: "0.06666666666666666667",
        volume_usd: "80", // 2 × 40
        fills: 1,
        hold_ms: null,
        partial_start: false,
        missing_fills: false,
      },
    ]);
  });

  it("orders fills that share a millisecond by tid, whatever the input order", () => {
    const close = fill({ coin: "SOL", side: "A", sz: "1", px: "20", time: 1000, startPosition: "1", tid: 2 });
    const opening = fill({ coin: "SOL", side: "B", sz: "1", px: "20", time: 1000, startPosition: "0", tid: 1 });
    const { closed } = buildRoundTrips([close, opening]);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ side: "long", partial_start: false, hold_ms: 0, fills: 2, volume_usd: "40" });
  });

  it("a self-trade leaves the position alone even when a half would flip it", () => {
    const { closed, open } = buildRoundTrips([
      fill({ coin: "SUI", side: "A", sz: "5", px: "1", time: 1000, startPosition: "0" }),
      // Both halves carry the position before the trade (−5); applied one by one, B 10 would fake a flip.
      fill({ coin: "SUI", side: "B", sz: "10", px: "0.9", time: 2000, startPosition: "-5", closedPnl: "0.5", hash: "0xself" }),
      fill({ coin: "SUI", side: "A", sz: "10", px: "0.9", time: 2000, startPosition: "-5", hash: "0xself" }),
      fill({ coin: "SUI", side: "B", sz: "5", px: "0.8", time: 3000, startPosition: "-5", closedPnl: "0.5" }),
    ]);
    expect(open).toEqual([]);
    // One short round trip: PnL 0.5 + 0.5; volume 5 + 9 + 9 + 4 = 27.
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ side: "short", realized_pnl: "1", volume_usd: "27", fills: 4, missing_fills: false });
  });

  it("marks a round trip open before the first fill as partial_start, and resyncs on a gap", () => {
    const { closed, open } = buildRoundTrips([
      fill({ coin: "OP", side: "B", sz: "3", px: "2", time: 1000, startPosition: "-3", closedPnl: "1" }),
      fill({ coin: "OP", side: "B", sz: "1", px: "2", time: 2000, startPosition: "0" }),
      // The exchange says we were short 2 here: the fills between are missing.
      fill({ coin: "OP", side: "A", sz: "1", px: "2", time: 3000, startPosition: "-2" }),
    ]);
    expect(closed.map((rt) => [rt.side, rt.partial_start, rt.missing_fills, rt.closed_at])).toEqual([
      ["short", true, false, 1000],
      ["long", false, true, 2000],
    ]);
    expect(open.map((rt) => [rt.side, rt.partial_start, rt.opened_at, rt.fills])).toEqual([["short", true, 3000, 1]]);
  });

  it("ignores spot fills", () => {
    const result = buildRoundTrips([
      fill({ coin: "@107", dir: "Buy", side: "B", sz: "1", px: "30", time: 1000, startPosition: "0" }),
      fill({ coin: "PURR/USDC", dir: "Sell", side: "A", sz: "1", px: "30", time: 2000, startPosition: "1" }),
    ]);
    expect(result).toEqual({ closed: [], open: [] });
  });
});
