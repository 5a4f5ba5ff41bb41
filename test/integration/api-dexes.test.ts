import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores } from "#api/index.js";
import { parseAddress, type Address } from "#domain/address.js";
import { buildEvent } from "#domain/events.js";
import type { Fill } from "#domain/exchange.js";
import { diffPositions, type PositionMap } from "#domain/positions.js";
import { trackTrader } from "#domain/traders.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient } from "#hyperliquid/client.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { testTables, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { serveApp, type Served } from "../support/serve.js";
import { runJobOnStoredHistory } from "../support/trader-pages.js";
import { fill } from "../unit/metrics/fills.js";

/**
 * A HIP-3 trader over the HTTP API (DynamoDB Local, marks from the simulator over HTTP): his
 * builder-dex position is valued at that dex's mid, and positions, events and round trips name
 * their dex and can be filtered by it. His outcome settlement is in no round trip.
 */

const H = parseAddress(`0x${"e1".padStart(40, "0")}`) as Address;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 15, 12);
const lev = { type: "cross" as const, value: 5 };

const FILLS: Fill[] = [
  fill({ coin: "xyz:TSLA", side: "B", sz: "2", px: "430", time: NOW - 5 * HOUR, startPosition: "0" }),
  fill({ coin: "xyz:TSLA", side: "A", sz: "2", px: "440", time: NOW - 4 * HOUR, startPosition: "2", dir: "Close Long", closedPnl: "20", fee: "0.4" }),
  fill({ coin: "BTC", side: "B", sz: "0.1", px: "60000", time: NOW - 3 * HOUR, startPosition: "0" }),
  fill({ coin: "BTC", side: "A", sz: "0.1", px: "61000", time: NOW - 2 * HOUR, startPosition: "0.1", dir: "Close Long", closedPnl: "100" }),
  // An outcome market settling, as the fills endpoint returns it: no perp round trip of his.
  fill({ coin: "#118440", side: "A", sz: "1000", px: "1.0", time: NOW - HOUR, startPosition: "1000", dir: "Settlement", closedPnl: "400" }),
];

const call = async (base: string, path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, json: (await res.json()) as any };
};

describe("a HIP-3 trader over the API", () => {
  let tables: TestTables;
  let sim: Simulator;
  let api: Served;
  const client = () =>
    createHyperliquidClient({
      baseUrl: sim.url,
      budget: createWeightBudget({ limitPerMinute: 1_000_000, discoveryShare: 0.25, historyShare: 0.25 }),
      timeoutMs: 1_000,
      maxRetries: 1,
    });
  let exchange: ReturnType<typeof client>;

  beforeAll(async () => {
    tables = await testTables("dexapi");
    sim = createSimulator({ seed: 5, weightPerMinute: Infinity, builderDexes: true });
    await sim.start();
    sim.setMark("xyz:TSLA", "450.5");
    sim.setMark("ETH", "3100");
    exchange = client();

    const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    await trackTrader(traders, H, { source: "manual", at: NOW - 24 * HOUR });
    const states: PositionMap[] = [
      {},
      { "xyz:TSLA": { szi: "3", entryPx: "440", leverage: lev } },
      { "xyz:TSLA": { szi: "3", entryPx: "440", leverage: lev }, ETH: { szi: "-1", entryPx: "3000", leverage: lev } },
    ];
    await traders.saveBaseline(H, states[0]!, NOW - 10 * HOUR, NOW - 10 * HOUR);
    for (let v = 1; v < states.length; v++) {
      const at = NOW - HOUR + v * 60_000;
      const events = diffPositions(states[v - 1]!, states[v]!).map((ch) => buildEvent(H, v, ch, [], at));
      await traders.commitTransition({ address: H, expectedVersion: v - 1, newVersion: v, positions: states[v]!, events, fillsCursor: at, asOf: at, at });
    }
    await createDynamoFillStore(tables.doc, tables.names.fills).putFills(H, FILLS);
    // The round trips are the leaderboard job's, precomputed from the stored fills.
    await runJobOnStoredHistory(tables, NOW);
    const log = recordingLogger();
    api = await serveApp(
      createApiApp({
        ...createDynamoApiStores(tables.client, tables.doc, tables.names),
        marks: createHyperliquidMarks(exchange, { logger: log.logger }),
        checks: [],
        adminApiKey: undefined,
        logger: log.logger,
        now: () => NOW,
        limits: { rateLimit: false },
      }),
    );
  });

  afterAll(async () => {
    await api?.close();
    await exchange?.close();
    await sim?.stop();
  });

  it("values his builder-dex position at that dex's mid (its own allMids) and names each position's dex", async () => {
    sim.resetStats();
    const r = await call(api.url, `/traders/${H}`);
    expect(r.status).toBe(200);
    expect(r.json.positions.map((p: any) => [p.coin, p.dex, p.mark_price, p.unrealized_pnl_usd])).toEqual([
      ["ETH", "", "3100.0", "-100"],
      ["xyz:TSLA", "xyz", "450.5", "31.5"], // (450.5 − 440) × 3
    ]);
    expect(sim.stats().requests.allMids).toBe(2); // the main dex's and xyz's
  });

  it("events carry their dex and filter by it (dex= is the main dex)", async () => {
    const all = await call(api.url, `/traders/${H}/events`);
    expect(all.json.events.map((e: any) => [e.details.coin, e.details.dex])).toEqual([
      ["ETH", ""],
      ["xyz:TSLA", "xyz"],
    ]);
    const xyz = await call(api.url, `/traders/${H}/events?dex=xyz`);
    expect(xyz.json.events.map((e: any) => e.details.coin)).toEqual(["xyz:TSLA"]);
    const main = await call(api.url, `/traders/${H}/events?dex=`);
    expect(main.json.events.map((e: any) => e.details.coin)).toEqual(["ETH"]);
    expect((await call(api.url, `/traders/${H}/events?dex=a:b`)).status).toBe(400);
  });

  it("round trips carry their dex and filter by it; the settlement is none of them", async () => {
    const all = await call(api.url, `/traders/${H}/round-trips`);
    expect(all.json.round_trips.map((rt: any) => [rt.coin, rt.dex, rt.realized_pnl_usd])).toEqual([
      ["BTC", "", "100"],
      ["xyz:TSLA", "xyz", "19.6"],
    ]);
    const xyz = await call(api.url, `/traders/${H}/round-trips?dex=xyz`);
    expect(xyz.json.round_trips.map((rt: any) => rt.coin)).toEqual(["xyz:TSLA"]);
    const main = await call(api.url, `/traders/${H}/round-trips?dex=`);
    expect(main.json.round_trips.map((rt: any) => rt.coin)).toEqual(["BTC"]);
    expect((await call(api.url, `/traders/${H}/round-trips?dex=abc`)).json.round_trips).toEqual([]);
  });
});
