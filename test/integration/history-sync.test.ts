import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, sumDec } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { rowsForTrader } from "#domain/metrics/trader-leaderboard.js";
import { freshnessRules, syncTraderHistory, type HistorySyncDeps, type HistorySyncOptions, type HistorySyncResult } from "#domain/history/index.js";
import { trackTrader } from "#domain/traders.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient, type HyperliquidClient } from "#hyperliquid/client.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createHistorySource } from "#app/leaderboard/history-source.js";
import { recordingLogger } from "../support/logger.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";

/**
 * Account history against DynamoDB Local and the simulator, through the real client and weight
 * budget: backfill across runs, the tracking path's fills, top-ups, ledger, portfolio and a run
 * that the budget stops half way.
 */

const A = "0x00000000000000000000000000000000000000a7" as Address;
const B = "0x00000000000000000000000000000000000000b7" as Address;
const C = "0x00000000000000000000000000000000000000c7" as Address;
const D = "0x00000000000000000000000000000000000000d7" as Address;

let p: Pipeline;
const clients: HyperliquidClient[] = [];

beforeAll(async () => {
  p = await startPipeline({ seed: 31 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await p.close();
});

/** A history client with its own budget; `offset` moves the budget's clock so a test can skip a minute. */
const historyDeps = (budget: { limitPerMinute: number; maxWaitMs?: number } = { limitPerMinute: 1_000_000 }) => {
  const clock = { offset: 0 };
  const exchange = createHyperliquidClient({
    baseUrl: p.sim.url,
    budget: createWeightBudget({
      limitPerMinute: budget.limitPerMinute,
      discoveryShare: 0.25,
      historyShare: 0.25,
      now: () => Date.now() + clock.offset,
      ...(budget.maxWaitMs !== undefined && { defaultMaxWaitMs: budget.maxWaitMs }),
    }),
    timeoutMs: 5_000,
    maxRetries: 2,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 50,
  });
  clients.push(exchange);
  const deps: HistorySyncDeps = {
    exchange,
    store: createDynamoHistoryStore(p.tables.doc, { fills: p.tables.names.fills, state: p.tables.names.state }),
    fills: createDynamoFillStore(p.tables.doc, p.tables.names.fills),
    now: () => p.sim.now(),
  };
  return { deps, clock, exchange };
};

/** `n` alternating buys and sells of `user`, `perMs` in each simulated millisecond; returns their tids in order. */
const trade = (user: Address, n: number, perMs = 1): number[] => {
  const tids: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % perMs === 0) p.sim.advance(1);
    tids.push(p.sim.execute({ user, coin: "BTC", size: i % 2 === 0 ? "0.01" : "-0.01", px: "60000" }).fill.tid);
  }
  return tids;
};

/** Calls until fills and ledger have caught up (or `limit` calls), like successive job runs. */
const syncUntilCaughtUp = async (deps: HistorySyncDeps, address: Address, options: HistorySyncOptions, limit = 20) => {
  const results: HistorySyncResult[] = [];
  do {
    results.push(await syncTraderHistory(deps, address, options));
  } while (results.length < limit && !(results.at(-1)?.state.fills.caughtUp && results.at(-1)?.state.ledger.caughtUp));
  return results;
};

/** Every item of the trader's fills-table partition (fills and ledger entries). */
const partition = async (address: Address): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await p.tables.doc.send(
      new QueryCommand({
        TableName: p.tables.names.fills,
        KeyConditionExpression: "trader_address = :a",
        ExpressionAttributeValues: { ":a": address },
        ...(start && { ExclusiveStartKey: start }),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
};

const simAnswer = async (body: Record<string, unknown>): Promise<unknown> => JSON.parse((await p.sim.info(body)).body);

describe("a trader with more than one page of fills, partly stored by tracking", () => {
  let truth: number[] = [];
  let h: ReturnType<typeof historyDeps>;

  beforeAll(async () => {
    h = historyDeps();
    // Deposits one millisecond apart: more than one ledger page (500).
    for (let i = 0; i < 510; i++) {
      p.sim.advance(1);
      p.sim.deposit(A, "100");
    }
    // History from before we track, three fills per millisecond so pages end inside one.
    truth = trade(A, 4_500, 3);
    await trackTrader(p.traders, A, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline
    p.sim.advance(1_000);
    truth.push(p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3000" }).fill.tid);
    truth.push(p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3001" }).fill.tid);
    await p.cycle(); // one event; its fills stored by the tracking worker
  });

  it("tracking stored the fills behind its event before any backfill", async () => {
    const tids = (await partition(A)).map((i) => i.tid);
    expect(tids).toEqual(truth.slice(-2));
  });

  it("is backfilled over several calls of one page each and ends with exactly the reachable fills, none twice", { timeout: 90_000 }, async () => {
    const results = await syncUntilCaughtUp(h.deps, A, { maxPages: 1 });
    expect(results.length).toBe(3);
    for (const r of results) expect(r.stopped).toBeNull();
    expect(results.map((r) => r.fills?.pages)).toEqual([1, 1, 1]);
    expect(results.at(-1)?.state.fills.caughtUp).toBe(true);

    const history = await h.deps.store.loadTraderHistory(A);
    expect(history.fills.map((f) => f.tid)).toEqual(truth);
    // The two fills tracking stored were overwritten in place, not added again.
    const fillItems = (await partition(A)).filter((i) => typeof i.tid === "number");
    expect(fillItems.length).toBe(truth.length);
  });

  it("stores the ledger and the portfolio as the simulator returns them", async () => {
    const history = await h.deps.store.loadTraderHistory(A);
    const ledger = await simAnswer({ type: "userNonFundingLedgerUpdates", user: A, startTime: 0 });
    const rest = await simAnswer({ type: "userNonFundingLedgerUpdates", user: A, startTime: (ledger as { time: number }[]).at(-1)!.time + 1 });
    expect(history.ledger).toEqual([...(ledger as unknown[]), ...(rest as unknown[])]);
    expect(history.ledger).toHaveLength(510);

    // The simulator's clock has not moved since the first sync, so its portfolio is unchanged.
    const portfolio = (await simAnswer({ type: "portfolio", user: A })) as [string, { accountValueHistory: unknown; pnlHistory: unknown }][];
    expect(history.portfolio?.periods).toEqual(
      Object.fromEntries(portfolio.map(([name, v]) => [name, { accountValueHistory: v.accountValueHistory, pnlHistory: v.pnlHistory }])),
    );
    expect(Object.keys(history.portfolio?.periods ?? {})).toContain("perpAllTime");
  });

  it("a second sync with nothing new asks for one fills page only and stores nothing", async () => {
    const before = await partition(A);
    p.sim.resetStats();
    const r = await syncTraderHistory(h.deps, A);
    expect(r.fills).toMatchObject({ pages: 1, stored: 0, caughtUp: true });
    expect(p.sim.stats().requests).toEqual({ userFillsByTime: 1 });
    expect(await partition(A)).toEqual(before);
  });

  it("a later sync stores only what is new, including a fill in the cursor's millisecond", async () => {
    const state = await h.deps.store.getSyncState(A);
    // Backdated into the millisecond the cursor stands on: the API serves it from that startTime.
    const same = p.sim.execute({ user: A, coin: "BTC", size: "0.01", px: "60000", time: state!.fills.cursor }).fill.tid;
    p.sim.advance(10);
    const later = trade(A, 3);
    const r = await syncTraderHistory(h.deps, A, { lastActivityAt: p.sim.now() });
    expect(r.fills).toMatchObject({ pages: 1, stored: 4 });
    const history = await h.deps.store.loadTraderHistory(A);
    expect(new Set(history.fills.map((f) => f.tid))).toEqual(new Set([...truth, same, ...later]));
  });
});

describe("the 10,000-fill horizon", () => {
  it("a first sync keeps exactly the 10,000 most recent fills the API still serves", { timeout: 120_000 }, async () => {
    const { deps } = historyDeps();
    const tids = trade(B, 10_400, 2);
    const [r] = await syncUntilCaughtUp(deps, B, {});
    expect(r?.fills).toMatchObject({ caughtUp: true, stored: 10_000 });
    const history = await deps.store.loadTraderHistory(B);
    expect(history.fills.map((f) => f.tid)).toEqual(tids.slice(-10_000));
  });
});

describe("a budget stop mid-backfill", () => {
  it("stops cleanly when the history lane has no weight left, and the next run resumes where it stopped", async () => {
    // History may use 250 a minute: ledger (20) + portfolio (20) + role (60) + funding (20) + one
    // full fills page (20 + 100) fit; the second page's request does not, and waits at most 100 ms.
    const { deps, clock, exchange } = historyDeps({ limitPerMinute: 1_000, maxWaitMs: 100 });
    p.sim.deposit(C, "5000");
    const tids = trade(C, 4_500);

    const first = await syncTraderHistory(deps, C);
    expect(first.stopped).toBe("budget");
    expect(first.portfolioRefreshed).toBe(true);
    expect(first.fills).toMatchObject({ pages: 1, caughtUp: false });
    expect((await deps.store.getSyncState(C))?.fills.cursor).toBe(first.state.fills.cursor);

    clock.offset += 61_000; // a minute later the window has room again
    const second = await syncTraderHistory(deps, C, { lastActivityAt: null });
    expect(second.stopped).toBeNull();
    // Resumed from the saved cursor: the two pages left, not the whole backfill again.
    expect(second.fills).toMatchObject({ pages: 2, caughtUp: true });
    expect(second.ledger).toBeNull();
    expect(exchange.stats().weightByLane.history).toBeGreaterThan(0);

    const history = await deps.store.loadTraderHistory(C);
    expect(history.fills.map((f) => f.tid)).toEqual(tids);
  });
});

describe("activity whose fills tracking already stored", () => {
  it("costs the leaderboard job no request; activity tracking has not covered still does", async () => {
    // Both the worker and this sync on our clock, as in AWS; the exchange's clock a little ahead.
    const deps: HistorySyncDeps = { ...historyDeps().deps, now: Date.now };
    const directory = createDynamoTraderDirectory(p.tables.doc, p.tables.names.traders);
    const source = createHistorySource(deps, deps.store, { maxPages: 6 }, freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 }));
    const view = async () => (await directory.get(D))!;
    const signal = new AbortController().signal;

    p.sim.advance(Math.max(0, Date.now() - p.sim.now()) + 1_000);
    p.sim.deposit(D, "5000");
    const before = trade(D, 5);
    await trackTrader(p.traders, D, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline: tracking's fills start here
    // Tracked for an hour already, so the history's catching up now joins tracking's coverage.
    await p.tables.doc.send(
      new UpdateCommand({
        TableName: p.tables.names.traders,
        Key: { address: D },
        UpdateExpression: "SET baseline_at = :b",
        ExpressionAttributeValues: { ":b": Date.now() - 3_600_000 },
      }),
    );
    expect(await source.sync(await view(), signal)).not.toBeNull();
    const synced = await deps.store.getSyncState(D);
    expect(synced?.fills.caughtUp).toBe(true);

    // A position change after that sync: the worker fetches and stores its fills, then moves its cursor.
    await new Promise((r) => setTimeout(r, 5));
    p.sim.advance(Math.max(0, Date.now() - p.sim.now()) + 1_000);
    const opened = p.sim.execute({ user: D, coin: "ETH", size: "2", px: "3000" }).fill.tid;
    await p.cycle();
    const tracked = await view();
    expect(tracked.lastChangedAt).toBeGreaterThan(synced!.fills.syncedAt!); // without tracking's fills, due
    expect(tracked.fillsCursor).toBeGreaterThanOrEqual(tracked.lastChangedAt!);

    p.sim.resetStats();
    expect(await source.sync(tracked, signal)).toBeNull();
    expect(p.sim.stats().requests).toEqual({});
    const stored = (await deps.store.loadTraderHistory(D)).fills.map((f) => f.tid);
    expect(new Set(stored)).toEqual(new Set([...before, opened]));

    // A change the tracker has not fetched the fills of (its cursor is behind it): fetched as before.
    p.sim.advance(1_000);
    const added = p.sim.execute({ user: D, coin: "ETH", size: "1", px: "3010" }).fill.tid;
    p.sim.resetStats();
    expect(await source.sync({ ...tracked, lastChangedAt: tracked.fillsCursor! + 1 }, signal)).not.toBeNull();
    expect(p.sim.stats().requests).toEqual({ userFillsByTime: 1 });
    expect((await deps.store.loadTraderHistory(D)).fills.map((f) => f.tid)).toContain(added);
  });
});

describe("a ledger entry the exchange sends in an unexpected form", () => {
  it("is set aside with a counted warning, and the rest of the trader's history syncs as usual", async () => {
    const E = "0x00000000000000000000000000000000000000e5" as Address;
    const { deps } = historyDeps();
    const { logger, entries } = recordingLogger();
    p.sim.deposit(E, "1000");
    p.sim.advance(1);
    // An amount sent as a number: read as money it could already have lost digits.
    p.sim.recordLedgerUpdate(E, { type: "deposit", usdc: 250.5 });
    p.sim.advance(1);
    p.sim.recordLedgerUpdate(E, { type: "someFutureType", amount: 3 });
    p.sim.advance(1);
    p.sim.deposit(E, "500");
    trade(E, 3);

    const r = await syncTraderHistory({ ...deps, logger }, E);
    expect(r.failed).toEqual({});
    expect(r.ledger).toMatchObject({ caughtUp: true, stored: 3, setAside: 1 });
    expect(r.portfolioRefreshed).toBe(true);
    expect(r.fills).toMatchObject({ caughtUp: true, stored: 3 });
    const history = await deps.store.loadTraderHistory(E);
    expect(history.ledger.map((e) => e.delta.type)).toEqual(["deposit", "someFutureType", "deposit"]);
    const warning = entries.find((e) => e.message.startsWith("A history entry could not be read"));
    expect(warning?.extra[0]).toMatchObject({ address: E, stream: "ledger", reason: "delta.usdc: expected decimal string, got number" });

    // The next sync steps past it: nothing set aside again, nothing failed.
    p.sim.advance(5 * 3_600_000);
    const again = await syncTraderHistory({ ...deps, logger }, E);
    expect(again.failed).toEqual({});
    expect(again.ledger).toMatchObject({ stored: 0, setAside: 0 });
  });
});

describe("data freshness as the leaderboard job reads it", () => {
  it("a trader whose answers cannot be read turns stale after three runs of failures, and fresh once they read again", async () => {
    const F = "0x00000000000000000000000000000000000000f7" as Address;
    const { deps } = historyDeps();
    const directory = createDynamoTraderDirectory(p.tables.doc, p.tables.names.traders);
    await trackTrader(p.traders, F, { source: "manual", at: p.sim.now() });
    p.sim.deposit(F, "1000");
    trade(F, 2);
    const source = createHistorySource(deps, deps.store, { maxPages: 6 }, freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 }));
    const view = async () => (await directory.get(F))!;
    const signal = new AbortController().signal;
    const hourlyRun = async () => {
      const synced = await source.sync(await view(), signal);
      return { synced, freshness: (await source.status(await view(), p.sim.now())).freshness };
    };

    p.sim.setFaults({ malformedUsers: [F] });
    const first = await hourlyRun();
    expect(first.synced?.failedSources).toEqual(["ledger", "role", "funding", "fills"]);
    expect(first.freshness).toMatchObject({ status: "pending", failingSince: { ledger: p.sim.now(), role: p.sim.now(), funding: p.sim.now(), fills: p.sim.now() } });
    p.sim.advance(3 * 3_600_000);
    const fourth = await hourlyRun();
    expect(fourth.freshness).toMatchObject({ status: "stale", staleSources: ["fills", "ledger", "funding", "role"] });

    p.sim.setFaults({});
    const recovered = await hourlyRun();
    expect(recovered.synced?.failedSources).toBeUndefined();
    expect(recovered.freshness).toMatchObject({ status: "fresh", staleSources: [], failingSince: {} });
  });
});

describe("a vault with depositors and funding", () => {
  const V = "0x00000000000000000000000000000000000000e7" as Address;
  const depositor = "0x00000000000000000000000000000000000000e8";

  it("stores its role and funding, and its rows count funding and leave its depositors' money out of ROI", async () => {
    const { deps } = historyDeps();
    p.sim.createVault(V);
    p.sim.deposit(V, "10000");
    p.sim.advance(60_000);
    p.sim.execute({ user: V, coin: "ETH", size: "2", px: "3000" });
    // Four funding hours on the open long, then depositors pour in while the price falls.
    for (let h = 0; h < 4; h++) {
      p.sim.advance(3_600_000);
      p.sim.payFunding("0.0001", ["ETH"]);
    }
    p.sim.deposit(depositor, "50000");
    p.sim.vaultDeposit(V, depositor, "40000");
    p.sim.advance(60_000);
    p.sim.execute({ user: V, coin: "ETH", size: "-2", px: "2900" });
    p.sim.advance(60_000);

    const result = await syncTraderHistory(deps, V);
    expect(result.failed).toEqual({});
    const stored = await deps.store.loadTraderHistory(V);
    expect(stored.role).toBe("vault");
    const paid = (await simAnswer({ type: "userFunding", user: V, startTime: 0 })) as { delta: { usdc: string } }[];
    expect(stored.funding.map((f) => f.usdc)).toEqual(paid.map((f) => f.delta.usdc));
    expect(paid).toHaveLength(4);

    const rows = rowsForTrader({ address: V, firstSeenAt: 0, ...stored }, p.sim.now(), "x");
    const all = rows.find((r) => r.window === "all")!;
    // Long 2 ETH 3000 → 2900 lost 200 before fees; the longs paid funding on top.
    expect(all.is_vault).toBe(true);
    expect(dec(all.funding_usd).eq(sumDec(paid.map((f) => f.delta.usdc)))).toBe(true);
    expect(dec(all.funding_usd).lt(0)).toBe(true);
    expect(dec(all.realized_pnl_usd).eq(dec(all.trading_pnl_usd).plus(all.funding_usd))).toBe(true);
    // The vault lost money: its return is negative although depositors quintupled its value.
    expect(all.roi).toBeLessThan(0);
  });
});

describe("a sync state saved before funding and the role were synced", () => {
  it("reads with funding from the start and the role not asked yet, so both are fetched next", async () => {
    const { deps } = historyDeps();
    const old = "0x00000000000000000000000000000000000000e9" as Address;
    const cursor = { cursor: 5, seen: [], caught_up: true, synced_at: 5 };
    await p.tables.doc.send(
      new PutCommand({
        TableName: p.tables.names.state,
        Item: { pk: `history#${old}`, sk: "sync", fills: cursor, ledger: cursor, portfolio_fetched_at: 5 },
      }),
    );
    const state = await deps.store.getSyncState(old);
    expect(state).toMatchObject({ funding: { cursor: 0, caughtUp: false, syncedAt: null }, role: null, portfolioFetchedAt: 5 });
    expect(state?.fills).toEqual({ cursor: 5, seen: [], caughtUp: true, syncedAt: 5 });
  });
});
