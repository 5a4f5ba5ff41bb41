import { describe, expect, it } from "vitest";
import { baseWeight, surcharge } from "#hyperliquid/weights.js";

describe("info request weights (Hyperliquid docs, rate limits)", () => {
  it.each([
    ["clearinghouseState", 2],
    ["allMids", 2],
    ["l2Book", 2],
    ["orderStatus", 2],
    ["spotClearinghouseState", 2],
    ["exchangeStatus", 2],
    ["userRole", 60],
    ["meta", 20],
    ["recentTrades", 20],
    ["userFillsByTime", 20],
    ["portfolio", 20],
    ["somethingNew", 20],
  ])("%s costs %i before sending", (type, weight) => {
    expect(baseWeight(type)).toBe(weight);
  });

  it("adds one unit per 20 items for the list requests, per 60 for candles, nothing for others", () => {
    expect(surcharge("userFills", 19)).toBe(0);
    expect(surcharge("userFills", 20)).toBe(1);
    expect(surcharge("userFillsByTime", 2_000)).toBe(100);
    expect(surcharge("recentTrades", 45)).toBe(2);
    expect(surcharge("userNonFundingLedgerUpdates", 40)).toBe(2);
    expect(surcharge("candleSnapshot", 120)).toBe(2);
    expect(surcharge("clearinghouseState", 500)).toBe(0);
    expect(surcharge("userFunding", 0)).toBe(0);
  });
});
