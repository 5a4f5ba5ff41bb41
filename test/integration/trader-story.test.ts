import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores, type ApiDeps } from "#api/index.js";
import { parseAddress, type Address } from "#domain/address.js";
import type { Fill } from "#domain/exchange.js";
import { toPortfolioHistory } from "#domain/history/mappers.js";
import type { PortfolioPeriod } from "#domain/history/ports.js";
import { trackTrader } from "#domain/traders.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient, type HyperliquidClient } from "#hyperliquid/client.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { portfolioSchema } from "#hyperliquid/schemas.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { testTables, type TestTables } from "../support/aws.js";
import { loadFixture } from "../support/fixtures.js";
import { recordingLogger } from "../support/logger.js";
import { serveApp, type Served } from "../support/serve.js";
import { runJobOnStoredHistory } from "../support/trader-pages.js";

/**
 * The dashboard's trader page over real HTTP: a trader, their fills and their `portfolio` stored
 * through the real store adapters in DynamoDB Local, the page precomputed by a leaderboard job run
 * at NOW (test/integration/trader-pages.test.ts shows the API reads nothing else), positions valued at the simulator's mid prices
 * (allMids over HTTP, through the real client and weight budget). Every expectation is what the
 * browser page would get.
 */

const addr = (n: number): Address => parseAddress(`0x${n.toString(16).padStart(40, "0")}`);
const A = addr(0x5a);
/** Tracked, nothing synced yet. */
const B = addr(0x5b);
const UNKNOWN = addr(0xdead);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 15, 12);
const PORTFOLIO_FETCHED_AT = NOW - 2 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

let tid = 1;
const fill = (f: Partial<Fill> & Pick<Fill, "coin" | "side" | "sz" | "px" | "time" | "startPosition">): Fill => ({
  dir: "Open Long",
  closedPnl: "0",
  fee: "0",
  hash: `0x${tid.toString(16).padStart(64, "0")}`,
  oid: tid,
  tid: tid++,
  feeToken: "USDC",
  crossed: true,
  ...f,
});

const FILLS: Fill[] = [
  // ETH long 2, closed 3 days ago: 200 − (2.7 + 2.79) = 194.51 on 6000 + 6200.
  fill({ coin: "ETH", side: "B", sz: "2", px: "3000", time: NOW - 3 * DAY - 2 * HOUR, startPosition: "0", fee: "2.7" }),
  fill({ coin: "ETH", side: "A", sz: "2", px: "3100", time: NOW - 3 * DAY, startPosition: "2", dir: "Close Long", closedPnl: "200", fee: "2.79" }),
  // BTC short 0.5, added to 0.75, closed 5 h ago: 1000 − (13.5 + 6.8625 + 19.9125) = 959.725 on 30000 + 15250 + 44250.
  fill({ coin: "BTC", side: "A", sz: "0.5", px: "60000", time: NOW - 10 * HOUR, startPosition: "0", dir: "Open Short", fee: "13.5" }),
  fill({ coin: "BTC", side: "A", sz: "0.25", px: "61000", time: NOW - 8 * HOUR, startPosition: "-0.5", dir: "Open Short", fee: "6.8625" }),
  fill({ coin: "BTC", side: "B", sz: "0.75", px: "59000", time: NOW - 5 * HOUR, startPosition: "-0.75", dir: "Close Short", closedPnl: "1000", fee: "19.9125" }),
  // SOL was already short 10 at the first fill we hold: its round trip is not listed, its PnL is realized.
  fill({ coin: "SOL", side: "B", sz: "10", px: "150", time: NOW - 2 * HOUR, startPosition: "-10", dir: "Close Short", closedPnl: "50", fee: "0.675" }),
  // Today's opens: the positions still held.
  fill({ coin: "BTC", side: "B", sz: "0.5", px: "60000", time: NOW - HOUR, startPosition: "0", fee: "13.5" }),
  fill({ coin: "ETH", side: "A", sz: "2", px: "3000", time: NOW - 30 * 60_000, startPosition: "0", dir: "Open Short", fee: "2.7" }),
  // A spot fill: in no figure.
  fill({ coin: "@107", side: "B", sz: "1", px: "12.5", time: NOW - 3 * HOUR, startPosition: "0", dir: "Buy", fee: "1" }),
  // Four ARB round trips 20 days ago, 10 − 0.1 = 9.9 each.
  ...[0, 1, 2, 3].flatMap((k) => [
    fill({ coin: "ARB", side: "B", sz: "100", px: "1", time: NOW - 20 * DAY + k * HOUR, startPosition: "0", fee: "0.05" }),
    fill({ coin: "ARB", side: "A", sz: "100", px: "1.1", time: NOW - 20 * DAY + k * HOUR + 60_000, startPosition: "100", dir: "Close Long", closedPnl: "10", fee: "0.05" }),
  ]),
];

/** Stored funding of A: one payment inside the BTC round trip, one inside the ETH one, one BTC payment after both. */
const FUNDING = [
  { time: NOW - 7 * HOUR, coin: "BTC", usdc: "-0.275" },
  { time: NOW - 3 * DAY - HOUR, coin: "ETH", usdc: "1.5" },
  { time: NOW - HOUR, coin: "BTC", usdc: "-3" },
];

const BTC_TRIP = {
  coin: "BTC",
  dex: "",
  side: "SHORT",
  opened_at: iso(NOW - 10 * HOUR),
  closed_at: iso(NOW - 5 * HOUR),
  hold_hours: 5,
  max_size: "0.75",
  volume_usd: "89500",
  // 1,000 closed PnL − 40.275 fees − 0.275 funding paid while it was open (FUNDING below).
  realized_pnl_usd: "959.45",
  funding_usd: "-0.275",
  fees_usd: "40.275",
  fills: 3,
};
const ETH_TRIP = {
  coin: "ETH",
  dex: "",
  side: "LONG",
  opened_at: iso(NOW - 3 * DAY - 2 * HOUR),
  closed_at: iso(NOW - 3 * DAY),
  hold_hours: 2,
  max_size: "2",
  volume_usd: "12200",
  // 200 − 5.49 fees + 1.5 funding received.
  realized_pnl_usd: "196.01",
  funding_usd: "1.5",
  fees_usd: "5.49",
  fills: 2,
};
const ARB_TRIP = (k: number) => ({
  coin: "ARB",
  dex: "",
  side: "LONG",
  opened_at: iso(NOW - 20 * DAY + k * HOUR),
  closed_at: iso(NOW - 20 * DAY + k * HOUR + 60_000),
  hold_hours: 1 / 60,
  max_size: "100",
  volume_usd: "210",
  realized_pnl_usd: "9.9",
  funding_usd: "0",
  fees_usd: "0.1",
  fills: 2,
});

const call = async (base: string, path: string) => {
  const res = await fetch(base + path);
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as any, text, cacheControl: res.headers.get("cache-control") };
};

const expectError = (r: { status: number; json: any; text: string }, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.json).toEqual({ error: { code, message: expect.any(String) } });
  expect(r.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
};

describe("the trader page's API (equity, round trips, valued positions)", () => {
  let tables: TestTables;
  let sim: Simulator;
  let deps: ApiDeps;
  let api: Served;
  const clients: HyperliquidClient[] = [];
  const served: Served[] = [];
  const log = recordingLogger();

  const client = (baseUrl: string): HyperliquidClient => {
    const c = createHyperliquidClient({
      baseUrl,
      budget: createWeightBudget({ limitPerMinute: 1_000_000, discoveryShare: 0.25, historyShare: 0.25 }),
      timeoutMs: 1_000,
      maxRetries: 1,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
    });
    clients.push(c);
    return c;
  };

  /** The API with marks from the exchange at `baseUrl`; its own logger so a test can read the warnings. */
  const apiWithExchange = async (baseUrl: string) => {
    const own = recordingLogger();
    const s = await serveApp(createApiApp({ ...deps, logger: own.logger, marks: createHyperliquidMarks(client(baseUrl), { logger: own.logger }) }));
    served.push(s);
    return { url: s.url, log: own };
  };

  beforeAll(async () => {
    tables = await testTables("story");
    sim = createSimulator({ seed: 11, weightPerMinute: Infinity }); // the budget here is raised beyond the exchange's rule
    await sim.start();
    sim.setMark("BTC", "61234.5");
    sim.setMark("ETH", "2950.1");

    const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    for (const t of [A, B]) await trackTrader(traders, t, { source: "manual", at: NOW - 30 * DAY });
    await traders.saveBaseline(
      A,
      {
        BTC: { szi: "0.5", entryPx: "60000", leverage: { type: "cross", value: 10 } },
        ETH: { szi: "-2", entryPx: "3000", leverage: { type: "isolated", value: 5 } },
      },
      NOW,
      NOW,
    );
    await traders.saveBaseline(B, {}, NOW, NOW);
    // Stored as the tracker and the leaderboard job store them.
    await createDynamoFillStore(tables.doc, tables.names.fills).putFills(A, FILLS);
    const history = createDynamoHistoryStore(tables.doc, { fills: tables.names.fills, state: tables.names.state });
    const answer = portfolioSchema.parse(loadFixture("portfolio.recorded.json").response) as [string, PortfolioPeriod][];
    await history.putPortfolio(A, toPortfolioHistory(answer, PORTFOLIO_FETCHED_AT));
    await history.putLedger(A, [{ time: NOW - DAY, hash: "0x1", delta: { type: "deposit", usdc: "1000" } }]);
    await history.putFunding(A, FUNDING);
    await runJobOnStoredHistory(tables, NOW);

    deps = {
      ...createDynamoApiStores(tables.client, tables.doc, tables.names),
      marks: createHyperliquidMarks(client(sim.url), { logger: log.logger }),
      checks: [],
      adminApiKey: undefined,
      logger: log.logger,
      now: () => NOW,
      limits: { rateLimit: false },
    };
    api = await serveApp(createApiApp(deps));
  });

  afterAll(async () => {
    await Promise.all([api, ...served].map((s) => s?.close()));
    await Promise.all(clients.map((c) => c.close()));
    await sim?.stop();
  });

  const get = (path: string) => call(api.url, path);

  describe("GET /traders/{address}/equity", () => {
    it("charts the stored portfolio period of the window and the exact cumulative realized PnL", async () => {
      const r = await get(`/traders/${A}/equity?window=1d`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual(["address", "window", "account_value", "pnl", "realized_pnl", "updated_at"]);
      expect(r.json).toMatchObject({ address: A, window: "1d", updated_at: iso(PORTFOLIO_FETCHED_AT) });
      // The recorded answer's "day" period, sample for sample.
      expect(r.json.account_value).toHaveLength(13);
      expect(r.json.account_value[0]).toEqual({ t: 1755772320063, v: "160794563.9261809886" });
      expect(r.json.account_value.at(-1)).toEqual({ t: 1755863121304, v: "160664370.477425009" });
      expect(r.json.pnl.at(-1)).toEqual({ t: 1755863121304, v: "-130193.448756" });
      // −13.5; −6.8625 → −20.3625; funding −0.275 → −20.6375; +1000 −19.9125 → 959.45; SOL +50 −0.675 → 1008.775;
      // −13.5 and funding −3 in the same millisecond → 992.275; −2.7 → 989.575.
      expect(r.json.realized_pnl).toEqual([
        { t: NOW - DAY, v: "0" },
        { t: NOW - 10 * HOUR, v: "-13.5" },
        { t: NOW - 8 * HOUR, v: "-20.3625" },
        { t: NOW - 7 * HOUR, v: "-20.6375" },
        { t: NOW - 5 * HOUR, v: "959.45" },
        { t: NOW - 2 * HOUR, v: "1008.775" },
        { t: NOW - HOUR, v: "992.275" },
        { t: NOW - 30 * 60_000, v: "989.575" },
      ]);
    });

    it("7d adds the ETH round trip of 3 days ago; the default window is 30d; all starts 1 ms before the oldest fill", async () => {
      const week = await get(`/traders/${A}/equity?window=7d`);
      expect(week.json.account_value).toHaveLength(64);
      // −2.7, funding +1.5 → −1.2, +200 −2.79 → 196.01, then the day's moves (its funding included).
      expect(week.json.realized_pnl.map((p: { v: string }) => p.v)).toEqual([
        "0",
        "-2.7",
        "-1.2",
        "196.01",
        "182.51",
        "175.6475",
        "175.3725",
        "1155.46",
        "1204.785",
        "1188.285",
        "1185.585",
      ]);
      expect(week.json.realized_pnl[0].t).toBe(NOW - 7 * DAY);

      const month = await get(`/traders/${A}/equity`);
      expect(month.json.window).toBe("30d");
      expect(month.json.account_value).toHaveLength(45);
      // The four ARB round trips (9.9 each, 39.6) come first: 39.6 + 1185.585 = 1225.185 at the end.
      expect(month.json.realized_pnl.at(-1)).toEqual({ t: NOW - 30 * 60_000, v: "1225.185" });
      expect(month.json.realized_pnl).toHaveLength(1 + 8 + 10);

      const all = await get(`/traders/${A}/equity?window=all`);
      expect(all.json.account_value).toHaveLength(76);
      expect(all.json.realized_pnl[0]).toEqual({ t: NOW - 20 * DAY - 1, v: "0" });
      expect(all.json.realized_pnl.at(-1)).toEqual(month.json.realized_pnl.at(-1));
      for (const s of [all.json.account_value, all.json.pnl, all.json.realized_pnl]) {
        for (let i = 1; i < s.length; i++) expect(s[i].t).toBeGreaterThan(s[i - 1].t);
      }
    });

    it("is empty, not 404, for a tracked trader whose history is not synced yet", async () => {
      for (const w of ["1d", "all"]) {
        const r = await get(`/traders/${B}/equity?window=${w}`);
        expect(r.status).toBe(200);
        expect(r.json).toEqual({ address: B, window: w, account_value: [], pnl: [], realized_pnl: [], updated_at: null });
      }
    });

    it("400 for a bad window (naming the allowed values) or address, 404 for an unknown trader", async () => {
      const bad = await get(`/traders/${A}/equity?window=1w`);
      expect(bad.cacheControl).toBeNull();
      expectError(bad, 400, "VALIDATION_ERROR");
      expect(bad.json.error.message).toContain("window must be one of: 1d, 7d, 30d, all");
      expectError(await get(`/traders/${A}/equity?window=`), 400, "VALIDATION_ERROR");
      expectError(await get("/traders/0x123/equity"), 400, "VALIDATION_ERROR");
      const unknown = await get(`/traders/${UNKNOWN}/equity`);
      expectError(unknown, 404, "NOT_FOUND");
      expect(unknown.cacheControl).toBeNull();
    });

    it("may be cached as long as the leaderboard: the job recomputes it once a run", async () => {
      for (const path of [`/traders/${A}/equity?window=all`, `/traders/${B}/equity`]) {
        expect((await get(path)).cacheControl).toBe("public, max-age=300");
      }
    });
  });

  describe("GET /traders/{address}/round-trips", () => {
    it("lists the counted closed round trips newest first, with the leaderboard's figures", async () => {
      const r = await get(`/traders/${A}/round-trips`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        address: A,
        window: "all",
        round_trips: [BTC_TRIP, ETH_TRIP, ARB_TRIP(3), ARB_TRIP(2), ARB_TRIP(1), ARB_TRIP(0)],
        next_cursor: null,
      });
    });

    it("keeps the round trips closed in the window", async () => {
      expect((await get(`/traders/${A}/round-trips?window=1d`)).json.round_trips).toEqual([BTC_TRIP]);
      expect((await get(`/traders/${A}/round-trips?window=7d`)).json.round_trips).toEqual([BTC_TRIP, ETH_TRIP]);
      expect((await get(`/traders/${A}/round-trips?window=30d`)).json.round_trips).toHaveLength(6);
      expect((await get(`/traders/${B}/round-trips`)).json).toEqual({ address: B, window: "all", round_trips: [], next_cursor: null });
    });

    it("pages with an opaque cursor, every round trip exactly once", async () => {
      const seen: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await get(`/traders/${A}/round-trips?limit=4${cursor === null ? "" : `&cursor=${cursor}`}`);
        expect(r.status).toBe(200);
        seen.push(...r.json.round_trips);
        cursor = r.json.next_cursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(2);
      expect(seen).toEqual([BTC_TRIP, ETH_TRIP, ARB_TRIP(3), ARB_TRIP(2), ARB_TRIP(1), ARB_TRIP(0)]);
    });

    it("400 for a bad window, limit, tampered cursor or one issued for another trader or window; 404 for an unknown trader", async () => {
      expect((await get(`/traders/${A}/round-trips?window=2d`)).json.error.message).toContain("window must be one of: 1d, 7d, 30d, all");
      for (const limit of ["0", "501", "x"]) expectError(await get(`/traders/${A}/round-trips?limit=${limit}`), 400, "VALIDATION_ERROR");
      const first = await get(`/traders/${A}/round-trips?limit=1`);
      const cursor: string = first.json.next_cursor;
      expect(cursor).toEqual(expect.any(String));
      expectError(await get(`/traders/${A}/round-trips?cursor=not*base64`), 400, "VALIDATION_ERROR");
      const forged = Buffer.from(JSON.stringify({ k: "round-trips", key: { a: A, w: "all", t: -1, tid: 0 } })).toString("base64url");
      expectError(await get(`/traders/${A}/round-trips?cursor=${forged}`), 400, "VALIDATION_ERROR");
      const events = Buffer.from(JSON.stringify({ k: "events", key: { a: A, w: "all", t: 1, tid: 0 } })).toString("base64url");
      expectError(await get(`/traders/${A}/round-trips?cursor=${events}`), 400, "VALIDATION_ERROR");
      expectError(await get(`/traders/${A}/round-trips?window=7d&cursor=${cursor}`), 400, "VALIDATION_ERROR");
      expectError(await get(`/traders/${B}/round-trips?cursor=${cursor}`), 400, "VALIDATION_ERROR");
      expect((await get(`/traders/${A}/round-trips?cursor=${cursor}`)).json.round_trips[0]).toEqual(ETH_TRIP);
      expectError(await get("/traders/nope/round-trips"), 400, "VALIDATION_ERROR");
      const unknown = await get(`/traders/${UNKNOWN}/round-trips`);
      expectError(unknown, 404, "NOT_FOUND");
      expect(unknown.cacheControl).toBeNull();
      expect((await get(`/traders/${A}/round-trips?cursor=${forged}`)).cacheControl).toBeNull();
    });

    it("may be cached as long as the leaderboard: the job recomputes it once a run", async () => {
      for (const path of [`/traders/${A}/round-trips?limit=1`, `/traders/${A}/round-trips?window=1d&dex=`, `/traders/${B}/round-trips`]) {
        expect((await get(path)).cacheControl).toBe("public, max-age=300");
      }
    });
  });

  describe("GET /traders/{address} positions", () => {
    it("values each open position at the exchange's mid price, exactly, and says when the prices were fetched", async () => {
      const before = Date.now();
      const r = await get(`/traders/${A}`);
      expect(r.status).toBe(200);
      // Long 0.5 from 60000 at 61234.5: +617.25, worth 30617.25. Short 2 from 3000 at 2950.1: +99.8, worth 5900.2.
      expect(r.json.positions).toEqual([
        {
          coin: "BTC",
          dex: "",
          side: "LONG",
          size: "0.5",
          szi: "0.5",
          entry_price: "60000",
          leverage: 10,
          leverage_type: "cross",
          mark_price: "61234.5",
          unrealized_pnl_usd: "617.25",
          position_value_usd: "30617.25",
        },
        {
          coin: "ETH",
          dex: "",
          side: "SHORT",
          size: "2",
          szi: "-2",
          entry_price: "3000",
          leverage: 5,
          leverage_type: "isolated",
          mark_price: "2950.1",
          unrealized_pnl_usd: "99.8",
          position_value_usd: "5900.2",
        },
      ]);
      expect(Date.parse(r.json.marks_at)).toBeGreaterThanOrEqual(before - 15_000);
      expect(Date.parse(r.json.marks_at)).toBeLessThanOrEqual(Date.now());
    });

    it("shares one allMids request between concurrent requests and reuses it for 15 s", async () => {
      const fresh = await apiWithExchange(sim.url);
      sim.resetStats();
      const answers = await Promise.all(Array.from({ length: 8 }, () => call(fresh.url, `/traders/${A}`)));
      const again = await call(fresh.url, `/traders/${A}`);
      expect(sim.stats().requests.allMids).toBe(1);
      expect(new Set([...answers, again].map((a) => a.json.marks_at)).size).toBe(1);
      // No position, no price asked for.
      expect((await call(fresh.url, `/traders/${B}`)).json).toMatchObject({ positions: [], marks_at: null });
      expect(sim.stats().requests.allMids).toBe(1);
    });

    it("answers 200 without marks, and logs a warning, when the exchange is down or answers badly", async () => {
      const gone = createSimulator({ seed: 12 });
      const goneUrl = await gone.start();
      await gone.stop();
      const broken = createSimulator({ seed: 13 });
      await broken.start();
      broken.setFaults({ malformedRate: 1 });
      try {
        for (const baseUrl of [goneUrl, broken.url]) {
          const down = await apiWithExchange(baseUrl);
          const r = await call(down.url, `/traders/${A}`);
          expect(r.status).toBe(200);
          expect(r.json.marks_at).toBeNull();
          expect(r.json.positions.map((p: any) => [p.coin, p.size, p.mark_price, p.unrealized_pnl_usd, p.position_value_usd])).toEqual([
            ["BTC", "0.5", null, null, null],
            ["ETH", "2", null, null, null],
          ]);
          expect(down.log.entries.filter((e) => e.level === "warn").map((e) => e.message)).toEqual([expect.stringContaining("Mid prices unavailable")]);
          expect(down.log.entries.filter((e) => e.level === "error")).toEqual([]);
        }
        expect(broken.stats().requests.allMids).toBe(1);
      } finally {
        await broken.stop();
      }
    });
  });

  describe("GET /traders/{address} data_freshness", () => {
    it("says when each history source last synced, which are failing since when, and whether that makes the data stale", async () => {
      const history = createDynamoHistoryStore(tables.doc, { fills: tables.names.fills, state: tables.names.state });
      const cursor = (at: number) => ({ cursor: at, seen: [], caughtUp: true, syncedAt: at });
      // The ledger has failed for 4 hours (three hourly runs): stale; fills and portfolio are current.
      await history.saveSyncState(A, {
        fills: cursor(NOW - HOUR),
        ledger: cursor(NOW - 5 * HOUR),
        funding: cursor(NOW - HOUR),
        portfolioFetchedAt: PORTFOLIO_FETCHED_AT,
        failingSince: { ledger: NOW - 4 * HOUR },
        role: { role: "user", fetchedAt: NOW - DAY },
      });
      const a = await get(`/traders/${A}`);
      expect(a.json.data_freshness).toEqual({
        status: "stale",
        fills_synced_at: iso(NOW - HOUR),
        ledger_synced_at: iso(NOW - 5 * HOUR),
        funding_synced_at: iso(NOW - HOUR),
        portfolio_fetched_at: iso(PORTFOLIO_FETCHED_AT),
        stale_sources: ["ledger"],
        failing_since: { ledger: iso(NOW - 4 * HOUR) },
      });
      // Once the ledger syncs again, fresh.
      await history.saveSyncState(A, {
        fills: cursor(NOW - HOUR),
        ledger: cursor(NOW - 10 * 60_000),
        funding: cursor(NOW - HOUR),
        portfolioFetchedAt: PORTFOLIO_FETCHED_AT,
        failingSince: {},
        role: { role: "user", fetchedAt: NOW - DAY },
      });
      expect((await get(`/traders/${A}`)).json.data_freshness).toMatchObject({ status: "fresh", stale_sources: [], failing_since: {} });
      // Tracked 30 days ago and never synced: every source is overdue.
      expect((await get(`/traders/${B}`)).json.data_freshness).toEqual({
        status: "stale",
        fills_synced_at: null,
        ledger_synced_at: null,
        funding_synced_at: null,
        portfolio_fetched_at: null,
        stale_sources: ["fills", "ledger", "funding", "portfolio"],
        failing_since: {},
      });
    });
  });

  it("the OpenAPI document lists the new routes", async () => {
    const doc = (await get("/openapi.json")).json;
    expect(doc.paths["/traders/{address}/equity"].get.operationId).toBe("getTraderEquity");
    expect(doc.paths["/traders/{address}/round-trips"].get.operationId).toBe("listTraderRoundTrips");
  });
});
