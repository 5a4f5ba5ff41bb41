import { GetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Lane } from "#domain/exchange.js";
import { type BudgetLedger, createWeightBudget } from "#hyperliquid/budget.js";
import { createDynamoBudgetLedger } from "#hyperliquid/dynamo-ledger.js";
import { localDynamoClient } from "#local/aws.js";
import { STATE_TABLE } from "#store/tables.js";
import { testTables, uniqueName } from "../support/aws.js";
import { TEST_REGION } from "../support/env.js";
import { FakeClock, flush } from "../unit/hyperliquid/fake-clock.js";

/**
 * The shared budget ledger against DynamoDB Local (the real conditional-write engine): several
 * budgets, standing for Lambdas behind one egress IP, lease from one state-table item per window.
 * Time is a fake clock that only moves once every DynamoDB call in flight has answered.
 */

const MIN = 60_000;
/**
 * Fake time starts at a real, minute-aligned "now": DynamoDB Local really deletes items whose TTL
 * (`expires_at`) has passed, so windows dated in the past would vanish mid-test.
 */
const T0 = Math.ceil(Date.now() / MIN) * MIN;
let tableName: string;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  const tables = await testTables("budget", [STATE_TABLE]);
  tableName = tables.names.state;
  doc = tables.doc;
});

/** Counts the DynamoDB commands sent through its own client, to show what a lease costs. */
const countingDoc = () => {
  const counts: Record<string, number> = {};
  const client = localDynamoClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts[context.commandName ?? "?"] = (counts[context.commandName ?? "?"] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
  return { doc: DynamoDBDocumentClient.from(client), counts };
};

/** Remembers every lease in flight, so the clock can wait for DynamoDB before moving on. */
const inFlight = new Set<Promise<unknown>>();
const tracked = (ledger: BudgetLedger): BudgetLedger => ({
  lease: (lane, weight, now) => {
    const p = ledger.lease(lane, weight, now);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  },
});
const settle = async () => {
  do {
    await Promise.allSettled([...inFlight]);
    await flush();
  } while (inFlight.size > 0);
};

const ledgerFor = (pk: string, limit: number, d: Pick<DynamoDBDocumentClient, "send"> = doc) =>
  createDynamoBudgetLedger({ doc: d, tableName, limitPerMinute: limit, discoveryShare: 0.25, historyShare: 0.25, pk });

const windowItem = async (pk: string, start: number) =>
  (await doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk: String(start) }, ConsistentRead: true }))).Item;

describe("shared weight budget on DynamoDB Local", () => {
  it("keeps two processes sharing one ledger under the limit together", async () => {
    const pk = uniqueName("budget");
    const limit = 200;
    const clock = new FakeClock(T0, settle);
    const log: { t: number; lane: Lane; w: number }[] = [];
    const budgets = [1, 2].map(() =>
      createWeightBudget({
        limitPerMinute: limit,
        discoveryShare: 0.25,
        historyShare: 0.25,
        ledger: tracked(ledgerFor(pk, limit)),
        leaseChunk: 20,
        defaultMaxWaitMs: Infinity,
        now: clock.now,
        sleep: clock.sleep,
      }),
    );
    const end = clock.now() + 4 * MIN;
    const worker = async (i: number, lane: Lane, w: number, pauseMs: number) => {
      const budget = budgets[i % 2]!;
      while (clock.now() < end) {
        await budget.take(lane, w);
        if (clock.now() < end) log.push({ t: clock.now(), lane, w });
        await clock.sleep(pauseMs);
      }
    };
    const running = Promise.all([
      ...[0, 1, 2, 3, 4, 5].map((i) => worker(i, "tracking", 2, 700)),
      ...[0, 1].map((i) => worker(i, "discovery", 20, 1_000)),
    ]);
    // Keep time moving until every worker is done (one may still wait for the next window).
    let done = false;
    void running.then(() => (done = true));
    while (!done && clock.now() < end + 5 * MIN) await clock.advance(1_000);
    await running;

    const windows = [...new Set(log.map((e) => Math.floor(e.t / MIN) * MIN))];
    expect(windows).toHaveLength(4);
    for (const start of windows) {
      const spent = log.filter((e) => e.t >= start && e.t < start + MIN);
      const total = spent.reduce((s, e) => s + e.w, 0);
      const discovery = spent.filter((e) => e.lane === "discovery").reduce((s, e) => s + e.w, 0);
      const item = await windowItem(pk, start);
      expect(total).toBeLessThanOrEqual(limit);
      // Both processes ran against the limit: the shared ledger, not luck, kept them under it.
      expect(total).toBeGreaterThan(limit * 0.75);
      expect(total).toBeLessThanOrEqual(item?.used as number);
      expect(item?.used).toBeLessThanOrEqual(limit);
      expect(discovery).toBeLessThanOrEqual(limit * 0.25);
      expect(item?.discovery ?? 0).toBeLessThanOrEqual(limit * 0.25);
      expect(item?.expires_at).toBe((start + MIN) / 1_000 + 3_600);
    }
  });

  it("costs one write per lease chunk, however many requests draw from it", async () => {
    const pk = uniqueName("budget");
    const { doc: counted, counts } = countingDoc();
    const clock = new FakeClock(T0, settle);
    const budget = createWeightBudget({
      limitPerMinute: 1_000,
      discoveryShare: 0.25,
      historyShare: 0.25,
      ledger: tracked(ledgerFor(pk, 1_000, counted)),
      now: clock.now,
      sleep: clock.sleep,
    });
    // The default chunk is 1/20 of the limit: 50, so 25 polls of weight 2 lease once.
    for (let i = 0; i < 25; i++) await budget.take("tracking", 2, { maxWaitMs: 0 });
    expect(counts).toEqual({ UpdateItemCommand: 1 });
    expect((await windowItem(pk, clock.now()))?.tracking).toBe(50);
    // Lower lanes also read the previous window's tracking once, to know tracking's reserve.
    await budget.take("history", 40);
    expect(counts).toEqual({ UpdateItemCommand: 2, GetItemCommand: 1 });
  });

  it("caps lower lanes, keeps tracking's reserve, grants what is left and then 0", async () => {
    const pk = uniqueName("budget");
    const ledger = createDynamoBudgetLedger({ doc, tableName, limitPerMinute: 100, discoveryShare: 0.5, historyShare: 0.5, pk });
    const w0 = T0;
    expect(await ledger.lease("tracking", 60, w0 + 5_000)).toEqual({ granted: 60, windowEndsAt: w0 + MIN });
    const w1 = w0 + MIN;
    // Tracking leased 60 last window: discovery may have 100 - 60 = 40 of its 50.
    expect(await ledger.lease("discovery", 50, w1 + 1)).toEqual({ granted: 40, windowEndsAt: w1 + MIN });
    expect(await ledger.lease("history", 10, w1 + 2)).toEqual({ granted: 0, windowEndsAt: w1 + MIN });
    // Tracking itself is only held to the total: 60 left of a 70.
    expect(await ledger.lease("tracking", 70, w1 + 3)).toEqual({ granted: 60, windowEndsAt: w1 + MIN });
    expect(await ledger.lease("tracking", 1, w1 + 4)).toEqual({ granted: 0, windowEndsAt: w1 + MIN });
    expect(await windowItem(pk, w1)).toMatchObject({ used: 100, tracking: 60, discovery: 40, nontracking: 40 });
  });

  it("never over-grants when many leases race for the same window", async () => {
    const pk = uniqueName("budget");
    const ledgers = [1, 2, 3].map(() => ledgerFor(pk, 300));
    const now = T0 + 3 * MIN;
    const grants = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ledgers[i % 3]!.lease(i % 5 === 0 ? "discovery" : "tracking", 25, now + i)),
    );
    const granted = grants.reduce((s, g) => s + g.granted, 0);
    const item = await windowItem(pk, now);
    expect(granted).toBe(item?.used);
    expect(granted).toBeLessThanOrEqual(300);
    expect(granted).toBeGreaterThanOrEqual(250); // contention costs retries, not capacity
  });
});
