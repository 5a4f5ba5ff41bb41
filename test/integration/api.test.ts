import { request as httpRequest } from "node:http";
import { gunzipSync } from "node:zlib";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores, mountApi, type ApiDeps } from "#api/index.js";
import { parseAddress, type Address } from "#domain/address.js";
import { buildEvent } from "#domain/events.js";
import { LEADERBOARD_SORT_FIELDS, type LeaderboardRow } from "#domain/leaderboard.js";
import { diffPositions, type PositionMap } from "#domain/positions.js";
import { trackTrader } from "#domain/traders.js";
import { leaderboardHeaderKey, leaderboardPageKey } from "#store/dynamo/keys.js";
import { createDynamoLeaderboardStore, MAX_PAGE_BYTES } from "#store/dynamo/leaderboard.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { testTables, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { leaderboardRow } from "../unit/api/leaderboard-rows.js";
import { serveApp, type Served } from "../support/serve.js";

/**
 * The HTTP API over a real socket, against DynamoDB Local, with data seeded through the same
 * stores the tracker writes with. Every expectation is what an API client would see.
 */
const ADMIN_KEY = "test-admin-key-0123456789";
const addr = (n: number): Address => parseAddress(`0x${n.toString(16).padStart(40, "0")}`);
const TRADERS = Array.from({ length: 7 }, (_, i) => addr(0xa0 + i));
const A = TRADERS[0]!;
const B = TRADERS[1]!;
const T0 = Date.parse("2026-01-01T00:00:00Z");

const call = async (base: string, path: string, init: RequestInit = {}) => {
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
};

/** Seeds the scripted history of A through the real tracker store: a baseline and four transitions. */
const seedHistory = async (store: ReturnType<typeof createDynamoTraderStore>) => {
  const lev = { type: "cross" as const, value: 10 };
  const states: PositionMap[] = [
    { BTC: { szi: "1", entryPx: "60000", leverage: lev } },
    { BTC: { szi: "1.5", entryPx: "60333", leverage: lev }, ETH: { szi: "-2", entryPx: "3000", leverage: lev } },
    { BTC: { szi: "1.5", entryPx: "60333", leverage: lev }, ETH: { szi: "-0.5", entryPx: "3000", leverage: lev } },
    { BTC: { szi: "-1", entryPx: "62000", leverage: lev }, ETH: { szi: "-0.5", entryPx: "3000", leverage: lev } },
    { BTC: { szi: "-1", entryPx: "62000", leverage: lev } },
  ];
  expect(await store.saveBaseline(A, states[0]!, T0, T0)).toBe(true);
  for (let v = 1; v < states.length; v++) {
    const at = T0 + v * 60_000;
    const events = diffPositions(states[v - 1]!, states[v]!).map((ch) => buildEvent(A, v, ch, [], at));
    const r = await store.commitTransition({
      address: A,
      expectedVersion: v - 1,
      newVersion: v,
      positions: states[v]!,
      events,
      fillsCursor: at,
      asOf: at,
      at,
    });
    expect(r).toBe("committed");
  }
};

/** Trader i's row: win_rate falls as i grows, so the default order is i ascending. */
const row = (i: number, overrides: Partial<LeaderboardRow> = {}): LeaderboardRow =>
  leaderboardRow(addr(0xb00 + i), { win_rate: 1 - i / 100_000, trades_count: i, updated_at: "2026-01-02T00:00:00.000Z", ...overrides });

describe("HTTP API", () => {
  let tables: TestTables;
  let deps: ApiDeps;
  let api: Served;
  const log = recordingLogger();

  beforeAll(async () => {
    tables = await testTables("api");
    const writer = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    for (const [i, t] of TRADERS.entries()) {
      await trackTrader(writer, t, { source: i === 0 ? "manual" : "recent_trades", coin: "BTC", at: T0 - 1000 });
    }
    await seedHistory(writer);
    // B is also tracked with one event, so its cursor is "foreign" to A's events.
    await writer.saveBaseline(B, {}, T0, T0);
    await writer.commitTransition({
      address: B,
      expectedVersion: 0,
      newVersion: 1,
      positions: { SOL: { szi: "3", entryPx: "100", leverage: { type: "isolated", value: 3 } } },
      events: diffPositions({}, { SOL: { szi: "3", entryPx: "100", leverage: { type: "isolated", value: 3 } } }).map(
        (ch) => buildEvent(B, 1, ch, [], T0 + 1),
      ),
      fillsCursor: T0,
      asOf: T0 + 1,
      at: T0 + 1,
    });
    const runState = createDynamoRunStateStore(tables.doc, tables.names.state);
    await runState.recordCycle({ cycleId: "c1", dispatchedAt: T0 + 3_600_000, messages: 1, traders: 7 });
    await runState.recordBatchDone("c1", 7, T0 + 3_601_000);

    deps = {
      ...createDynamoApiStores(tables.client, tables.doc, tables.names),
      checks: [{ name: "dynamodb", check: async () => {} }],
      adminApiKey: ADMIN_KEY,
      logger: log.logger,
      limits: { rateLimit: false },
    };
    api = await serveApp(createApiApp(deps));
  });
  afterAll(async () => api?.close());

  const get = (path: string, init?: RequestInit) => call(api.url, path, init);
  /** `key` null sends no x-api-key header at all. */
  const admin = (method: string, path: string, key: string | null = ADMIN_KEY, body?: string) =>
    call(api.url, path, { method, headers: key === null ? {} : { "x-api-key": key }, ...(body !== undefined ? { body } : {}) });

  const expectError = (r: { status: number; json: any; text: string }, status: number, code?: string) => {
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    if (code !== undefined) expect(r.json.error.code).toBe(code);
    expect(r.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  };

  it("GET / names the API and links to the docs", async () => {
    const r = await get("/");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "hyperliquid-copytrader", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(r.json.links).toMatchObject({ docs: "/docs", openapi: "/openapi.json" });
  });

  it("GET /health is 200 when every dependency answers and 503 when one does not", async () => {
    expect((await get("/health")).json).toMatchObject({ status: "ok", dependencies: { dynamodb: "ok" } });
    const down = await serveApp(
      createApiApp({
        ...deps,
        checks: [...deps.checks, { name: "sqs", check: async () => Promise.reject(new Error("secret detail")) }],
      }),
    );
    try {
      const r = await call(down.url, "/health");
      expect(r.status).toBe(503);
      expect(r.json).toMatchObject({ status: "unavailable", dependencies: { dynamodb: "ok", sqs: "unavailable" } });
      expect(r.text).not.toContain("secret detail");
    } finally {
      await down.close();
    }
  });

  describe("GET /traders", () => {
    it("walks every trader exactly once, page by page", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await get(`/traders?limit=2${cursor !== null ? `&cursor=${cursor}` : ""}`);
        expect(r.status).toBe(200);
        expect(r.json.traders.length).toBeLessThanOrEqual(2);
        seen.push(...r.json.traders.map((t: { address: string }) => t.address));
        cursor = r.json.next_cursor;
        pages++;
      } while (cursor !== null && pages < 20);
      expect(seen.sort()).toEqual([...TRADERS].sort());
    });

    it("shows each trader's facts and derives last_tracked_at from the tracking cycle", async () => {
      const r = await get("/traders?limit=500");
      const a = r.json.traders.find((t: { address: string }) => t.address === A);
      expect(a).toEqual({
        address: A,
        first_seen_at: new Date(T0 - 1000).toISOString(),
        last_tracked_at: new Date(T0 + 3_601_000).toISOString(),
        is_active: true,
        discovery_source: "manual",
        discovery_coin: "BTC",
      });
      expect(r.json.next_cursor).toBeNull();
    });

    it.each(["0", "501", "abc", "1.5", ""])("rejects limit=%s", async (limit) => {
      expectError(await get(`/traders?limit=${limit}`), 400, "VALIDATION_ERROR");
    });

    it("rejects a tampered or foreign cursor", async () => {
      expectError(await get("/traders?cursor=not*base64"), 400);
      const forged = Buffer.from(JSON.stringify({ k: "traders", key: { address: "x", extra: 1 } })).toString("base64url");
      expectError(await get(`/traders?cursor=${forged}`), 400);
      const events = await get(`/traders/${A}/events?limit=1`);
      expectError(await get(`/traders?cursor=${events.json.next_cursor}`), 400);
    });
  });

  describe("GET /traders/{address}", () => {
    it("returns the trader, their open positions and null metrics; the address may be any case", async () => {
      const r = await get(`/traders/${A.toUpperCase().replace("0X", "0x")}`);
      expect(r.status).toBe(200);
      // No mark source in these deps: positions come without mark, value or unrealized PnL.
      expect(r.json).toMatchObject({ address: A, is_active: true, metrics: null, marks_at: null });
      expect(r.json.positions).toEqual([
        {
          coin: "BTC",
          dex: "",
          side: "SHORT",
          size: "1",
          szi: "-1",
          entry_price: "62000",
          leverage: 10,
          leverage_type: "cross",
          mark_price: null,
          unrealized_pnl_usd: null,
          position_value_usd: null,
        },
      ]);
    });

    it("400 for a malformed address, 404 for an unknown one", async () => {
      expectError(await get("/traders/0x123"), 400, "VALIDATION_ERROR");
      expectError(await get(`/traders/0x${"g".repeat(40)}`), 400);
      expectError(await get(`/traders/${addr(0xdead)}`), 404, "NOT_FOUND");
    });
  });

  describe("GET /traders/{address}/events", () => {
    it("lists events newest first and pages through all of them exactly once", async () => {
      const all = await get(`/traders/${A}/events`);
      expect(all.status).toBe(200);
      const versions = all.json.events.map((e: { version: number }) => e.version);
      expect(versions).toEqual([...versions].sort((x, y) => y - x));
      expect(all.json.events).toHaveLength(5);
      expect(all.json.events[0]).not.toHaveProperty("sk");
      expect(all.json.events[0]).toMatchObject({ trader_address: A, details: { coin: expect.any(String) } });

      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(`/traders/${A}/events?limit=4${cursor !== null ? `&cursor=${cursor}` : ""}`);
        walked.push(...r.json.events.map((e: { id: string }) => e.id));
        cursor = r.json.next_cursor;
      } while (cursor !== null);
      expect(walked).toEqual(all.json.events.map((e: { id: string }) => e.id));
    });

    it("filters by event_type and coin", async () => {
      const flips = await get(`/traders/${A}/events?event_type=FLIP_POSITION`);
      expect(flips.json.events.map((e: { event_type: string; details: { coin: string } }) => [e.event_type, e.details.coin])).toEqual([
        ["FLIP_POSITION", "BTC"],
      ]);
      const eth = await get(`/traders/${A}/events?coin=ETH`);
      expect(eth.json.events.map((e: { event_type: string }) => e.event_type)).toEqual([
        "CLOSE_POSITION",
        "DECREASE_POSITION",
        "OPEN_POSITION",
      ]);
    });

    it("400 for a bad filter, limit, cursor or another trader's cursor; 404 for an unknown trader", async () => {
      expectError(await get(`/traders/${A}/events?event_type=BUY`), 400);
      expectError(await get(`/traders/${A}/events?limit=1000`), 400);
      expectError(await get(`/traders/${A}/events?cursor=${Buffer.from("{}").toString("base64url")}`), 400);
      const bPage = await get(`/traders/${B}/events?limit=1`);
      expect(bPage.json.events).toHaveLength(1);
      const aPage = await get(`/traders/${A}/events?limit=1`);
      expectError(await get(`/traders/${B}/events?cursor=${aPage.json.next_cursor}`), 400);
      expectError(await get(`/traders/${addr(0xdead)}/events`), 404);
      expectError(await get("/traders/nope/events"), 400);
    });
  });

  describe("POST/DELETE /traders/{address}/track", () => {
    const NEW = addr(0xc0ffee);

    it("needs the admin key: 401 without, 403 when wrong", async () => {
      expectError(await admin("POST", `/traders/${NEW}/track`, null), 401, "UNAUTHORIZED");
      expectError(await admin("POST", `/traders/${NEW}/track`, "wrong-key"), 403, "FORBIDDEN");
      expectError(await admin("DELETE", `/traders/${NEW}/track`, "x".repeat(64)), 403);
    });

    it("tracks (201), keeps tracking (200), stops (200) and resumes (200, reactivated)", async () => {
      const created = await admin("POST", `/traders/${NEW}/track`);
      expect(created.status).toBe(201);
      expect(created.json).toEqual({ address: NEW, tracking: true, created: true, reactivated: false });
      const again = await admin("POST", `/traders/${NEW.toUpperCase().replace("0X", "0x")}/track`);
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ created: false, reactivated: false });

      const stopped = await admin("DELETE", `/traders/${NEW}/track`);
      expect(stopped.status).toBe(200);
      expect(stopped.json).toMatchObject({ tracking: false });
      const item = await tables.doc.send(new GetCommand({ TableName: tables.names.traders, Key: { address: NEW } }));
      expect(item.Item).toMatchObject({ is_active: false });
      expect(item.Item).not.toHaveProperty("active_shard");
      expect((await get(`/traders/${NEW}`)).json).toMatchObject({ is_active: false, last_tracked_at: null });

      const resumed = await admin("POST", `/traders/${NEW}/track`, ADMIN_KEY, "{}");
      expect(resumed.status).toBe(200);
      expect(resumed.json).toMatchObject({ created: false, reactivated: true });
    });

    it("400 for a bad address or a body that is not JSON, 413 for a huge body, 404 to stop an unknown trader", async () => {
      expectError(await admin("POST", "/traders/0xnope/track"), 400);
      expectError(await admin("POST", `/traders/${NEW}/track`, ADMIN_KEY, "{not json"), 400, "VALIDATION_ERROR");
      expectError(await admin("POST", `/traders/${NEW}/track`, ADMIN_KEY, JSON.stringify({ pad: "x".repeat(20_000) })), 413, "PAYLOAD_TOO_LARGE");
      expectError(await admin("DELETE", `/traders/${addr(0xdead)}/track`), 404);
    });

    it("503 with a clear message when no admin key is configured", async () => {
      const open = await serveApp(createApiApp({ ...deps, adminApiKey: undefined }));
      try {
        const r = await call(open.url, `/traders/${NEW}/track`, { method: "POST", headers: { "x-api-key": "anything" } });
        expectError(r, 503, "SERVICE_UNAVAILABLE");
        expect(r.json.error.message).toContain("ADMIN_API_KEY");
        expectError(await call(open.url, "/api/v1/cache/clear", { method: "POST" }), 503);
      } finally {
        await open.close();
      }
    });
  });

  describe("leaderboard", () => {
    const store = () => createDynamoLeaderboardStore(tables.doc, tables.names.state);
    const clearCache = async () => expect((await admin("POST", "/api/v1/cache/clear")).status).toBe(200);
    const NO_FILTERS = { min_trades: null, min_volume_usd: null, min_account_age_days: null, exclude_bots: false };
    const addresses = (rows: LeaderboardRow[]) => rows.map((r) => r.trader_address);

    /** Follows next_cursor from the first page to the last; every response must be a 200. */
    const walk = async (base: string, query: string) => {
      const walked: LeaderboardRow[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await call(base, `/api/v1/leaderboard?${query}${cursor !== null ? `&cursor=${cursor}` : ""}`);
        expect(r.status).toBe(200);
        walked.push(...r.json.leaderboard);
        cursor = r.json.next_cursor;
        pages++;
      } while (cursor !== null);
      return { walked, pages };
    };

    it("is empty with updated_at null before the leaderboard job ran", async () => {
      for (const path of ["/api/v1/leaderboard", "/leaderboard"]) {
        const r = await get(path);
        expect(r.status).toBe(200);
        expect(r.json).toEqual({
          leaderboard: [],
          window: "all",
          sort_by: "win_rate",
          order: "desc",
          filters: NO_FILTERS,
          updated_at: null,
          next_cursor: null,
        });
        expect(r.headers.get("cache-control")).toBe("public, max-age=300");
      }
    });

    it("serves the stored snapshot after a cache clear, pages it, and answers 304 to a matching ETag", async () => {
      const rows = Array.from({ length: 5 }, (_, i) => row(i));
      await store().writeSnapshot("all", [...rows].reverse(), "2026-01-02T00:00:00.000Z");
      // Still cached (empty) until someone clears the cache.
      expect((await get("/api/v1/leaderboard")).json.leaderboard).toEqual([]);
      expectError(await admin("POST", "/api/v1/cache/clear", null), 401);
      const cleared = await admin("POST", "/api/v1/cache/clear");
      expect(cleared.status).toBe(200);
      expect(cleared.json).toMatchObject({ cleared: true });

      const walked: LeaderboardRow[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(`/api/v1/leaderboard?limit=2${cursor !== null ? `&cursor=${cursor}` : ""}`);
        expect(r.json).toMatchObject({ window: "all", sort_by: "win_rate", order: "desc", updated_at: "2026-01-02T00:00:00.000Z" });
        walked.push(...r.json.leaderboard);
        cursor = r.json.next_cursor;
      } while (cursor !== null);
      expect(walked).toEqual(rows);

      const legacy = await get("/leaderboard?sort_by=total_volume_usd&order=asc&limit=500&min_trades=0&exclude_bots=true");
      expect(legacy.json).toMatchObject({
        window: "all",
        sort_by: "total_volume_usd",
        order: "asc",
        filters: { ...NO_FILTERS, min_trades: 0, exclude_bots: true },
        leaderboard: rows,
      });

      const first = await get("/api/v1/leaderboard?limit=3");
      const etag = first.headers.get("etag");
      expect(etag).toMatch(/^".+"$/);
      const again = await get("/api/v1/leaderboard?limit=3", { headers: { "if-none-match": etag! } });
      expect(again.status).toBe(304);
      expect(again.text).toBe("");
      expect((await get("/api/v1/leaderboard?limit=2", { headers: { "if-none-match": etag! } })).status).toBe(200);

      // The legacy GET clear still works.
      expect((await admin("GET", "/api/v1/cache/clear")).status).toBe(200);
    });

    it("window selects that window's snapshot: its rows only, or none before it is written", async () => {
      const week = Array.from({ length: 3 }, (_, i) => row(100 + i, { window: "7d" }));
      const day = [row(200, { window: "1d", win_rate: 0.01 })];
      await store().writeSnapshot("7d", week, "2026-01-02T07:00:00.000Z");
      await store().writeSnapshot("1d", day, "2026-01-02T01:00:00.000Z");
      await clearCache();
      const r7 = await get("/api/v1/leaderboard?window=7d");
      expect(r7.json).toMatchObject({ window: "7d", updated_at: "2026-01-02T07:00:00.000Z", leaderboard: week });
      expect((await get("/leaderboard?window=1d")).json).toMatchObject({ window: "1d", leaderboard: day });
      const month = await get("/api/v1/leaderboard?window=30d");
      expect(month.json).toMatchObject({ window: "30d", leaderboard: [], updated_at: null });
      // The default window is all, whose rows are none of the above.
      const all = await get("/api/v1/leaderboard?limit=500");
      expect(all.json.window).toBe("all");
      expect(addresses(all.json.leaderboard)).not.toContain(week[0]!.trader_address);
      expect(addresses(all.json.leaderboard)).not.toContain(day[0]!.trader_address);
    });

    it("400 for an unknown window, sort_by, order or exclude_bots (listing the allowed values), a bad filter, limit or cursor", async () => {
      const window = await get("/api/v1/leaderboard?window=2d");
      expectError(window, 400, "VALIDATION_ERROR");
      expect(window.json.error.message).toContain("window must be one of: 1d, 7d, 30d, all");
      const sort = await get("/api/v1/leaderboard?sort_by=pnl");
      expectError(sort, 400, "VALIDATION_ERROR");
      for (const f of LEADERBOARD_SORT_FIELDS) expect(sort.json.error.message).toContain(f);
      const order = await get("/leaderboard?order=up");
      expectError(order, 400);
      expect(order.json.error.message).toContain("asc, desc");
      const bots = await get("/api/v1/leaderboard?exclude_bots=yes");
      expectError(bots, 400);
      expect(bots.json.error.message).toContain("exclude_bots must be one of: true, false");
      for (const [name, values] of [
        ["min_trades", ["-1", "1.5", "abc", "", "1e3"]],
        ["min_account_age_days", ["-3", "2.5", "x", ""]],
        ["min_volume_usd", ["-5", "abc", "1e3", "", "1,000", ".5"]],
      ] as const) {
        for (const value of values) {
          const r = await get(`/api/v1/leaderboard?${name}=${encodeURIComponent(value)}`);
          expectError(r, 400, "VALIDATION_ERROR");
          expect(r.json.error.message).toContain(`${name} must be a non-negative`);
        }
      }
      expectError(await get("/api/v1/leaderboard?limit=0"), 400);
      expectError(await get("/api/v1/leaderboard?limit=501"), 400);
      expectError(await get(`/api/v1/leaderboard?cursor=${Buffer.from('{"k":"leaderboard"}').toString("base64url")}`), 400);
    });

    it("accepts every sort_by and both orders", async () => {
      for (const sortBy of LEADERBOARD_SORT_FIELDS) {
        for (const order of ["asc", "desc"]) {
          const r = await get(`/api/v1/leaderboard?sort_by=${sortBy}&order=${order}&limit=1`);
          expect(r.status).toBe(200);
          expect(r.json).toMatchObject({ sort_by: sortBy, order, leaderboard: [expect.any(Object)] });
        }
      }
    });

    it("each filter keeps the rows that pass it and leaves out the rest, and the response names the filters applied", async () => {
      const rows = Array.from({ length: 40 }, (_, i) =>
        row(300 + i, {
          window: "30d",
          trades_count: i,
          account_age_days: i * 3,
          total_volume_usd: i === 10 ? "999.999999999999999999" : `${i * 100}.5`,
          is_bot: i % 4 === 0,
        }),
      );
      await store().writeSnapshot("30d", rows, "2026-01-02T00:00:00.000Z");
      await clearCache();
      const cases: [string, (r: LeaderboardRow) => boolean, Record<string, unknown>][] = [
        ["min_trades=25", (r) => r.trades_count >= 25, { min_trades: 25 }],
        ["min_account_age_days=60", (r) => r.account_age_days >= 60, { min_account_age_days: 60 }],
        // 999.999999999999999999 is below 1000 although a float says equal; 1000.5 is above.
        ["min_volume_usd=1000.00", (r) => Number(r.trades_count) > 10, { min_volume_usd: "1000" }],
        ["exclude_bots=true", (r) => !r.is_bot, { exclude_bots: true }],
        [
          "min_trades=5&min_volume_usd=1500.5&min_account_age_days=30&exclude_bots=true",
          (r) => r.trades_count >= 15 && !r.is_bot,
          { min_trades: 5, min_volume_usd: "1500.5", min_account_age_days: 30, exclude_bots: true },
        ],
      ];
      for (const [query, passes, applied] of cases) {
        const r = await get(`/api/v1/leaderboard?window=30d&sort_by=trades_count&order=asc&limit=500&${query}`);
        expect(r.status).toBe(200);
        expect(r.json.filters).toEqual({ ...NO_FILTERS, ...applied });
        const served = new Set(addresses(r.json.leaderboard));
        const [pass, fail] = [rows.filter(passes), rows.filter((x) => !passes(x))];
        expect(pass.length).toBeGreaterThan(0);
        expect(fail.length).toBeGreaterThan(0);
        for (const p of pass) expect(served.has(p.trader_address)).toBe(true);
        for (const f of fail) expect(served.has(f.trader_address)).toBe(false);
        expect(r.json.leaderboard).toEqual(pass);
      }
      // exclude_bots=false (the default) keeps them.
      const everyone = await get("/api/v1/leaderboard?window=30d&sort_by=trades_count&order=asc&limit=500&exclude_bots=false");
      expect(everyone.json.leaderboard).toEqual(rows);
      expect(everyone.json.leaderboard.some((r: LeaderboardRow) => r.is_bot)).toBe(true);
    });

    it("puts traders without the metric last in both orders, and ties by trader_address ascending", async () => {
      const rows = [
        row(401, { win_rate: 0.5 }),
        row(402, { win_rate: null }),
        row(403, { win_rate: 0.9 }),
        row(404, { win_rate: null }),
        row(405, { win_rate: 0.5 }),
        row(406, { win_rate: 0.1 }),
      ];
      await store().writeSnapshot("1d", [...rows].reverse(), "2026-01-02T00:00:00.000Z");
      await clearCache();
      const order = async (o: string) => addresses((await get(`/api/v1/leaderboard?window=1d&order=${o}`)).json.leaderboard);
      const [a401, a402, a403, a404, a405, a406] = addresses(rows);
      expect(await order("desc")).toEqual([a403, a401, a405, a406, a402, a404]);
      expect(await order("asc")).toEqual([a406, a401, a405, a403, a402, a404]);
    });

    it("stores 10,000 full rows as pages under DynamoDB's item limit and pages a filtered view across them, every match once", async () => {
      // Every metric present, with long decimals: about the largest row the job writes.
      const rows = Array.from({ length: 10_000 }, (_, i) =>
        row(0x10000 + i, {
          win_rate: (i % 97) / 97,
          total_volume_usd: `${123456789 + i}.123456789012345678`,
          max_profit_usd: `${98765432 + i}.123456789012345678`,
          max_loss_usd: `${1234567 + i}.123456789012345678`,
          realized_pnl_usd: `-${12345678 + i}.123456789012345678`,
          fees_usd: `${123456 + i}.123456789012345678`,
          roi: -0.12345678901234567 * i,
          sharpe: 1.2345678901234567 + i,
          trades_count: i,
          is_bot: i % 3 === 0,
        }),
      );
      const id = await store().writeSnapshot("all", rows, "2026-01-03T00:00:00.000Z");
      const header = await tables.doc.send(new GetCommand({ TableName: tables.names.state, Key: leaderboardHeaderKey("window", "all") }));
      expect(header.Item).toMatchObject({ snapshot_id: id, total: 10_000, page_count: expect.any(Number), expires_at: expect.any(Number) });
      const pageCount = header.Item!.page_count as number;
      expect(pageCount).toBeGreaterThan(1);
      let stored = 0;
      for (let n = 0; n < pageCount; n++) {
        const page = await tables.doc.send(new GetCommand({ TableName: tables.names.state, Key: leaderboardPageKey("window", "all", id, n) }));
        const bytes = Buffer.byteLength(page.Item!.rows as string);
        expect(bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
        stored += (JSON.parse(page.Item!.rows as string) as unknown[]).length;
      }
      expect(stored).toBe(10_000);
      const pastEnd = leaderboardPageKey("window", "all", id, pageCount);
      expect((await tables.doc.send(new GetCommand({ TableName: tables.names.state, Key: pastEnd }))).Item).toBeUndefined();

      await clearCache();
      const query = "sort_by=win_rate&order=desc&min_trades=2500&exclude_bots=true";
      const expected = rows
        .filter((r) => r.trades_count >= 2500 && !r.is_bot)
        .sort((a, b) => b.win_rate! - a.win_rate! || (a.trader_address < b.trader_address ? -1 : 1));
      // 333 and 500 are not divisors of the 5,000 matches: the last page is partial.
      for (const limit of [500, 333]) {
        const { walked, pages } = await walk(api.url, `${query}&limit=${limit}`);
        expect(pages).toBe(Math.ceil(expected.length / limit));
        expect(walked).toEqual(expected);
        expect(new Set(addresses(walked)).size).toBe(walked.length);
      }
    });

    it("400 for a cursor sent with another filter, window, sort_by or order; the same parameters page on", async () => {
      const page = await get("/api/v1/leaderboard?min_trades=10&limit=5");
      const cursor = page.json.next_cursor as string;
      expect(cursor).toEqual(expect.any(String));
      expect((await get(`/api/v1/leaderboard?min_trades=10&limit=5&cursor=${cursor}`)).status).toBe(200);
      for (const other of ["min_trades=11", "", "min_trades=10&exclude_bots=true", "min_trades=10&min_volume_usd=1", "min_trades=10&window=7d", "min_trades=10&sort_by=score", "min_trades=10&order=asc"]) {
        const r = await get(`/api/v1/leaderboard?${other}&limit=5&cursor=${cursor}`);
        expectError(r, 400, "VALIDATION_ERROR");
        expect(r.json.error.message).toContain("cursor");
      }
    });

    it("refuses a cursor with 400 when the leaderboard was refreshed between pages, and the first page then serves the new snapshot", async () => {
      const old = Array.from({ length: 600 }, (_, i) => row(i, { window: "7d" }));
      await store().writeSnapshot("7d", old, "2026-01-04T00:00:00.000Z");
      await clearCache();
      // No header cache: every request sees the current snapshot, as a new instance would.
      const fresh = await serveApp(createApiApp({ ...deps, limits: { rateLimit: false, leaderboardCacheMs: 0 } }));
      try {
        const path = "/api/v1/leaderboard?window=7d&limit=300";
        const first = await call(fresh.url, path);
        expect(first.json.leaderboard).toEqual(old.slice(0, 300));
        // The long-lived instance caches the same (old) header.
        expect((await get(path)).json.next_cursor).toBe(first.json.next_cursor);

        const refreshed = Array.from({ length: 600 }, (_, i) => row(i, { window: "7d", win_rate: i / 1000 }));
        await store().writeSnapshot("7d", refreshed, "2026-01-05T00:00:00.000Z");

        const stale = await call(fresh.url, `${path}&cursor=${first.json.next_cursor}`);
        expectError(stale, 400, "VALIDATION_ERROR");
        expect(stale.json.error.message).toContain("refreshed");
        expect(stale.json.error.message).toContain("without cursor");

        const again = await call(fresh.url, path);
        const newOrder = [...refreshed].reverse();
        expect(again.json).toMatchObject({ updated_at: "2026-01-05T00:00:00.000Z", leaderboard: newOrder.slice(0, 300) });

        // A cursor of the new snapshot, sent to an instance whose cached header is still the old
        // one: it reads the header again and serves the page instead of refusing it.
        const next = await get(`${path}&cursor=${again.json.next_cursor}`);
        expect(next.status).toBe(200);
        expect(next.json).toMatchObject({ updated_at: "2026-01-05T00:00:00.000Z", leaderboard: newOrder.slice(300), next_cursor: null });
      } finally {
        await fresh.close();
      }
    });

    it("gzips for clients that accept it, with its own ETag, and sends identity JSON to the others", async () => {
      await store().writeSnapshot("7d", Array.from({ length: 200 }, (_, i) => row(i, { window: "7d" })), "2026-01-05T00:00:00.000Z");
      await clearCache();
      const path = "/api/v1/leaderboard?window=7d&limit=150";
      const raw = (headers: Record<string, string>) =>
        new Promise<{ status: number; headers: import("node:http").IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          const req = httpRequest(`${api.url}${path}`, { headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          });
          req.on("error", reject);
          req.end();
        });
      const plain = await raw({});
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.headers.vary).toBe("Accept-Encoding");
      const zipped = await raw({ "accept-encoding": "br;q=1, gzip;q=0.8" });
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
      expect(zipped.headers.etag).not.toBe(plain.headers.etag);
      expect((await raw({ "accept-encoding": "gzip", "if-none-match": zipped.headers.etag! })).status).toBe(304);
      // The identity validator does not validate the gzip representation, nor the reverse.
      expect((await raw({ "accept-encoding": "gzip", "if-none-match": plain.headers.etag! })).status).toBe(200);
      expect((await raw({ "accept-encoding": "gzip;q=0", "if-none-match": zipped.headers.etag! })).status).toBe(200);
    });

    it("answers a cache hit with the identical body and ETag, 304 to If-None-Match, and rebuilds after a cache clear", async () => {
      await store().writeSnapshot("30d", Array.from({ length: 300 }, (_, i) => row(i, { window: "30d" })), "2026-01-06T00:00:00.000Z");
      await clearCache();
      const path = "/api/v1/leaderboard?window=30d&sort_by=avg_risk_ratio&order=desc&limit=260&exclude_bots=true";
      const first = await get(path);
      const second = await get(path);
      expect(second.text).toBe(first.text);
      expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
      const notModified = await get(path, { headers: { "if-none-match": `"other", ${first.headers.get("etag")}` } });
      expect(notModified.status).toBe(304);
      expect(notModified.text).toBe("");
      expect(notModified.headers.get("etag")).toBe(first.headers.get("etag"));
      expect(notModified.headers.get("cache-control")).toBe("public, max-age=300");
      // Other filters are another response with another ETag.
      const other = await get(path.replace("exclude_bots=true", "exclude_bots=false"));
      expect(other.headers.get("etag")).not.toBe(first.headers.get("etag"));

      await store().writeSnapshot("30d", Array.from({ length: 300 }, (_, i) => row(299 - i, { window: "30d" })), "2026-01-07T00:00:00.000Z");
      expect((await get(path)).text).toBe(first.text);
      expect((await admin("POST", "/api/v1/cache/clear")).json.entries).toBeGreaterThan(0);
      const rebuilt = await get(path);
      expect(rebuilt.json.updated_at).toBe("2026-01-07T00:00:00.000Z");
      expect(rebuilt.headers.get("etag")).not.toBe(first.headers.get("etag"));
      expect((await get(path, { headers: { "if-none-match": first.headers.get("etag")! } })).status).toBe(200);
    });

    it("serves an empty snapshot as no rows, with the time it was computed", async () => {
      await store().writeSnapshot("1d", [], "2026-01-08T00:00:00.000Z");
      await clearCache();
      const r = await get("/api/v1/leaderboard?window=1d");
      expect(r.json).toMatchObject({ leaderboard: [], window: "1d", updated_at: "2026-01-08T00:00:00.000Z", next_cursor: null });
    });

    it("withdraws a snapshot past its expiry instead of serving it stale", async () => {
      await store().writeSnapshot("1d", [row(500, { window: "1d" })], "2025-12-31T00:00:00.000Z", { now: Date.now() - 3_600_000, retentionSeconds: 60 });
      await clearCache();
      const r = await get("/api/v1/leaderboard?window=1d");
      expect(r.json).toMatchObject({ leaderboard: [], window: "1d", updated_at: null, next_cursor: null });
    });
  });

  it("GET /api/v1/stats counts traders, active traders, events and connections, saying which are approximate", async () => {
    const r = await get("/api/v1/stats");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      traders: { count: expect.any(Number), approximate: true },
      active_traders: { count: expect.any(Number), approximate: false },
      events: { count: expect.any(Number), approximate: true },
      websocket_connections: { count: 0, approximate: true },
      generated_at: expect.any(String),
    });
    expect(r.json.active_traders.count).toBeGreaterThanOrEqual(TRADERS.length);
  });

  it("GET /stream says down until a listener writes its status, then shows that status as the listener wrote it", async () => {
    const before = await get("/stream");
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ state: "down", listener_id: null, heartbeat_at: null, trades: null });

    const at = Date.now();
    const listener = createDynamoStreamStatusStore(tables.doc, tables.names.state);
    const status = {
      listenerId: "listener-1",
      state: "connected" as const,
      startedAt: at - 60_000,
      heartbeatAt: at,
      leaseUntil: at + 600_000,
      lastTradeAt: at - 1_500,
      lastMessageAt: at - 1_000,
      reconnects: 0,
      gaps: 0,
      coins: 150,
      tracked: TRADERS.length,
      trades: 2_400,
      backlogMs: 0,
      polls: 4,
      events: 3,
      handedOff: 0,
      discovered: 1,
    };
    expect(await listener.claim(status, null)).toBe(true);
    const r = await get("/stream");
    expect(r.headers.get("cache-control")).toBe("public, max-age=5");
    expect(r.json).toEqual({
      state: "connected",
      listener_id: "listener-1",
      started_at: new Date(at - 60_000).toISOString(),
      heartbeat_at: new Date(at).toISOString(),
      last_trade_at: new Date(at - 1_500).toISOString(),
      last_message_at: new Date(at - 1_000).toISOString(),
      reconnects: 0,
      gaps: 0,
      coins: 150,
      tracked: TRADERS.length,
      backlog_ms: 0,
      trades: 2_400,
      polls: 4,
      events: 3,
      discovered: 1,
    });

    // The next heartbeat reports trades waiting: lagging.
    expect(await listener.heartbeat({ ...status, heartbeatAt: Date.now(), backlogMs: 9_000 })).toBe(true);
    expect((await get("/stream")).json).toMatchObject({ state: "lagging", backlog_ms: 9_000 });
  });

  it("answers unknown routes and unexpected failures in JSON, never with a stack trace", async () => {
    expectError(await get("/nope"), 404, "NOT_FOUND");
    expectError(await call(api.url, "/traders", { method: "PATCH" }), 404);
    const entries = recordingLogger();
    const broken = await serveApp(
      createApiApp({
        ...deps,
        logger: entries.logger,
        directory: { ...deps.directory, get: async () => Promise.reject(new Error("disk on fire at /secret/path.ts:12")) },
      }),
    );
    try {
      const r = await call(broken.url, `/traders/${A}`);
      expectError(r, 500, "INTERNAL");
      expect(r.text).not.toContain("disk on fire");
      expect(entries.entries.some((e) => e.level === "error")).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it("rate-limits each client with a token bucket: 429 in JSON with Retry-After", async () => {
    const limited = await serveApp(createApiApp({ ...deps, limits: { rateLimit: { capacity: 3, refillPerSecond: 0.5 } } }));
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await call(limited.url, "/");
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expectError(last!, 429, "RATE_LIMITED");
      expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });

  it("can be mounted on a host app that has its own routes, keeping JSON 404s", async () => {
    const host = new Hono();
    host.get("/health", (c) => c.json({ host: true }));
    mountApi(createApiApp(deps))(host);
    const served = await serveApp(host);
    try {
      expect((await call(served.url, "/health")).json).toEqual({ host: true });
      expect((await call(served.url, `/traders/${A}`)).json).toMatchObject({ address: A });
      expectError(await call(served.url, "/nothing-here"), 404);
    } finally {
      await served.close();
    }
  });

  describe("OpenAPI", () => {
    it("is an OpenAPI 3.1 document covering every route the app registers", async () => {
      const r = await get("/openapi.json");
      expect(r.status).toBe(200);
      const doc = r.json;
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      const documented = new Set<string>();
      for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
        expect(path.startsWith("/")).toBe(true);
        for (const [method, op] of Object.entries(ops)) {
          expect(["get", "post", "delete", "put", "patch"]).toContain(method);
          expect(Object.keys(op.responses).length).toBeGreaterThan(0);
          for (const [status, resp] of Object.entries<any>(op.responses)) {
            expect(status).toMatch(/^[1-5]\d\d$/);
            expect(typeof resp.description).toBe("string");
          }
          for (const p of op.parameters ?? []) {
            expect(["path", "query", "header"]).toContain(p.in);
            if (p.in === "path") expect(path).toContain(`{${p.name}}`);
          }
          for (const name of path.match(/\{(\w+)\}/g) ?? []) {
            expect(op.parameters.some((p: any) => `{${p.name}}` === name && p.in === "path")).toBe(true);
          }
          documented.add(`${method.toUpperCase()} ${path}`);
        }
      }
      const registered = createApiApp(deps)
        .routes.filter((rt) => rt.method !== "ALL")
        .map((rt) => `${rt.method} ${rt.path.replace(/:(\w+)/g, "{$1}")}`);
      expect(new Set(registered)).toEqual(documented);
      for (const path of ["/api/v1/leaderboard", "/leaderboard"]) {
        const params = Object.fromEntries(doc.paths[path].get.parameters.map((p: any) => [p.name, p]));
        expect(Object.keys(params).sort()).toEqual(
          ["cursor", "exclude_bots", "limit", "min_account_age_days", "min_trades", "min_volume_usd", "order", "sort_by", "window"].sort(),
        );
        expect(params.sort_by.schema.enum).toEqual([...LEADERBOARD_SORT_FIELDS]);
        expect(params.window.schema).toMatchObject({ enum: ["1d", "7d", "30d", "all"], default: "all" });
        expect(params.order.schema).toMatchObject({ enum: ["asc", "desc"], default: "desc" });
        expect(params.exclude_bots.schema).toMatchObject({ enum: ["true", "false"], default: "false" });
        for (const name of ["min_trades", "min_volume_usd", "min_account_age_days"]) {
          expect(params[name]).toMatchObject({ in: "query", required: false, description: expect.any(String), schema: { pattern: expect.any(String) } });
        }
      }
      // The response shows every row field, nullable where the row type is.
      const response = doc.paths["/api/v1/leaderboard"].get.responses["200"].content["application/json"].schema;
      expect(response.required).toEqual(expect.arrayContaining(["leaderboard", "window", "sort_by", "order", "filters", "updated_at", "next_cursor"]));
      const rowSchema = response.properties.leaderboard.items;
      expect(Object.keys(rowSchema.properties).sort()).toEqual(Object.keys(row(0)).sort());
      const nullable = (name: string) => JSON.stringify(rowSchema.properties[name]).includes('"null"');
      for (const name of ["win_rate", "avg_risk_ratio", "max_drawdown", "max_profit_usd", "max_loss_usd", "avg_hold_hours", "roi", "sharpe", "profit_factor", "score"]) {
        expect(nullable(name)).toBe(true);
      }
      for (const name of ["trader_address", "total_volume_usd", "trades_count", "is_bot", "profit_factor_infinite", "realized_pnl_usd"]) {
        expect(nullable(name)).toBe(false);
      }
      expect(doc.paths["/traders/{address}"].get.description).toContain("null");
    });

    it("GET /docs is a self-contained HTML page listing every path", async () => {
      const r = await get("/docs");
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(r.text).not.toMatch(/<script|<link|https?:\/\/(?!json-schema)/);
      const doc = (await get("/openapi.json")).json;
      for (const path of Object.keys(doc.paths)) expect(r.text).toContain(path);
    });
  });
});
