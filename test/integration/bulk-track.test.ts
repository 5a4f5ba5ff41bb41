import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores, type ApiDeps } from "#api/index.js";
import { parseAddress, type Address } from "#domain/address.js";
import { testTables, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { serveApp, type Served } from "../support/serve.js";

/**
 * `POST /traders/track`, the operator's bulk door, over a real socket against DynamoDB Local:
 * what it answers per address, what it stores (the same as the single route would), and that a
 * whole list costs one rate-limit token.
 */
const ADMIN_KEY = "test-admin-key-0123456789";
const addr = (n: number): Address => parseAddress(`0x${n.toString(16).padStart(40, "0")}`);
const T0 = Date.parse("2026-03-01T00:00:00Z");

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

const call = async (base: string, path: string, init: RequestInit = {}): Promise<Answer> => {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === "" ? undefined : JSON.parse(text) };
};

describe("POST /traders/track (bulk)", () => {
  let tables: TestTables;
  let deps: ApiDeps;
  let api: Served;
  let clock = T0;

  beforeAll(async () => {
    tables = await testTables("bulk");
    deps = {
      ...createDynamoApiStores(tables.client, tables.doc, tables.names),
      checks: [],
      adminApiKey: ADMIN_KEY,
      logger: recordingLogger().logger,
      now: () => clock,
      limits: { rateLimit: false },
    };
    api = await serveApp(createApiApp(deps));
  });
  afterAll(async () => api?.close());

  const bulk = (body: unknown, key: string | null = ADMIN_KEY, base = api.url) =>
    call(base, "/traders/track", {
      method: "POST",
      headers: { "content-type": "application/json", ...(key === null ? {} : { "x-api-key": key }) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const single = (method: "POST" | "DELETE", address: string) =>
    call(api.url, `/traders/${address}/track`, { method, headers: { "x-api-key": ADMIN_KEY } });
  const item = async (address: Address) =>
    (await tables.doc.send(new GetCommand({ TableName: tables.names.traders, Key: { address }, ConsistentRead: true }))).Item;
  const expectError = (r: Answer, status: number, code: string) => {
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error: { code, message: expect.any(String) } });
  };

  it("needs the admin key: 401 without, 403 when wrong, 503 when the server has none; nothing is stored", async () => {
    const address = addr(0x1001);
    expectError(await bulk({ addresses: [address] }, null), 401, "UNAUTHORIZED");
    expectError(await bulk({ addresses: [address] }, "wrong-key"), 403, "FORBIDDEN");
    const open = await serveApp(createApiApp({ ...deps, adminApiKey: undefined }));
    try {
      expectError(await bulk({ addresses: [address] }, "anything", open.url), 503, "SERVICE_UNAVAILABLE");
    } finally {
      await open.close();
    }
    expect(await item(address)).toBeUndefined();
  });

  it("answers per address: tracked (new or stopped before), already_tracked, invalid; repeats in any case count once", async () => {
    const [fresh, active, stopped] = [addr(0x2001), addr(0x2002), addr(0x2003)];
    clock = T0;
    expect((await single("POST", active)).status).toBe(201);
    expect((await single("POST", stopped)).status).toBe(201);
    expect((await single("DELETE", stopped)).status).toBe(200);

    clock = T0 + 60_000;
    const upper = `0x${fresh.slice(2).toUpperCase()}`;
    const r = await bulk({ addresses: [upper, active, ` ${stopped} `, "0x123", fresh, "not an address", "0x123", "", stopped.toUpperCase().replace("0X", "0x")] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      results: [
        { input: upper, address: fresh, status: "tracked", created: true, reactivated: false },
        { input: active, address: active, status: "already_tracked", created: false, reactivated: false },
        { input: ` ${stopped} `, address: stopped, status: "tracked", created: false, reactivated: true },
        { input: "0x123", address: null, status: "invalid", created: false, reactivated: false, error: expect.stringContaining("40 hexadecimal digits") },
        { input: "not an address", address: null, status: "invalid", created: false, reactivated: false, error: expect.stringContaining("40 hexadecimal digits") },
        { input: "", address: null, status: "invalid", created: false, reactivated: false, error: expect.any(String) },
      ],
      counts: { received: 9, tracked: 2, already_tracked: 1, invalid: 3, duplicates: 3 },
    });

    // Stored as by the single route: a manual trader first seen now, and the stopped one back in the
    // active index with its first_seen_at untouched.
    expect(await item(fresh)).toMatchObject({
      address: fresh,
      first_seen_at: new Date(T0 + 60_000).toISOString(),
      discovery_source: "manual",
      discovery_coin: null,
      is_active: true,
      active_shard: expect.anything(),
    });
    expect(await item(stopped)).toMatchObject({ first_seen_at: new Date(T0).toISOString(), is_active: true, active_shard: expect.anything() });
    expect((await call(api.url, `/traders/${stopped}`)).json).toMatchObject({ is_active: true });

    // The same list again changes nothing.
    const again = await bulk({ addresses: [fresh, active, stopped] });
    expect(again.json.counts).toEqual({ received: 3, tracked: 0, already_tracked: 3, invalid: 0, duplicates: 0 });
  });

  it("reactivates a stopped trader exactly as the single route does", async () => {
    const [bySingle, byBulk] = [addr(0x3001), addr(0x3002)];
    clock = T0;
    for (const a of [bySingle, byBulk]) {
      expect((await single("POST", a)).status).toBe(201);
      expect((await single("DELETE", a)).status).toBe(200);
    }
    clock = T0 + 120_000;
    expect((await single("POST", bySingle)).json).toMatchObject({ created: false, reactivated: true });
    expect((await bulk({ addresses: [byBulk] })).json.results).toEqual([
      { input: byBulk, address: byBulk, status: "tracked", created: false, reactivated: true },
    ]);
    const { address: _a, ...viaSingle } = (await item(bySingle))!;
    const { address: _b, ...viaBulk } = (await item(byBulk))!;
    expect(viaBulk).toEqual(viaSingle);
  });

  it("tracks 500 addresses in one request, sent pretty-printed (a body larger than other routes accept)", async () => {
    const addresses = Array.from({ length: 500 }, (_, i) => addr(0x40000 + i));
    const body = JSON.stringify({ addresses }, null, 2);
    expect(body.length).toBeGreaterThan(16 * 1024);
    const r = await bulk(body);
    expect(r.status).toBe(200);
    expect(r.json.counts).toEqual({ received: 500, tracked: 500, already_tracked: 0, invalid: 0, duplicates: 0 });
    expect(r.json.results.map((x: { address: string }) => x.address)).toEqual(addresses);
    expect(await deps.traders.unknown(addresses)).toEqual([]);
  }, 120_000); // 500 writes to DynamoDB Local on a shared 2-core machine

  it.each([
    ["no body", undefined, /body/],
    ["a body that is not JSON", "{nope", /not valid JSON/],
    ["no addresses field", {}, /addresses/],
    ["addresses that is not an array", { addresses: addr(1) }, /addresses/],
    ["an empty list", { addresses: [] }, /addresses: .*at least 1/],
    ["an entry that is not a string", { addresses: [addr(1), 42] }, /addresses\.1/],
  ])("400 for %s", async (_, body, message) => {
    const r =
      body === undefined
        ? await call(api.url, "/traders/track", { method: "POST", headers: { "x-api-key": ADMIN_KEY } })
        : await bulk(body);
    expectError(r, 400, "VALIDATION_ERROR");
    expect(r.json.error.message).toMatch(message);
  });

  it("400 for more than 500 addresses, saying the limit and how many were sent; nothing is stored", async () => {
    const addresses = Array.from({ length: 501 }, (_, i) => addr(0x50000 + i));
    const r = await bulk({ addresses });
    expectError(r, 400, "VALIDATION_ERROR");
    expect(r.json.error.message).toContain("at most 500");
    expect(r.json.error.message).toContain("501");
    expect(await deps.traders.unknown(addresses)).toHaveLength(501);
  });

  it("413 for a body beyond the route's own limit", async () => {
    expectError(await bulk({ addresses: [addr(1)], pad: "x".repeat(70_000) }), 413, "PAYLOAD_TOO_LARGE");
  });

  it("costs one rate-limit token per request, however many addresses it carries", async () => {
    const limited = await serveApp(createApiApp({ ...deps, limits: { rateLimit: { capacity: 2, refillPerSecond: 0.001 } } }));
    try {
      const addresses = Array.from({ length: 500 }, (_, i) => addr(0x60000 + i));
      const r = await bulk({ addresses }, ADMIN_KEY, limited.url);
      expect(r.status).toBe(200);
      expect(r.json.counts.tracked).toBe(500);
      expect((await call(limited.url, "/health")).status).toBe(200);
      const refused = await bulk({ addresses }, ADMIN_KEY, limited.url);
      expectError(refused, 429, "RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  }, 120_000);

  it("is in the OpenAPI document: admin, a required body of 1-500 strings, the per-address answer", async () => {
    const doc = (await call(api.url, "/openapi.json")).json;
    const op = doc.paths["/traders/track"].post;
    expect(op).toMatchObject({ operationId: "trackTraders", tags: ["admin"], security: [{ adminKey: [] }] });
    expect(op.requestBody.required).toBe(true);
    const body = op.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["addresses"]);
    expect(body.properties.addresses).toMatchObject({ type: "array", minItems: 1, maxItems: 500, items: { type: "string" } });
    const answer = op.responses["200"].content["application/json"].schema;
    expect(answer.required).toEqual(["results", "counts"]);
    expect(answer.properties.results.items.properties.status.enum).toEqual(["tracked", "already_tracked", "invalid"]);
    expect(Object.keys(answer.properties.counts.properties).sort()).toEqual(["already_tracked", "duplicates", "invalid", "received", "tracked"]);
    for (const status of ["400", "401", "403", "413", "429", "503"]) expect(op.responses).toHaveProperty(status);
  });
});
