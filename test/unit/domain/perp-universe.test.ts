import { describe, expect, it } from "vitest";
import type { CallOptions, ExchangePort, PerpAsset } from "#domain/exchange.js";
import { isPerpFill, isPerpFillIn } from "#domain/fills.js";
import { computeFillMetrics } from "#domain/metrics/fill-metrics.js";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
import { cachedPerpUniverse, dexOfCoin, fetchPerpUniverse } from "#domain/perp-universe.js";
import { fill } from "../metrics/fills.js";

/**
 * What is a perp fill: a fill whose coin a perp dex lists (the main one or a builder-deployed one).
 * The fills endpoints return outcome-market settlements and spot fills beside perp fills; they
 * count in no perp figure. The coins are the exchange's own names (recorded `#118440` settlement).
 */

const asset = (name: string): PerpAsset => ({ name, szDecimals: 2, maxLeverage: 10, isDelisted: false });

/** An exchange with the main dex (BTC, ETH) and the builder dex xyz (xyz:TSLA, xyz:NVDA). */
const exchange = (calls: string[] = []): Pick<ExchangePort, "perpDexs" | "perpMeta"> => ({
  perpDexs: async () => {
    calls.push("perpDexs");
    return [{ name: "xyz", fullName: "XYZ" }];
  },
  perpMeta: async (_o: CallOptions, dex = "") => {
    calls.push(`meta:${dex}`);
    return dex === "xyz" ? [asset("xyz:TSLA"), asset("xyz:NVDA")] : [asset("BTC"), asset("ETH")];
  },
});

const CALL: CallOptions = { lane: "tracking" };
const settlement = fill({ coin: "#118440", dir: "Settlement", side: "A", sz: "1000", px: "1.0", time: 2, startPosition: "1000", closedPnl: "400" });
const spot = fill({ coin: "@107", dir: "Buy", side: "B", sz: "3", px: "35.5", time: 2, startPosition: "0" });
const pair = fill({ coin: "PURR/USDC", dir: "Sell", side: "A", sz: "100", px: "0.2", time: 2, startPosition: "100" });
const tsla = [
  fill({ coin: "xyz:TSLA", dir: "Open Long", side: "B", sz: "2", px: "430", time: 1, startPosition: "0" }),
  fill({ coin: "xyz:TSLA", dir: "Close Long", side: "A", sz: "2", px: "440", time: 3, startPosition: "2", closedPnl: "20" }),
];

describe("the perp universe", () => {
  it("lists every coin of every perp dex with its dex, from perpDexs and each dex's meta", async () => {
    const calls: string[] = [];
    const u = await fetchPerpUniverse(exchange(calls), CALL, 0);
    expect(u.dexes).toEqual(["xyz"]);
    expect([...u.coins]).toEqual([["BTC", ""], ["ETH", ""], ["xyz:TSLA", "xyz"], ["xyz:NVDA", "xyz"]]);
    expect(calls).toEqual(["perpDexs", "meta:", "meta:xyz"]);
  });

  it("is fetched once per max age, and an older one is served while a refresh fails", async () => {
    const calls: string[] = [];
    let now = 0;
    let fail = false;
    const ex = exchange(calls);
    const source = cachedPerpUniverse(
      { ...ex, perpDexs: async (o) => (fail ? Promise.reject(new Error("down")) : ex.perpDexs(o)) },
      { call: CALL, maxAgeMs: 1_000, now: () => now },
    );
    await Promise.all([source(), source()]);
    now = 999;
    await source();
    expect(calls.filter((c) => c === "perpDexs")).toHaveLength(1);
    now = 1_000;
    fail = true;
    expect((await source()).coins.has("xyz:TSLA")).toBe(true);
  });

  it("names a coin's dex: builder coins carry it, main-dex coins are the empty dex", () => {
    expect(dexOfCoin("xyz:TSLA")).toBe("xyz");
    expect(dexOfCoin("BTC")).toBe("");
    expect(dexOfCoin("kPEPE")).toBe("");
  });
});

describe("what counts as a perp fill", () => {
  it("with the universe: a builder dex's fill counts; a settlement, a spot fill and a spot pair do not", async () => {
    const isPerp = isPerpFillIn(await fetchPerpUniverse(exchange(), CALL, 0));
    expect([...tsla, settlement, spot, pair].map(isPerp)).toEqual([true, true, false, false, false]);
  });

  it("on stored fills (no universe at hand): the coin's form refuses settlements (#N), spot (@N, A/B)", () => {
    expect([...tsla, settlement, spot, pair].map(isPerpFill)).toEqual([true, true, false, false, false]);
  });

  it("a settlement adds nothing to volume, trades or PnL; the xyz:TSLA round trip counts", () => {
    const fills = [tsla[0]!, settlement, spot, tsla[1]!];
    const { closed } = buildRoundTrips(fills);
    const m = computeFillMetrics(fills, closed, { from: 0, to: 10 });
    // 2 × 430 + 2 × 440; PnL 20 (no fees in these fills).
    expect(m).toMatchObject({ total_volume_usd: "1740", trades_count: 2, realized_pnl_usd: "20", closed_round_trips: 1 });
  });
});
