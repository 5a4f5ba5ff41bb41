import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscoverySummary } from "#domain/discovery.js";
import { trackTrader } from "#domain/traders.js";
import { ValidationError } from "#commons/errors.js";
import { createDiscoveryHandler } from "#app/discovery.js";
import { logger } from "#commons/logger.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient } from "#hyperliquid/client.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";

const BUYER = "0x00000000000000000000000000000000000000d1";
const SELLER = "0x00000000000000000000000000000000000000d2";

describe("discovery", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 31 });
  });
  afterAll(async () => p.close());

  const scanTraders = async () =>
    (await p.tables.doc.send(new ScanCommand({ TableName: p.tables.names.traders }))).Items ?? [];

  it("finds both the buyer and the seller of every public trade, with source and coin", async () => {
    // BUYER buys 2 SOL from SELLER: the public trade names both.
    p.sim.execute({ user: BUYER, coin: "SOL", size: "2", px: "150", counterparty: SELLER });
    const summary = (await p.discovery({})) as DiscoverySummary;
    expect(summary.coinsScanned).toBe(summary.coinsTotal);

    const items = await scanTraders();
    const byAddress = new Map(items.map((i) => [i.address as string, i]));
    for (const a of [BUYER, SELLER]) {
      expect(byAddress.get(a)).toMatchObject({ discovery_source: "recent_trades", discovery_coin: "SOL", is_active: true });
    }
    expect(items.every((i) => /^0x[0-9a-f]{40}$/.test(i.address as string))).toBe(true);
    // Delisted perpetuals are not asked for.
    const meta = await p.exchange.perpMeta({ lane: "discovery" });
    const delisted = meta.filter((m) => m.isDelisted).map((m) => m.name);
    expect(delisted.length).toBeGreaterThan(0);
    expect(p.sim.stats().requests.recentTrades).toBe(meta.length - delisted.length);
  });

  it("never overwrites first_seen_at when a trader is seen again", async () => {
    const key = { TableName: p.tables.names.traders, Key: { address: BUYER } };
    const first = (await p.tables.doc.send(new GetCommand(key))).Item?.first_seen_at;
    await new Promise((r) => setTimeout(r, 5));
    p.sim.execute({ user: BUYER, coin: "ETH", size: "1", px: "3000", counterparty: SELLER });
    await p.discovery({});
    const again = await trackTrader(p.traders, BUYER, { source: "manual", at: Date.now() });
    expect(again).toMatchObject({ created: false, reactivated: false });
    expect((await p.tables.doc.send(new GetCommand(key))).Item).toMatchObject({ first_seen_at: first, discovery_coin: "SOL" });
  });

  it("rejects a malformed address by hand with a clear error", async () => {
    await expect(trackTrader(p.traders, "0x1234", { source: "manual", at: Date.now() })).rejects.toThrow(ValidationError);
  });
});

describe("discovery under a tight budget", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 32 });
  });
  afterAll(async () => p.close());

  it("stops at its share and covers the remaining coins in the next runs (rotation)", async () => {
    // 400 weight a minute: discovery's 25% share is 100, i.e. five recentTrades calls (20 each for one trade).
    const coins = ["BTC", "ETH", "ATOM", "DYDX", "SOL", "AVAX", "BNB", "APE", "OP", "LTC"];
    const traders = coins.map((_, i) => `0x${(0xe0 + i).toString(16).padStart(40, "0")}`);
    coins.forEach((coin, i) => p.sim.execute({ user: traders[i]!, coin, size: "1", px: "10", counterparty: SELLER }));
    // A simulated clock for the budget and the run deadline: the minute turns over without waiting for it.
    let now = Date.now();
    const budget = createWeightBudget({
      limitPerMinute: 400,
      discoveryShare: 0.25,
      historyShare: 0.25,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const exchange = createHyperliquidClient({ baseUrl: p.sim.url, budget, timeoutMs: 2_000, maxRetries: 0 });
    const run = createDiscoveryHandler({
      exchange,
      traders: p.traders,
      runState: createDynamoRunStateStore(p.tables.doc, p.tables.names.state),
      logger,
      now: () => now,
      coins,
      maxRunMs: 1_500,
    });
    const traderOf = new Map(coins.map((c, i) => [c, traders[i]!]));
    const rotation = [...coins].sort();
    const found = async () =>
      new Set((await p.tables.doc.send(new ScanCommand({ TableName: p.tables.names.traders }))).Items?.map((i) => i.address as string));

    const first = await run({});
    expect(first.stoppedEarly).toBe(true);
    expect(first.coinsScanned).toBeGreaterThan(0);
    expect(first.coinsScanned).toBeLessThan(coins.length);
    const afterFirst = await found();
    expect(rotation.map((c) => afterFirst.has(traderOf.get(c)!))).toEqual(rotation.map((_, i) => i < first.coinsScanned));

    // The next runs start where the previous one stopped, until every coin has been read.
    let scanned = first.coinsScanned;
    for (let run_ = 0; run_ < 5 && scanned < coins.length; run_++) scanned += (await run({})).coinsScanned;
    expect(scanned).toBeGreaterThanOrEqual(coins.length);
    const afterAll_ = await found();
    expect(traders.every((t) => afterAll_.has(t))).toBe(true);
    // Discovery never took more than its share: 25% of 400 = 100 weight per minute.
    expect(budget.snapshot().usedByLane.discovery).toBeLessThanOrEqual(100);
    await exchange.close();
  });
});

describe("discovery within MAX_TRACKED_TRADERS", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 33 });
  });
  afterAll(async () => p.close());

  it("adds traders only while fewer than the cap are tracked, and asks the exchange nothing once the cap is reached", async () => {
    await trackTrader(p.traders, BUYER, { source: "manual", at: Date.now() });
    const users = Array.from({ length: 6 }, (_, i) => `0x${(0xf10 + i).toString(16).padStart(40, "0")}`);
    users.forEach((u, i) => p.sim.execute({ user: u, coin: "SOL", size: "1", px: "150", counterparty: users[(i + 1) % users.length] }));
    const run = createDiscoveryHandler({
      exchange: p.exchange,
      traders: p.traders,
      runState: createDynamoRunStateStore(p.tables.doc, p.tables.names.state),
      logger,
      now: Date.now,
      coins: ["SOL", "ETH"],
      maxRunMs: 10_000,
      maxTracked: 4,
    });
    const first = await run({});
    expect(first.tradersCreated).toBe(3);
    expect(first.capReached).toBe(true);
    const asked = p.sim.stats().requests.recentTrades ?? 0;
    const second = await run({});
    expect(second).toMatchObject({ tradersCreated: 0, coinsScanned: 0, capReached: true });
    expect(p.sim.stats().requests.recentTrades ?? 0).toBe(asked);
  });
});
