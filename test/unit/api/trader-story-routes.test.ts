import { describe, expect, it } from "vitest";
import { createApiApp, type ApiDeps } from "#api/index.js";
import { parseAddress } from "#domain/address.js";
import type { MarkSource } from "#domain/marks.js";
import type { TraderView } from "#domain/read-models.js";
import { recordingLogger } from "../../support/logger.js";
import { stubApiDeps } from "../../support/api-deps.js";

/**
 * The trader page's routes as the OpenAPI document and a client see them, over in-memory ports
 * (test/integration/trader-story.test.ts runs them against DynamoDB Local and the simulator).
 */
const A = parseAddress(`0x${"ab".repeat(20)}`);
const trader: TraderView = {
  address: A,
  first_seen_at: "2026-01-01T00:00:00.000Z",
  discovery_source: "manual",
  discovery_coin: null,
  is_active: true,
  lastChangedAt: null,
  lastFailedAt: null,
  baselineAt: null,
  fillsCursor: null,
  positions: {
    BTC: { szi: "-0.5", entryPx: "60000", leverage: { type: "cross", value: 5 } },
    ETH: { szi: "2", entryPx: "3000", leverage: { type: "isolated", value: 3 } },
  },
};

const app = (extra: Partial<ApiDeps> = {}) => {
  const log = recordingLogger();
  const deps = stubApiDeps({
    directory: { get: async (a) => (a === A ? trader : null), list: async () => ({ items: [], nextCursor: null }), stopTracking: async () => false },
    logger: log.logger,
    ...extra,
  });
  return { app: createApiApp(deps), log };
};

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });

describe("OpenAPI of the trader page's routes", () => {
  it("documents /traders/{address}/equity and /round-trips with their parameters and response shapes", async () => {
    const { body: doc } = await json(await app().app.request("/openapi.json"));
    const equity = doc.paths["/traders/{address}/equity"].get;
    const trips = doc.paths["/traders/{address}/round-trips"].get;
    for (const op of [equity, trips]) {
      expect(op.summary).toEqual(expect.any(String));
      expect(op.description).toEqual(expect.any(String));
      expect(op.tags).toEqual(["traders"]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "404"]));
    }
    const params = (op: any) => Object.fromEntries(op.parameters.map((p: any) => [p.name, p]));
    expect(params(equity).address).toMatchObject({ in: "path", required: true });
    expect(params(equity).window).toMatchObject({ in: "query", required: false, schema: { enum: ["1d", "7d", "30d", "all"], default: "30d" } });
    expect(Object.keys(params(trips)).sort()).toEqual(["address", "cursor", "dex", "limit", "window"]);
    expect(params(trips).window.schema).toMatchObject({ enum: ["1d", "7d", "30d", "all"], default: "all" });
    expect(params(trips).limit.schema).toMatchObject({ minimum: 1, maximum: 500, default: 100 });

    const equityBody = equity.responses["200"].content["application/json"].schema;
    expect(Object.keys(equityBody.properties)).toEqual(["address", "window", "account_value", "pnl", "realized_pnl", "updated_at"]);
    expect(Object.keys(equityBody.properties.realized_pnl.items.properties)).toEqual(["t", "v"]);
    expect(equity.description).toContain("2,000");
    // Both change once a leaderboard run: cacheable, and said so.
    for (const op of [equity, trips]) expect(Object.keys(op.responses["200"].headers)).toEqual(["Cache-Control"]);
    const tripsBody = trips.responses["200"].content["application/json"].schema;
    expect(Object.keys(tripsBody.properties)).toEqual(["address", "window", "round_trips", "next_cursor"]);
    expect(Object.keys(tripsBody.properties.round_trips.items.properties)).toEqual([
      "coin",
      "dex",
      "side",
      "opened_at",
      "closed_at",
      "hold_hours",
      "max_size",
      "volume_usd",
      "realized_pnl_usd",
      "funding_usd",
      "fees_usd",
      "fills",
    ]);

    const detail = doc.paths["/traders/{address}"].get.responses["200"].content["application/json"].schema;
    expect(detail.required).toContain("marks_at");
    expect(Object.keys(detail.properties.positions.items.properties)).toEqual(
      expect.arrayContaining(["mark_price", "unrealized_pnl_usd", "position_value_usd"]),
    );
  });
});

describe("GET /traders/{address} with a mark source", () => {
  it("values each position at the mid price and says when the prices were fetched", async () => {
    const marks: MarkSource = { current: async () => ({ at: Date.UTC(2026, 0, 2), mids: { BTC: "58000", ETH: "3100.5" } }) };
    const { body } = await json(await app({ marks }).app.request(`/traders/${A}`));
    expect(body.marks_at).toBe("2026-01-02T00:00:00.000Z");
    // Short 0.5 from 60000 at 58000: (58000 − 60000) × −0.5 = +1000. Long 2 from 3000 at 3100.5: +201.
    expect(body.positions.map((p: any) => [p.coin, p.mark_price, p.unrealized_pnl_usd, p.position_value_usd])).toEqual([
      ["BTC", "58000", "1000", "29000"],
      ["ETH", "3100.5", "201", "6201"],
    ]);
  });

  it("answers 200 with null marks when the source has no price, returns null or even throws", async () => {
    const noBtc: MarkSource = { current: async () => ({ at: 0, mids: { ETH: "3000" } }) };
    const partial = await json(await app({ marks: noBtc }).app.request(`/traders/${A}`));
    expect(partial.body.positions[0]).toMatchObject({ coin: "BTC", mark_price: null, unrealized_pnl_usd: null, position_value_usd: null });
    expect(partial.body.positions[1]).toMatchObject({ coin: "ETH", mark_price: "3000", unrealized_pnl_usd: "0" });

    for (const marks of [{ current: async () => null }, { current: async () => Promise.reject(new Error("socket hang up")) }] as MarkSource[]) {
      const { app: api, log } = app({ marks });
      const r = await json(await api.request(`/traders/${A}`));
      expect(r.status).toBe(200);
      expect(r.body.marks_at).toBeNull();
      for (const p of r.body.positions) expect([p.mark_price, p.unrealized_pnl_usd, p.position_value_usd]).toEqual([null, null, null]);
      expect(log.entries.filter((e) => e.level === "error")).toEqual([]);
    }
  });
});

describe("the trader page's routes without the precomputed pages", () => {
  it("answer 503 in the API's error format, not cached", async () => {
    const { app: api } = app();
    for (const path of [`/traders/${A}/equity`, `/traders/${A}/round-trips`]) {
      const res = await api.request(path);
      expect(res.headers.get("cache-control")).toBeNull();
      const r = await json(res);
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ error: { code: "SERVICE_UNAVAILABLE", message: expect.stringContaining("pages") } });
    }
  });
});
