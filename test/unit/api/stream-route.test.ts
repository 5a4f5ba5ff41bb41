import { describe, expect, it } from "vitest";
import { createApiApp, type ApiDeps } from "#api/index.js";
import { streamStatusSchema } from "#api/schemas.js";
import type { StreamStatus } from "#domain/stream-status.js";
import { stubApiDeps } from "../../support/api-deps.js";

/**
 * GET /stream over a fake status reader (test/integration/api.test.ts reads a real item from
 * DynamoDB Local): what a dashboard polling it sees in each of the listener's situations.
 */
const NOW = Date.parse("2026-03-01T12:00:00.000Z");

const status = (over: Partial<StreamStatus> = {}): StreamStatus => ({
  listenerId: "req-1",
  state: "connected",
  startedAt: NOW - 300_000,
  heartbeatAt: NOW - 4_000,
  leaseUntil: NOW + 500_000,
  lastTradeAt: NOW - 5_000,
  lastMessageAt: NOW - 4_500,
  reconnects: 1,
  gaps: 1,
  coins: 180,
  tracked: 420,
  trades: 91_000,
  backlogMs: 0,
  polls: 37,
  events: 12,
  handedOff: 0,
  discovered: 3,
  ...over,
});

const app = (extra: Partial<ApiDeps>) => createApiApp(stubApiDeps({ now: () => NOW, ...extra }));

const getStream = async (current: StreamStatus | null) => {
  const res = await app({ streamStatus: { read: async () => current } }).request("/stream");
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status).toBe(200);
  expect(streamStatusSchema.strict().parse(body)).toEqual(body);
  return { body, res };
};

describe("GET /stream", () => {
  it("answers down, with everything else null, when no listener ever wrote its status", async () => {
    const { body } = await getStream(null);
    expect(body).toEqual({
      state: "down",
      listener_id: null,
      started_at: null,
      heartbeat_at: null,
      last_trade_at: null,
      last_message_at: null,
      reconnects: null,
      gaps: null,
      coins: null,
      tracked: null,
      backlog_ms: null,
      trades: null,
      polls: null,
      events: null,
      discovered: null,
    });
  });

  it("answers down when the listener's heartbeat is older than its lease allows, still showing its last counters", async () => {
    const { body } = await getStream(status({ heartbeatAt: NOW - 46_000 }));
    expect(body).toMatchObject({ state: "down", listener_id: "req-1", heartbeat_at: "2026-03-01T11:59:14.000Z", trades: 91_000 });
  });

  it("answers down for a listener that stopped", async () => {
    expect((await getStream(status({ state: "stopped" }))).body.state).toBe("down");
  });

  it("answers connected with the listener's status in ISO times and snake_case, cacheable for a few seconds", async () => {
    const { body, res } = await getStream(status());
    expect(body).toEqual({
      state: "connected",
      listener_id: "req-1",
      started_at: "2026-03-01T11:55:00.000Z",
      heartbeat_at: "2026-03-01T11:59:56.000Z",
      last_trade_at: "2026-03-01T11:59:55.000Z",
      last_message_at: "2026-03-01T11:59:55.500Z",
      reconnects: 1,
      gaps: 1,
      coins: 180,
      tracked: 420,
      backlog_ms: 0,
      trades: 91_000,
      polls: 37,
      events: 12,
      discovered: 3,
    });
    expect(res.headers.get("cache-control")).toBe("public, max-age=5");
  });

  it("answers lagging when connected but trades wait over 5 s to become events", async () => {
    expect((await getStream(status({ backlogMs: 5_001 }))).body).toMatchObject({ state: "lagging", backlog_ms: 5_001 });
    expect((await getStream(status({ backlogMs: 5_000 }))).body.state).toBe("connected");
  });

  it("passes the listener's own connecting and reconnecting states through, with no trade seen yet", async () => {
    expect((await getStream(status({ state: "connecting", lastTradeAt: null, lastMessageAt: null }))).body).toMatchObject({
      state: "connecting",
      last_trade_at: null,
      last_message_at: null,
    });
    expect((await getStream(status({ state: "reconnecting" }))).body.state).toBe("reconnecting");
  });

  it("answers 503 in the API's error shape on a server without the status reader", async () => {
    const res = await app({}).request("/stream");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: "SERVICE_UNAVAILABLE", message: expect.any(String) } });
  });

  it("is in the OpenAPI document with every state and field", async () => {
    const doc = (await (await app({}).request("/openapi.json")).json()) as any;
    const op = doc.paths["/stream"].get;
    expect(op.operationId).toBe("getStreamStatus");
    expect(op.tags).toEqual(["stream"]);
    expect(op.responses["200"].headers["Cache-Control"]).toBeDefined();
    const schema = op.responses["200"].content["application/json"].schema;
    expect(schema.properties.state.enum.sort()).toEqual(["connected", "connecting", "down", "lagging", "reconnecting"]);
    expect(schema.properties.state.description).toMatch(/lagging: .*5 s/);
    expect(Object.keys(schema.properties)).toHaveLength(15);
    expect(schema.required).toHaveLength(15);
  });
});
