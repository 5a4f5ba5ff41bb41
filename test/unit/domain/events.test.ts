import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { buildEvent, eventId } from "#domain/events.js";
import type { Fill } from "#domain/exchange.js";
import { dedupeFills, isPerpFill, summarizeFills } from "#domain/fills.js";
import { diffPositions } from "#domain/positions.js";

const addr = "0x5e9ee1089755c3435139848e47e6635505d5a13a" as Address;
const fill = (over: Partial<Fill>): Fill => ({
  coin: "BTC", px: "100", sz: "1", side: "B", time: 1, startPosition: "0", dir: "Open Long",
  closedPnl: "0", hash: "0xh", oid: 1, tid: 1, fee: "0.045", feeToken: "USDC", crossed: true, ...over,
});

describe("buildEvent", () => {
  it("keeps the original API's field names and adds exact fill figures", () => {
    const [change] = diffPositions({ BTC: { szi: "1", entryPx: "100", leverage: { type: "cross", value: 10 } } }, {});
    const fills = [
      fill({ px: "110", sz: "0.4", side: "A", dir: "Close Long", closedPnl: "4", fee: "0.0198", tid: 2, time: 5 }),
      fill({ px: "111", sz: "0.6", side: "A", dir: "Close Long", closedPnl: "6.6", fee: "0.02997", tid: 3, time: 6 }),
      fill({ coin: "ETH", tid: 4 }),
    ];
    const e = buildEvent(addr, 7, change!, fills, Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(e.id).toBe(eventId(addr, 7, "BTC"));
    expect(e).toMatchObject({ trader_id: addr, trader_address: addr, event_type: "CLOSE_POSITION", timestamp: "2025-01-02T03:04:05.000Z" });
    expect(e.details).toMatchObject({
      coin: "BTC", side: "LONG", size: "0", previous_size: "1", size_delta: "-1", entry_price: "100",
      leverage: 10, leverage_type: "cross", fill_count: 2,
      // VWAP = (110×0.4 + 111×0.6) / 1 = (44 + 66.6) / 1 = 110.6
      execution_price: "110.6",
      // fees 0.0198 + 0.02997 = 0.04977 ; realized 4 + 6.6 = 10.6
      fees: "0.04977", realized_pnl: "10.6", filled_size: "1", tids: [2, 3],
    });
  });

  it("gives the same id for the same transition and a different one for another version", () => {
    expect(eventId(addr, 1, "BTC")).toBe(eventId(addr, 1, "BTC"));
    expect(eventId(addr, 1, "BTC")).not.toBe(eventId(addr, 2, "BTC"));
  });
});

describe("fills", () => {
  it("dedupes by tid and orders fills sharing a millisecond by tid", () => {
    const out = dedupeFills([fill({ tid: 9, time: 5 }), fill({ tid: 3, time: 5 }), fill({ tid: 9, time: 5 }), fill({ tid: 1, time: 7 })]);
    expect(out.map((f) => f.tid)).toEqual([3, 9, 1]);
  });

  it("ignores spot fills", () => {
    expect(isPerpFill(fill({ coin: "@107", dir: "Buy" }))).toBe(false);
    expect(isPerpFill(fill({ coin: "PURR/USDC", dir: "Sell" }))).toBe(false);
    expect(isPerpFill(fill({}))).toBe(true);
  });

  it("summarizes no fills as nulls and zeros, not invented numbers", () => {
    expect(summarizeFills([])).toMatchObject({ fill_count: 0, execution_price: null, fees: "0", realized_pnl: "0" });
  });
});
