import { describe, expect, it } from "vitest";
import { planOrders, type OrderPlanInput } from "#domain/copy/orders.js";
import { midOf, szDecimalsOf } from "./recorded-market.js";

// Recorded mids: BTC 30,135 (limits 30,285 buy / 29,985 sell at 50 bps), ETH 1,903.95 (1,913.4 / 1,894.5),
// DOGE 0.069277 (0.069623 / 0.068931): worked out in exchange-rules.test.ts.
const plan = (coin: string, actualSzi: string, targetSzi: string, extra: Partial<OrderPlanInput> = {}) =>
  planOrders({ coin, actualSzi, targetSzi, mid: midOf(coin), szDecimals: szDecimalsOf(coin), maxSlippageBps: 50, ...extra });

describe("orders from target − actual", () => {
  it("sends nothing when the follower is on target", () => {
    expect(plan("BTC", "0.5", "0.50")).toEqual({ orders: [], carried: "0", skipped: [] });
  });

  it("opens with a buy rounded down to szDecimals and carries the lot remainder", () => {
    // 0.0123456 → 0.01234 (5 places); 0.01234 × 30,285 = $373.72 ≥ $10; left: 0.0000056
    expect(plan("BTC", "0", "0.0123456")).toEqual({
      orders: [{ coin: "BTC", isBuy: true, size: "0.01234", limitPrice: "30285", reduceOnly: false, leg: 0 }],
      carried: "0.0000056",
      skipped: [],
    });
  });

  it("reductions and closes are reduce-only; increases are not, either side", () => {
    expect(plan("BTC", "0.5", "0.2").orders).toEqual([{ coin: "BTC", isBuy: false, size: "0.3", limitPrice: "29985", reduceOnly: true, leg: 0 }]);
    expect(plan("ETH", "-1.5", "0").orders).toEqual([{ coin: "ETH", isBuy: true, size: "1.5", limitPrice: "1913.4", reduceOnly: true, leg: 0 }]);
    expect(plan("ETH", "-1", "-1.2").orders).toEqual([{ coin: "ETH", isBuy: false, size: "0.2", limitPrice: "1894.5", reduceOnly: false, leg: 0 }]);
  });

  it("a flip is a reduce-only close (leg 0) then an open (leg 1)", () => {
    expect(plan("BTC", "0.5", "-0.3")).toEqual({
      orders: [
        { coin: "BTC", isBuy: false, size: "0.5", limitPrice: "29985", reduceOnly: true, leg: 0 },
        { coin: "BTC", isBuy: false, size: "0.3", limitPrice: "29985", reduceOnly: false, leg: 1 },
      ],
      carried: "0",
      skipped: [],
    });
  });

  it("a flip whose close is under $10 still closes first: a whole position goes whatever it is worth", () => {
    // Closing 0.0002 BTC is 0.0002 × 29,985 = $6.00, under $10 but the whole position; the short opens after it.
    expect(plan("BTC", "0.0002", "-0.01").orders).toEqual([
      { coin: "BTC", isBuy: false, size: "0.0002", limitPrice: "29985", reduceOnly: true, leg: 0 },
      { coin: "BTC", isBuy: false, size: "0.01", limitPrice: "29985", reduceOnly: false, leg: 1 },
    ]);
    // Into a short under $10 (0.0001 × 29,985 = $3.00): the long closes, the short is carried.
    expect(plan("BTC", "0.0002", "-0.0001")).toEqual({
      orders: [{ coin: "BTC", isBuy: false, size: "0.0002", limitPrice: "29985", reduceOnly: true, leg: 0 }],
      carried: "-0.0001",
      skipped: [{ leg: 1, reason: "below_minimum_notional" }],
    });
  });
});

describe("the $10 minimum notional", () => {
  it("sends nothing below it, valued at the limit price, and carries the whole size", () => {
    // 0.0003 BTC × 30,285 = $9.0855 < $10
    expect(plan("BTC", "0", "0.0003")).toEqual({ orders: [], carried: "0.0003", skipped: [{ leg: 0, reason: "below_minimum_notional" }] });
    // DOGE (szDecimals 0) buy at 0.069623: 143 → $9.956089 (not sent), 144 → $10.025712 (sent)
    expect(plan("DOGE", "0", "143").orders).toEqual([]);
    expect(plan("DOGE", "0", "144").orders).toEqual([{ coin: "DOGE", isBuy: true, size: "144", limitPrice: "0.069623", reduceOnly: false, leg: 0 }]);
    // Selling 144 at 0.068931 is only $9.926064: not sent.
    expect(plan("DOGE", "0", "-144")).toMatchObject({ orders: [], carried: "-144" });
  });

  it("holds reductions to it, but not the close of a whole position", () => {
    // Closing all of 0.0002 BTC ($6.00 at 29,985) goes, reduce-only.
    expect(plan("BTC", "0.0002", "0")).toEqual({
      orders: [{ coin: "BTC", isBuy: false, size: "0.0002", limitPrice: "29985", reduceOnly: true, leg: 0 }],
      carried: "0",
      skipped: [],
    });
    // Reducing 0.0005 to 0.0002 sells 0.0003 ($9.00): not the whole position, so held back and carried.
    expect(plan("BTC", "0.0005", "0.0002")).toEqual({ orders: [], carried: "-0.0003", skipped: [{ leg: 0, reason: "below_minimum_notional" }] });
  });

  it("the residue is not lost: the next target trades it together with the new change", () => {
    const first = plan("BTC", "0", "0.0003");
    expect(first.carried).toBe("0.0003");
    // The leader adds as much again; the follower still holds 0, so 0.0006 goes: 0.0006 × 30,285 = $18.17.
    expect(plan("BTC", "0", "0.0006").orders).toEqual([{ coin: "BTC", isBuy: true, size: "0.0006", limitPrice: "30285", reduceOnly: false, leg: 0 }]);
  });
});

describe("max_signal_age_seconds", () => {
  const aged = (signalAgeSeconds: number) => ({ maxSignalAgeSeconds: 30, signalAgeSeconds });

  it("an old signal opens and increases nothing", () => {
    expect(plan("BTC", "0", "0.1", aged(31))).toEqual({ orders: [], carried: "0.1", skipped: [{ leg: 0, reason: "stale_signal" }] });
    expect(plan("ETH", "-1", "-1.2", aged(31)).orders).toEqual([]);
  });

  it("a signal exactly at the limit is not old", () => {
    expect(plan("BTC", "0", "0.1", aged(30)).orders).toHaveLength(1);
  });

  it("reductions and closes are always followed; of an old flip only the close", () => {
    expect(plan("BTC", "0.5", "0.2", aged(3600)).orders).toEqual([
      { coin: "BTC", isBuy: false, size: "0.3", limitPrice: "29985", reduceOnly: true, leg: 0 },
    ]);
    expect(plan("BTC", "0.5", "-0.3", aged(3600))).toEqual({
      orders: [{ coin: "BTC", isBuy: false, size: "0.5", limitPrice: "29985", reduceOnly: true, leg: 0 }],
      carried: "-0.3",
      skipped: [{ leg: 1, reason: "stale_signal" }],
    });
  });
});
