import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import { dedupeFills } from "#domain/fills.js";

const f = (time: number, tid: number, hash: string, closedPnl = "0"): Fill => ({
  coin: "BTC", px: "100", sz: "1", side: "B", time, startPosition: "0", dir: "Open Long", closedPnl,
  hash, oid: tid, tid, fee: "0", feeToken: "USDC", crossed: true,
});

describe("dedupeFills", () => {
  it("orders by time, then tid, and keeps one copy of each fill (the last given)", () => {
    const out = dedupeFills([f(2, 5, "0xa"), f(1, 9, "0xb"), f(2, 3, "0xc"), f(2, 5, "0xa", "7"), f(1, 9, "0xb")]);
    expect(out.map((x) => [x.time, x.tid])).toEqual([[1, 9], [2, 3], [2, 5]]);
    expect(out[2]!.closedPnl).toBe("7");
  });

  it("keeps two different fills that share a tid (another hash), even interleaved with copies", () => {
    const out = dedupeFills([f(1, 4, "0xa"), f(1, 4, "0xb"), f(1, 4, "0xa", "2")]);
    expect(out.map((x) => [x.hash, x.closedPnl])).toEqual([["0xa", "2"], ["0xb", "0"]]);
  });

  it("returns an empty list for no fills", () => {
    expect(dedupeFills([])).toEqual([]);
  });
});
