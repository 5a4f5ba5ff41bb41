import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import { compareFills, dedupeFills } from "#domain/fills.js";
import { createPrng } from "#simulator/prng.js";

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

  it("returns fills already in order as they are, in a new array", () => {
    const fills = [f(1, 1, "0xa"), f(1, 2, "0xb"), f(2, 1, "0xc")];
    const out = dedupeFills(fills);
    expect(out).toEqual(fills);
    expect(out).not.toBe(fills);
  });

  // The rule spelled the plain way: group by (time, tid, hash), the last copy given wins, groups
  // in (time, tid) order, fills sharing a tid in the order their hash first appears.
  const naive = (fills: Fill[]): Fill[] => {
    const groups = new Map<string, Map<string, Fill>>();
    for (const x of fills) {
      const key = `${x.time}/${x.tid}`;
      if (!groups.has(key)) groups.set(key, new Map());
      groups.get(key)!.set(x.hash, x);
    }
    return [...groups.values()].flatMap((g) => [...g.values()]).sort(compareFills);
  };

  it("agrees with the rule on random histories: in order or not, with copies or not", () => {
    const rng = createPrng(21);
    for (let k = 0; k < 500; k++) {
      const n = rng.int(40);
      let fills = Array.from({ length: n }, (_, i) => f(rng.chance(0.5) ? i : rng.int(10), rng.int(4), `0x${rng.int(3)}`, String(i)));
      if (rng.chance(0.4)) fills = [...new Map(fills.map((x) => [`${x.time}/${x.tid}`, x])).values()].sort(compareFills);
      expect(dedupeFills(fills)).toEqual(naive(fills));
    }
  });
});
