import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { createLeaderSource } from "#app/copy/market.js";
import type { Address } from "#domain/address.js";
import type { StreamFill } from "#domain/stream-fills.js";
import type { DiscoverySummary } from "#domain/discovery.js";
import { syncTraderHistory } from "#domain/history/index.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { trackTrader } from "#domain/traders.js";
import type { ExecuteResult } from "#simulator/index.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";

/**
 * Builder-deployed (HIP-3) perp dexes, tracked against DynamoDB Local and the simulator: a
 * position on `xyz:TSLA` lives in the `xyz` dex's clearinghouse, which a poll without `dex` never
 * shows. A trader seen trading there (the stream's trades, his own fills) has that dex polled too,
 * and his OPEN and CLOSE on it are events that name the dex. Settlement and spot fills, which the
 * fills endpoint returns beside perp fills, are never stored as his perp fills.
 */
const A = "0x00000000000000000000000000000000000000d1" as Address;
const B = "0x00000000000000000000000000000000000000d2" as Address;
const C = "0x00000000000000000000000000000000000000d3" as Address;
const D = "0x00000000000000000000000000000000000000d4" as Address;
const E = "0x00000000000000000000000000000000000000d5" as Address;
const F = "0x00000000000000000000000000000000000000d6" as Address;
const G = "0x00000000000000000000000000000000000000d7" as Address;

/** The trader's side of a trade, as the stream listener derives it from the public tape. */
const streamFill = (r: ExecuteResult): StreamFill => ({
  coin: r.trade.coin,
  px: r.trade.px,
  sz: r.fill.sz,
  side: r.fill.side,
  time: r.trade.time,
  tid: r.trade.tid,
  hash: r.trade.hash,
});

const storedFillCoins = async (p: Pipeline, address: Address): Promise<string[]> => {
  const out = await p.tables.doc.send(new ScanCommand({ TableName: p.tables.names.fills }));
  return (out.Items ?? []).filter((f) => f.trader_address === address).map((f) => f.coin as string);
};

describe("builder-deployed perp dexes", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 31, builderDexes: true });
  });
  afterAll(async () => p.close());

  it("a trade on xyz:TSLA seen on the stream polls the xyz dex: OPEN, then CLOSE by the scheduled poll, both with dex", async () => {
    const { sim } = p;
    await trackTrader(p.traders, A, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline: nothing held

    sim.advance(1_000);
    const open = sim.execute({ user: A, coin: "xyz:TSLA", size: "2", px: "430" });
    // The main dex's clearinghouse does not show it, as on the exchange.
    const main = await p.exchange.clearinghouseState(A, { lane: "tracking" });
    expect(main.positions).toEqual([]);
    const [live] = await p.trackLive([A], { fills: new Map([[A, [streamFill(open)]]]), final: true });
    expect(live!.status).toBe("changed");

    sim.advance(1_000);
    sim.execute({ user: A, coin: "xyz:TSLA", size: "-2", px: "440" });
    await p.cycle(); // no stream this time: the scheduled poll asks xyz because he holds a position there

    const events = await p.events(A);
    expect(events.map((e) => [e.event_type, e.details.coin, e.details.dex, e.details.szi])).toEqual([
      ["OPEN_POSITION", "xyz:TSLA", "xyz", "2"],
      ["CLOSE_POSITION", "xyz:TSLA", "xyz", "0"],
    ]);
    expect(events[1]!.details).toMatchObject({ fills_source: "exchange", execution_price: "440", filled_size: "2" });
    // The dex stays noted, so his next trade there is seen by the reconciliation poll too.
    const item = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: A } }));
    expect(Object.keys(item.Item?.dex_seen ?? {})).toEqual(["xyz"]);
  });

  it("his own fills reveal a builder dex the poll did not ask: it is polled before the change is stored", async () => {
    const { sim } = p;
    await trackTrader(p.traders, B, { source: "manual", at: Date.now() });
    await p.cycle();

    sim.advance(1_000);
    sim.execute({ user: B, coin: "BTC", size: "0.1", px: "100000" });
    sim.execute({ user: B, coin: "xyz:NVDA", size: "5", px: "180" });
    await p.cycle();

    const events = await p.events(B);
    expect(events.map((e) => [e.event_type, e.details.coin, e.details.dex])).toEqual([
      ["OPEN_POSITION", "BTC", ""],
      ["OPEN_POSITION", "xyz:NVDA", "xyz"],
    ]);
    expect(events[1]!.details).toMatchObject({ fill_count: 1, execution_price: "180" });
  });

  it("a dex polled for the first time is a baseline for it: held positions make no event, an add is an INCREASE", async () => {
    const { sim } = p;
    // Held before we watch him.
    sim.execute({ user: E, coin: "xyz:TSLA", size: "2", px: "425" });
    sim.execute({ user: E, coin: "xyz:NVDA", size: "4", px: "180" });
    await trackTrader(p.traders, E, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline of the main dex: he holds nothing there

    sim.advance(1_000);
    sim.execute({ user: E, coin: "BTC", size: "0.1", px: "100000" });
    sim.execute({ user: E, coin: "xyz:TSLA", size: "1", px: "431" });
    await p.cycle();
    sim.advance(1_000);
    sim.execute({ user: E, coin: "xyz:NVDA", size: "-4", px: "185" });
    await p.cycle();

    const events = await p.events(E);
    expect(events.map((e) => [e.event_type, e.details.coin, e.details.previous_szi, e.details.szi])).toEqual([
      ["OPEN_POSITION", "BTC", "0", "0.1"],
      ["INCREASE_POSITION", "xyz:TSLA", "2", "3"],
      ["CLOSE_POSITION", "xyz:NVDA", "4", "0"],
    ]);
  });

  it("the history sync's fills point tracking at his builder dex: held there, no event; his next trade there is one", async () => {
    const { sim } = p;
    sim.execute({ user: F, coin: "xyz:NVDA", size: "-3", px: "182" });
    await trackTrader(p.traders, F, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline: nothing on the main dex
    const history = createDynamoHistoryStore(p.tables.doc, { fills: p.tables.names.fills, state: p.tables.names.state });
    await syncTraderHistory(
      { exchange: p.exchange, store: history, fills: createDynamoFillStore(p.tables.doc, p.tables.names.fills), traders: p.traders, now: () => sim.now() },
      F,
    );
    await p.cycle(); // asks xyz for the first time: a baseline there
    expect(await p.events(F)).toEqual([]);

    sim.advance(1_000);
    sim.execute({ user: F, coin: "xyz:NVDA", size: "1", px: "180" });
    await p.cycle();
    const events = await p.events(F);
    expect(events.map((e) => [e.event_type, e.details.coin, e.details.dex, e.details.previous_szi, e.details.szi])).toEqual([
      ["DECREASE_POSITION", "xyz:NVDA", "xyz", "-3", "-2"],
    ]);
  });

  it("discovery scans the builder dexes' markets too: a trader seen only on xyz:NVDA is found", async () => {
    p.sim.execute({ user: D, coin: "xyz:NVDA", size: "1", px: "181" });
    const summary = (await p.discovery({})) as DiscoverySummary;
    expect(summary.coinsTotal).toBe(p.sim.coins().length);
    expect(await p.traders.unknown([D])).toEqual([]);
  });

  it("settlement and spot fills are not stored as perp fills; his builder-dex fills are", async () => {
    const { sim } = p;
    await trackTrader(p.traders, C, { source: "manual", at: Date.now() });
    await p.cycle();

    sim.advance(1_000);
    sim.nonPerpFill({ user: C, kind: "settlement", coin: "#118440", px: "1.0", sz: "1000", closedPnl: "400" });
    sim.nonPerpFill({ user: C, kind: "spot", coin: "@107", px: "35.5", sz: "3" });
    sim.execute({ user: C, coin: "xyz:TSLA", size: "1", px: "432" });
    sim.execute({ user: C, coin: "ETH", size: "1", px: "3500" });
    await p.cycle();

    const fills = await p.exchange.userFills(C);
    expect(fills.map((f) => f.coin).sort()).toEqual(["#118440", "@107", "ETH", "xyz:TSLA"]);
    expect((await storedFillCoins(p, C)).sort()).toEqual(["ETH", "xyz:TSLA"]);
  });

  it("a leader's account value for copy trading adds his builder dexes' to the main dex's", async () => {
    const { sim } = p;
    await trackTrader(p.traders, G, { source: "manual", at: Date.now() });
    await p.cycle();
    sim.advance(1_000);
    const open = sim.execute({ user: G, coin: "xyz:TSLA", size: "2", px: "430" });
    await p.trackLive([G], { fills: new Map([[G, [streamFill(open)]]]), final: true });
    sim.setMark("xyz:TSLA", "450");

    const main = await p.exchange.clearinghouseState(G, { lane: "tracking" });
    // The xyz dex holds his position alone: (450 − 430) × 2 = 40 of unrealized PnL.
    const equity = await createLeaderSource(p.traders, p.exchange).equityUsd(G);
    expect(dec(equity).minus(main.accountValue).toFixed()).toBe("40");
  });
});
