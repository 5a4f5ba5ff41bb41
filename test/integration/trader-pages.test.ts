import { BatchWriteCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores } from "#api/index.js";
import { parseAddress, type Address } from "#domain/address.js";
import type { Fill } from "#domain/exchange.js";
import type { FundingPayment, MetricWindow } from "#domain/metrics/types.js";
import { MAX_SERIES_POINTS, listRoundTrips, type ListedRoundTrip, type SeriesPoint, type StoredEquity } from "#domain/trader-story/index.js";
import { trackTrader } from "#domain/traders.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { equitySortKey } from "#store/dynamo/keys.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { PAGES_TABLE } from "#store/tables.js";
import { testTables, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { serveApp, type Served } from "../support/serve.js";
import { recordingDynamo, runJobOnStoredHistory, type RecordedCall } from "../support/trader-pages.js";
import { fill, roundTrip } from "../unit/metrics/fills.js";

/**
 * The trader page's reads do not grow with the trader's history (issue 16, finding 1): the
 * leaderboard job precomputes round trips and series, the API reads a page of them by key. Over
 * real HTTP and DynamoDB Local, with histories of 100 and 10,000 fills.
 */

const addr = (n: number): Address => parseAddress(`0x${n.toString(16).padStart(40, "0")}`);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2026, 0, 15, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const COINS = ["BTC", "ETH", "xyz:TSLA"];
const WINDOWS: MetricWindow[] = ["1d", "7d", "30d", "all"];

/**
 * `trips` round trips ending before `end`, one every 10 minutes, rotating over a main-dex and a
 * builder-dex coin, with PnL and fees in many decimals; every 10th closes in the same millisecond
 * as the one before (ties go by tid). Plus funding on every coin every 8 hours.
 */
const history = (trips: number, end: number): { fills: Fill[]; funding: FundingPayment[] } => {
  const step = 10 * MINUTE;
  const start = end - (trips + 1) * step;
  const fills: Fill[] = [];
  let lastClose = 0;
  for (let i = 0; i < trips; i++) {
    const time = start + i * step;
    const close = i % 10 === 1 ? lastClose : time + 12 * MINUTE + i;
    lastClose = close;
    fills.push(
      ...roundTrip({
        coin: COINS[i % COINS.length]!,
        side: i % 2 === 0 ? "long" : "short",
        sz: `0.${(i % 9) + 1}`,
        px: `${1000 + i}.25`,
        time,
        holdMs: close - time,
        closedPnl: `${(i % 7) - 3}.${String(i).padStart(5, "0")}`,
        fee: `0.0${(i % 89) + 10}`,
      }),
    );
  }
  const funding: FundingPayment[] = [];
  for (let t = start - (start % (8 * HOUR)) + 8 * HOUR, k = 0; t < end; t += 8 * HOUR, k++) {
    for (const coin of COINS) funding.push({ time: t, coin, usdc: `${k % 2 === 0 ? "-" : ""}0.${String(k + 1).padStart(4, "0")}` });
  }
  return { fills, funding };
};

const call = async (base: string, path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, json: (await res.json()) as any };
};

/** The page's fields a client reads, as the API prints them. */
const shown = (rt: any) => [rt.coin, rt.dex, rt.closed_at, rt.realized_pnl_usd, rt.funding_usd, rt.fees_usd];
const expected = (rt: ListedRoundTrip) => [rt.coin, rt.dex, iso(rt.closed_at), rt.realized_pnl, rt.funding, rt.fees];

/** Every page of a list from the first, with `limit`; throws past 1,000 pages. */
const walk = async (base: string, path: string, limit: number, between?: (page: number) => Promise<void>): Promise<any[]> => {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const r = await call(base, `${path}${sep}limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`);
    expect(r.status).toBe(200);
    expect(r.json.round_trips.length).toBeLessThanOrEqual(limit);
    seen.push(...r.json.round_trips);
    cursor = r.json.next_cursor;
    if (cursor === null) return seen;
    await between?.(page);
  }
  throw new Error("too many pages");
};

/** The HTTP API over the test's tables, through `dynamo`'s clients, at the test's clock. */
const serveApi = (tables: TestTables, dynamo: Pick<TestTables, "client" | "doc">, now: () => number): Promise<Served> =>
  serveApp(
    createApiApp({
      ...createDynamoApiStores(dynamo.client, dynamo.doc, tables.names),
      checks: [],
      adminApiKey: undefined,
      logger: recordingLogger().logger,
      now,
      limits: { rateLimit: false },
    }),
  );

const store = async (tables: TestTables, address: Address, h: { fills: Fill[]; funding: FundingPayment[] }) => {
  await createDynamoFillStore(tables.doc, tables.names.fills).putFills(address, h.fills);
  await createDynamoHistoryStore(tables.doc, { fills: tables.names.fills, state: tables.names.state }).putFunding(address, h.funding);
};

describe("the trader page reads only what the leaderboard job precomputed", () => {
  let tables: TestTables;
  let api: Served;
  const recording = recordingDynamo();
  /** Tracked with 100 and 10,000 stored fills. */
  const SMALL = addr(0x100);
  const LARGE = addr(0x10000);
  /** His fills and funding are deleted once the job has run. */
  const GONE = addr(0xd0);
  const small = history(50, NOW - HOUR);
  const large = history(5_000, NOW - HOUR);

  beforeAll(async () => {
    tables = await testTables("pages");
    const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    for (const a of [SMALL, LARGE, GONE]) await trackTrader(traders, a, { source: "manual", at: NOW - 60 * 24 * HOUR });
    await store(tables, SMALL, small);
    await store(tables, LARGE, large);
    await store(tables, GONE, small);
    expect(await runJobOnStoredHistory(tables, NOW)).toMatchObject({ computed: 3, failed: 0, pagesFailed: 0 });
    api = await serveApi(tables, recording, () => NOW);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    recording.client.destroy();
  });

  const callsFor = async (path: string): Promise<RecordedCall[]> => {
    recording.calls.length = 0;
    expect((await call(api.url, path)).status).toBe(200);
    return recording.calls.splice(0);
  };

  it("a first page of round trips and the all-time series cost the same DynamoDB calls with 100 or 10,000 stored fills", async () => {
    for (const path of ["/round-trips", "/round-trips?limit=500&window=30d&dex=xyz", "/equity?window=all", "/equity?window=1d"]) {
      const few = await callsFor(`/traders/${SMALL}${path}`);
      const many = await callsFor(`/traders/${LARGE}${path}`);
      expect(many.map((c) => c.action), path).toEqual(few.map((c) => c.action));
      // The directory's GetItem and one read of the page: the fills table is never touched.
      expect(few.map((c) => [c.action, c.table]), path).toEqual([
        ["GetItem", tables.names.traders],
        [path.startsWith("/equity") ? "GetItem" : "Query", tables.names.pages],
      ]);
    }
    // And the large one is all there: 5,000 round trips, the series thinned to 2,000 points.
    expect((await call(api.url, `/traders/${LARGE}/equity?window=all`)).json.realized_pnl).toHaveLength(2_000);
    expect((await call(api.url, `/traders/${LARGE}/round-trips?limit=500`)).json.round_trips).toHaveLength(500);
  });

  it("answers exactly as before once the trader's fills and funding are deleted", async () => {
    const paths = [
      ...WINDOWS.map((w) => `/equity?window=${w}`),
      ...WINDOWS.map((w) => `/round-trips?window=${w}`),
      "/round-trips?dex=xyz",
      "/round-trips?dex=",
      "/round-trips?limit=7",
    ];
    const before = await Promise.all(paths.map((p) => call(api.url, `/traders/${GONE}${p}`)));
    const pagesBefore = await walk(api.url, `/traders/${GONE}/round-trips`, 4);
    expect(pagesBefore).toHaveLength(50);
    expect(before.map((r) => r.json.realized_pnl?.length ?? r.json.round_trips.length).every((n) => n > 0)).toBe(true);

    const keys = await tables.doc.send(
      new QueryCommand({ TableName: tables.names.fills, KeyConditionExpression: "trader_address = :a", ExpressionAttributeValues: { ":a": GONE } }),
    );
    const items = keys.Items ?? [];
    expect(items.length).toBe(100 + small.funding.length);
    for (let i = 0; i < items.length; i += 25) {
      const part = items.slice(i, i + 25).map((it) => ({ DeleteRequest: { Key: { trader_address: GONE, sk: it.sk } } }));
      await tables.doc.send(new BatchWriteCommand({ RequestItems: { [tables.names.fills]: part } }));
    }

    const after = await Promise.all(paths.map((p) => call(api.url, `/traders/${GONE}${p}`)));
    expect(after).toEqual(before);
    expect(await walk(api.url, `/traders/${GONE}/round-trips`, 4)).toEqual(pagesBefore);
  });

  it("pages through every window and dex exactly as the leaderboard's list, no duplicates, no gaps", async () => {
    for (const window of WINDOWS) {
      const list = listRoundTrips(large.fills, window, NOW, large.funding);
      for (const dex of [undefined, "", "xyz"]) {
        const want = list.filter((rt) => dex === undefined || rt.dex === dex).map(expected);
        const path = `/traders/${LARGE}/round-trips?window=${window}${dex === undefined ? "" : `&dex=${dex}`}`;
        const got = await walk(api.url, path, window === "all" || window === "30d" ? 500 : 37);
        expect(got.map(shown), path).toEqual(want);
      }
    }
    // Small pages over the ties (every 10th round trip closes in the same millisecond as the one before).
    expect((await walk(api.url, `/traders/${SMALL}/round-trips`, 3)).map(shown)).toEqual(listRoundTrips(small.fills, "all", NOW, small.funding).map(expected));
  }, 60_000);
});

describe("the leaderboard job's page writes", () => {
  let tables: TestTables;
  let api: Served;
  const T = addr(0x7);
  const recording = recordingDynamo();
  let now = NOW;
  const h = history(60, NOW - HOUR);
  let fills = [...h.fills];

  const run = async (at: number) => {
    now = at;
    recording.calls.length = 0;
    expect(await runJobOnStoredHistory(tables, at, recording.doc)).toMatchObject({ computed: 1, pagesFailed: 0 });
    const onPages = recording.calls.splice(0).filter((c) => c.table === tables.names.pages);
    return {
      tripPuts: onPages.reduce((n, c) => n + c.puts, 0),
      tripDeletes: onPages.reduce((n, c) => n + c.deletes, 0),
      itemPuts: onPages.filter((c) => c.action === "PutItem").length,
    };
  };
  const listed = () => listRoundTrips(fills, "all", now, h.funding).map(expected);

  beforeAll(async () => {
    tables = await testTables("pagew");
    const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    await trackTrader(traders, T, { source: "manual", at: NOW - 60 * 24 * HOUR });
    await store(tables, T, h);
    api = await serveApi(tables, tables, () => now);
  });
  afterAll(async () => {
    await api?.close();
    recording.client.destroy();
  });

  it("writes every round trip once, then only what is new, and rebuilds when older fills arrive", async () => {
    // First run: each round trip under every dex and under its own; four series and the marker.
    expect(await run(NOW)).toEqual({ tripPuts: 2 * 60, tripDeletes: 0, itemPuts: 4 + 1 });
    expect((await walk(api.url, `/traders/${T}/round-trips`, 500)).map(shown)).toEqual(listed());

    // Nothing new, same time: nothing written at all.
    expect(await run(NOW)).toEqual({ tripPuts: 0, tripDeletes: 0, itemPuts: 0 });

    // One round trip closes: exactly its two items; the windows moved, so the series are rewritten.
    const fresh = roundTrip({ coin: "xyz:TSLA", side: "long", sz: "1", px: "450", time: NOW + 5 * MINUTE, holdMs: 10 * MINUTE, closedPnl: "7.5" });
    fills.push(...fresh);
    await store(tables, T, { fills: fresh, funding: [] });
    expect(await run(NOW + HOUR)).toEqual({ tripPuts: 2, tripDeletes: 0, itemPuts: 4 + 1 });
    const afterNew = await walk(api.url, `/traders/${T}/round-trips`, 500);
    expect(afterNew.map(shown)).toEqual(listed());
    expect(afterNew[0]).toMatchObject({ coin: "xyz:TSLA", dex: "xyz", realized_pnl_usd: "7.5" });

    // An older fill arrives (the backfill reached further back): an add to the first BTC round
    // trip, whose closing fill then no longer follows on from what we hold, so it is no longer counted.
    const firstBtc = fills.find((f) => f.coin === "BTC")!;
    const older = fill({ coin: "BTC", side: firstBtc.side, sz: firstBtc.sz, px: "999", time: firstBtc.time + MINUTE, startPosition: firstBtc.sz });
    fills = [older, ...fills];
    await store(tables, T, { fills: [older], funding: [] });
    const before = new Set(afterNew.map((rt) => JSON.stringify(shown(rt))));
    const want = listed();
    const dropped = [...before].filter((k) => !want.some((w) => JSON.stringify(w) === k));
    expect(dropped.length).toBeGreaterThan(0);
    const rebuilt = await run(NOW + HOUR);
    expect(rebuilt).toMatchObject({ tripPuts: 2 * want.length, tripDeletes: 2 * dropped.length });
    expect((await walk(api.url, `/traders/${T}/round-trips`, 500)).map(shown)).toEqual(want);
    expect((await walk(api.url, `/traders/${T}/round-trips?dex=`, 500)).map(shown)).toEqual(want.filter((w) => w[1] === ""));
  });

  it("pages on without duplicates or gaps while the job adds round trips between the pages", async () => {
    const start = await walk(api.url, `/traders/${T}/round-trips`, 500);
    let added = false;
    const paged = await walk(api.url, `/traders/${T}/round-trips`, 6, async (page) => {
      if (page !== 1) return;
      const more = [
        ...roundTrip({ coin: "ETH", side: "short", sz: "2", px: "3000", time: now + MINUTE, holdMs: MINUTE, closedPnl: "-1.25" }),
        ...roundTrip({ coin: "xyz:TSLA", side: "long", sz: "1", px: "451", time: now + 2 * MINUTE, holdMs: MINUTE, closedPnl: "3" }),
      ];
      fills.push(...more);
      await store(tables, T, { fills: more, funding: [] });
      expect((await run(now + HOUR)).tripPuts).toBe(4);
      added = true;
    });
    expect(added).toBe(true);
    // The new ones are newer than the first page: the walk begun before them goes on where it was.
    expect(paged).toEqual(start);
    expect((await call(api.url, `/traders/${T}/round-trips?limit=2`)).json.round_trips.map((rt: any) => rt.coin)).toEqual(["xyz:TSLA", "ETH"]);
  });
});

describe("a window's series item at its largest", () => {
  it("holds three series of 2,000 points with long decimals within DynamoDB's 400 KB item limit, read back exactly", async () => {
    const tables = await testTables("pagemax", [PAGES_TABLE]);
    const pages = createDynamoTraderPagesStore(tables.doc, tables.names.pages);
    // Deterministic digits that do not compress: 20 before the point and 20 after, signed.
    let seed = 7;
    const digits = (n: number) => Array.from({ length: n }, () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % 10)).join("");
    const series = (): SeriesPoint[] =>
      Array.from({ length: MAX_SERIES_POINTS }, (_, i) => ({ t: NOW - i * 3_333_337, v: `${i % 2 === 0 ? "-" : ""}9${digits(19)}.${digits(20)}` })).reverse();
    const equity: StoredEquity = { account_value: series(), pnl: series(), realized_pnl: series(), portfolioFetchedAt: NOW };
    const T = addr(0x3);
    const marker = { basis: { after: null, fills: 0, lastFill: null, funding: 0, lastFunding: null }, newestTrip: null, seriesHash: {}, computedAt: NOW, checkpoint: null };
    await pages.apply(T, { replaceAll: false, replaceAfter: null, trips: [], series: [{ window: "all", equity }], prefix: null, dropPrefix: null, marker, writeMarker: true });
    const raw = await tables.doc.send(new GetCommand({ TableName: tables.names.pages, Key: { trader_address: T, sk: equitySortKey("all") } }));
    const bytes = (raw.Item?.body as Uint8Array).byteLength;
    // As plain JSON it would not fit (~410 KB); gzipped it is about a quarter of that.
    expect(JSON.stringify(equity).length).toBeGreaterThan(400_000);
    expect(bytes).toBeLessThan(400_000);
    expect(await pages.equity(T, "all")).toEqual(equity);
  });
});
