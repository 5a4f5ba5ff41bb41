import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createConnectHandler, createDefaultHandler, createDisconnectHandler } from "#app/feed/connections.js";
import type { WebSocketResult } from "#app/feed/ws-event.js";
import { DEFAULT_FEED_LIMITS, type FeedLimits } from "#domain/feed/limits.js";
import { isEncodedServerMessage, type ServerMessage } from "#domain/feed/messages.js";
import type { FeedSender } from "#domain/feed/ports.js";
import { createDynamoConnectionSlots } from "#store/dynamo/connection-slots.js";
import { CONNECTION_TTL_SECONDS, createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createDynamoMessageGate } from "#store/dynamo/message-gate.js";
import { CONNECTIONS_TABLE, STATE_TABLE } from "#store/tables.js";
import type { RunningFunctions } from "#local/functions.js";
import { createHttpApp, startHttpServer, type RunningHttpServer } from "#local/http.js";
import { createWebSocketGateway, type WebSocketGateway } from "#local/ws-gateway.js";
import { testTables, type TestTables } from "../support/aws.js";
import { startFeedFunctions } from "../support/feed-functions.js";
import { recordingLogger } from "../support/logger.js";

/**
 * What one client may do to the feed, enforced by the real $connect, $disconnect and $default
 * handlers over DynamoDB Local, as they run in AWS: several handler instances (Lambda
 * environments) share nothing but the tables, so the caps and the rate must hold there.
 */

let tables: TestTables;
beforeAll(async () => {
  tables = await testTables("flim", [CONNECTIONS_TABLE, STATE_TABLE]);
});

const event = (routeKey: "$connect" | "$disconnect" | "$default", c: { id: string; ip: string; at: number }, body?: unknown) => ({
  requestContext: {
    connectionId: c.id,
    routeKey,
    eventType: routeKey === "$connect" ? "CONNECT" : routeKey === "$disconnect" ? "DISCONNECT" : "MESSAGE",
    connectedAt: c.at,
    requestId: randomUUID(),
    identity: { sourceIp: c.ip, userAgent: "test" },
  },
  ...(body !== undefined && { body: JSON.stringify(body) }),
});

/** The route handlers as one Lambda environment runs them, over tables of their own (`fresh`) or shared ones. */
const feed = (limits: Partial<FeedLimits>, o: { t?: TestTables; now?: () => number; slotsPerShard?: number } = {}) => {
  const t = o.t ?? tables;
  const all = { ...DEFAULT_FEED_LIMITS, ...limits };
  const now = o.now ?? Date.now;
  const connections = createDynamoConnectionStore(t.doc, t.names.connections);
  const slots = createDynamoConnectionSlots(t.doc, { state: t.names.state, connections: t.names.connections }, all, {
    now,
    ...(o.slotsPerShard !== undefined && { slotsPerShard: o.slotsPerShard }),
  });
  const { logger, entries } = recordingLogger();
  const sent = new Map<string, { type: ServerMessage["type"]; message?: string }[]>();
  const closed: string[] = [];
  const sender: FeedSender = {
    send: async (id, m) => {
      const message = isEncodedServerMessage(m) ? (JSON.parse(Buffer.from(m.bytes).toString("utf8")) as ServerMessage) : m;
      sent.set(id, [...(sent.get(id) ?? []), { type: message.type, ...("message" in message && { message: message.message }) }]);
    },
  };
  return {
    connections,
    entries,
    sent,
    closed,
    connect: createConnectHandler({ connections, slots, now, logger }),
    disconnect: createDisconnectHandler({ connections, slots, logger }),
    message: createDefaultHandler({
      connections,
      gate: createDynamoMessageGate(t.doc, t.names.connections, all),
      closer: { close: async (id) => void closed.push(id) },
      limits: all,
      sender,
      now,
      logger,
    }),
  };
};

const statuses = (results: WebSocketResult[]) => results.map((r) => r.statusCode).sort();
const ipOf = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${randomUUID().slice(0, 4)}`;

describe("the connection caps at $connect", () => {
  it("lets exactly N of K parallel connects from one address in, across Lambda environments", async () => {
    const ip = ipOf();
    const envs = [feed({ maxConnectionsPerIp: 3 }), feed({ maxConnectionsPerIp: 3 })];
    const conns = Array.from({ length: 10 }, () => ({ id: randomUUID(), ip, at: Date.now() }));
    const results = await Promise.all(conns.map((c, i) => envs[i % 2]!.connect(event("$connect", c))));
    expect(statuses(results)).toEqual([200, 200, 200, ...Array.from({ length: 7 }, () => 429)]);
    expect(results.filter((r) => r.statusCode === 429).every((r) => r.body === "Too Many Requests")).toBe(true);
    // Only the accepted ones were stored, and another address still gets in.
    const stored = await Promise.all(conns.map((c) => tables.doc.send(new GetCommand({ TableName: tables.names.connections, Key: { connection_id: c.id } }))));
    expect(stored.filter((s) => s.Item !== undefined)).toHaveLength(3);
    expect((await envs[0]!.connect(event("$connect", { id: randomUUID(), ip: ipOf(), at: Date.now() }))).statusCode).toBe(200);
    const warned = envs.flatMap((e) => e.entries).filter((e) => e.level === "warn");
    expect(warned).toHaveLength(7);
    expect(warned[0]!.message).toMatch(/per-address connection cap/);
  });

  it("caps the total across addresses and shards: exactly M of K parallel connects", async () => {
    const t = await testTables("flim-all", [CONNECTIONS_TABLE, STATE_TABLE]);
    const f = feed({ maxConnections: 7 }, { t, slotsPerShard: 3 }); // shards of 3, 3 and 1
    const results = await Promise.all(Array.from({ length: 16 }, () => f.connect(event("$connect", { id: randomUUID(), ip: ipOf(), at: Date.now() }))));
    expect(statuses(results).filter((s) => s === 200)).toHaveLength(7);
    expect(f.entries.filter((e) => e.level === "warn").every((e) => /total connection cap/.test(e.message))).toBe(true);
  });

  it("frees the slot on $disconnect", async () => {
    const ip = ipOf();
    const f = feed({ maxConnectionsPerIp: 2 });
    const [a, b, c] = Array.from({ length: 3 }, () => ({ id: randomUUID(), ip, at: Date.now() }));
    for (const conn of [a!, b!]) expect((await f.connect(event("$connect", conn))).statusCode).toBe(200);
    expect((await f.connect(event("$connect", c!))).statusCode).toBe(429);
    await f.disconnect(event("$disconnect", a!));
    expect((await f.connect(event("$connect", c!))).statusCode).toBe(200);
  });

  it("does not lock an address out for good when $disconnect never comes: the slots expire with the connections", async () => {
    const ip = ipOf();
    let clock = Date.now();
    const f = feed({ maxConnectionsPerIp: 2 }, { now: () => clock });
    for (let i = 0; i < 2; i++) expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(200);
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(429);
    // Two hours on, API Gateway has closed both; no $disconnect ever arrived (and TTL has not deleted the items yet).
    clock += CONNECTION_TTL_SECONDS * 1000 + 1_000;
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(200);
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(200);
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(429);
  });

  it("frees the slot of a connection the fan-out removed on a 410, but never one still connecting", async () => {
    const ip = ipOf();
    let clock = Date.now();
    const f = feed({ maxConnectionsPerIp: 2 }, { now: () => clock });
    const old = { id: randomUUID(), ip, at: clock };
    expect((await f.connect(event("$connect", old))).statusCode).toBe(200);
    clock += 60_000;
    const young = { id: randomUUID(), ip, at: clock };
    expect((await f.connect(event("$connect", young))).statusCode).toBe(200);
    // Both gone from API Gateway without a $disconnect: a post answered 410, and the fan-out deleted them.
    await f.connections.remove(old.id);
    await f.connections.remove(young.id);
    // The old one's slot is taken for dead; the young one may be a $connect still storing its item.
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(200);
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(429);
    // A minute on, the next look-up frees it too.
    clock += 60_000;
    expect((await f.connect(event("$connect", { id: randomUUID(), ip, at: clock }))).statusCode).toBe(200);
  });

  it("holds no slots with the caps off (0), as the benchmark runs", async () => {
    const ip = ipOf();
    const f = feed({ maxConnections: 0, maxConnectionsPerIp: 0 });
    const results = await Promise.all(Array.from({ length: 5 }, () => f.connect(event("$connect", { id: randomUUID(), ip, at: Date.now() }))));
    expect(statuses(results)).toEqual([200, 200, 200, 200, 200]);
    const item = await tables.doc.send(new GetCommand({ TableName: tables.names.state, Key: { pk: `feed-slots#ip#${ip}`, sk: "slots" } }));
    expect(item.Item).toBeUndefined();
  });
});

describe("the message rate at $default", () => {
  const connected = async (f: ReturnType<typeof feed>, at = Date.now()) => {
    const c = { id: randomUUID(), ip: ipOf(), at };
    expect((await f.connect(event("$connect", c))).statusCode).toBe(200);
    return c;
  };
  const filtersOf = async (id: string) =>
    (await tables.doc.send(new GetCommand({ TableName: tables.names.connections, Key: { connection_id: id }, ConsistentRead: true }))).Item?.filters;

  it("answers beyond the burst 'Too Many Requests', runs none of those commands, and lets the rate through again", async () => {
    let clock = Date.now();
    const f = feed({ messagesPerSecond: 2, burst: 3 }, { now: () => clock });
    const c = await connected(f, clock);
    for (let i = 0; i < 3; i++) await f.message(event("$default", c, { action: "ping" }));
    await f.message(event("$default", c, { action: "subscribe", coins: ["BTC"] }));
    const types = f.sent.get(c.id)!.map((m) => m.type);
    expect(types).toEqual(["connection", "pong", "pong", "pong", "error"]);
    expect(f.sent.get(c.id)!.at(-1)!.message).toBe("Too Many Requests");
    expect(await filtersOf(c.id)).toBeUndefined();
    // Half a second on, one message's worth has refilled: the subscribe goes through.
    clock += 500;
    await f.message(event("$default", c, { action: "subscribe", coins: ["BTC"] }));
    expect(f.sent.get(c.id)!.at(-1)!.type).toBe("subscribed");
    expect(await filtersOf(c.id)).toEqual({ coins: ["BTC"] });
    await f.message(event("$default", c, { action: "unsubscribe" }));
    expect(f.sent.get(c.id)!.at(-1)!.message).toBe("Too Many Requests");
    expect(await filtersOf(c.id)).toEqual({ coins: ["BTC"] });
  });

  it("holds the rate across Lambda environments: exactly the burst of parallel messages passes", async () => {
    const at = Date.now();
    const envs = [0, 1, 2].map(() => feed({ messagesPerSecond: 1, burst: 5 }, { now: () => at }));
    const c = await connected(envs[0]!, at);
    await Promise.all(Array.from({ length: 15 }, (_, i) => envs[i % 3]!.message(event("$default", c, { action: "ping" }))));
    const replies = envs.flatMap((e) => (e.sent.get(c.id) ?? []).filter((m) => m.type !== "connection"));
    expect(replies.filter((m) => m.type === "pong")).toHaveLength(5);
    expect(replies.filter((m) => m.type === "error" && m.message === "Too Many Requests")).toHaveLength(10);
  });

  it("closes a connection that keeps going far over its rate, and only that one", async () => {
    const at = Date.now();
    const f = feed({ messagesPerSecond: 1, burst: 2, closeAfterRefused: 5 }, { now: () => at });
    const flooder = await connected(f, at);
    const calm = await connected(f, at);
    for (let i = 0; i < 2 + 4; i++) await f.message(event("$default", flooder, { action: "ping" }));
    expect(f.closed).toEqual([]);
    await f.message(event("$default", flooder, { action: "ping" }));
    expect(f.closed).toEqual([flooder.id]);
    expect(f.entries.some((e) => e.level === "warn" && /keeps sending over its message rate/.test(e.message))).toBe(true);
    await f.message(event("$default", calm, { action: "ping" }));
    expect(f.sent.get(calm.id)!.map((m) => m.type)).toEqual(["connection", "pong"]);
    expect(f.closed).toEqual([flooder.id]);
  });

  it("counts refusals until the bucket is full again: a client that calms down is never closed, one that hovers over the rate is", async () => {
    const limits = { messagesPerSecond: 1, burst: 2, closeAfterRefused: 5 };
    const pings = async (f: ReturnType<typeof feed>, c: { id: string; ip: string; at: number }, n: number) => {
      for (let i = 0; i < n; i++) await f.message(event("$default", c, { action: "ping" }));
    };
    // Bursts of 5 (3 refused), each after waiting until the bucket is full again (2 s): 9 refused in all.
    let calmClock = Date.now();
    const calmFeed = feed(limits, { now: () => calmClock });
    const calm = await connected(calmFeed, calmClock);
    for (let round = 0; round < 3; round++) {
      await pings(calmFeed, calm, 5);
      calmClock += 2_000;
    }
    expect(calmFeed.closed).toEqual([]);
    // 5 (3 refused), then a second later 3 more: one token is back, the other two are refused.
    let clock = Date.now();
    const hoveringFeed = feed(limits, { now: () => clock });
    const hovering = await connected(hoveringFeed, clock);
    await pings(hoveringFeed, hovering, 5);
    clock += 1_000;
    await pings(hoveringFeed, hovering, 2);
    expect(hoveringFeed.closed).toEqual([]);
    await pings(hoveringFeed, hovering, 1);
    expect(hoveringFeed.closed).toEqual([hovering.id]);
    expect(hoveringFeed.sent.get(hovering.id)!.filter((m) => m.type === "pong")).toHaveLength(3);
  });
});

describe("through the local gateway, with real sockets", () => {
  let functions: RunningFunctions;
  let gateway: WebSocketGateway;
  let http: RunningHttpServer;
  let url: string;
  const sockets: WebSocket[] = [];
  const settings = { WS_MAX_CONNECTIONS_PER_IP: "2", WS_MESSAGES_PER_SECOND: "1", WS_MESSAGE_BURST: "3" };

  beforeAll(async () => {
    const t = await testTables("flim-gw"); // every table: the broadcaster reads the events stream
    // The handler modules read the settings when imported, as in Lambda. The gateway's own
    // in-process checks are set far above them, so what the test sees is the handlers' doing.
    Object.assign(process.env, settings);
    gateway = createWebSocketGateway({
      logger: recordingLogger().logger,
      limits: { maxConnectionsPerIp: 100, messagesPerSecond: 100, burst: 100 },
    });
    http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    gateway.attach(http.server);
    url = `ws://127.0.0.1:${http.port}/ws/v1/trades`;
    functions = await startFeedFunctions({ tables: t }, { gateway, port: http.port, logger: recordingLogger().logger, pollIntervalMs: 100 });
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await functions?.stop();
    await gateway?.close();
    await http?.stop();
    for (const key of Object.keys(settings)) delete process.env[key];
  });

  const open = (): Promise<{ ws: WebSocket; messages: { type: string; message?: string }[] }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const messages: { type: string; message?: string }[] = [];
      ws.on("message", (data) => messages.push(JSON.parse(String(data)) as { type: string }));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
      ws.once("open", () => {
        sockets.push(ws);
        resolve({ ws, messages });
      });
    });

  it("refuses a third connection from one address with 429, and lets one in again once one closed", async () => {
    const [a] = await Promise.all([open(), open()]);
    await expect(open()).rejects.toThrow("HTTP 429");
    a!.ws.close();
    await expect.poll(() => open().then(() => "open", (e: Error) => e.message), { timeout: 5_000 }).toBe("open");
    for (const ws of sockets.splice(0)) ws.terminate();
  });

  it("answers messages beyond the rate 'Too Many Requests'", async () => {
    await expect.poll(() => open().then(() => "open", (e: Error) => e.message), { timeout: 5_000 }).toBe("open");
    const ws = sockets.at(-1)!;
    const replies: { type: string; message?: string }[] = [];
    ws.on("message", (data) => replies.push(JSON.parse(String(data)) as { type: string }));
    for (let i = 0; i < 5; i++) ws.send(JSON.stringify({ action: "ping" }));
    await expect.poll(() => replies.filter((m) => m.type !== "connection").length, { timeout: 5_000 }).toBe(5);
    const answers = replies.filter((m) => m.type !== "connection");
    // Sent within well under a second: the burst (3) and perhaps one refilled token.
    expect(answers.filter((m) => m.type === "pong").length).toBeGreaterThanOrEqual(3);
    expect(answers.filter((m) => m.type === "pong").length).toBeLessThanOrEqual(4);
    expect(answers.filter((m) => m.type === "error").every((m) => m.message === "Too Many Requests")).toBe(true);
  });

  it("closes a client that keeps sending far over the rate, through the management API", async () => {
    await expect.poll(() => open().then(() => "open", (e: Error) => e.message), { timeout: 5_000 }).toBe("open");
    const ws = sockets.at(-1)!;
    const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    // The burst, then more refusals than a client is allowed before it calms down (its bucket refills).
    for (let i = 0; i < 3 + DEFAULT_FEED_LIMITS.closeAfterRefused + 5; i++) ws.send(JSON.stringify({ action: "ping" }));
    await closed;
    await expect.poll(() => gateway.connectionIds().length, { timeout: 5_000 }).toBeLessThanOrEqual(1);
  });
});
