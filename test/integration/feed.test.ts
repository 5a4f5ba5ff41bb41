import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { eventMessage, storedEventSchema } from "#app/feed/fan-out-message.js";
import { createFanOutWorker } from "#app/feed/fan-out-worker.js";
import { createConnectHandler } from "#app/feed/connections.js";
import type { FeedCounts } from "#commons/metrics.js";
import { MAX_FEED_MESSAGE_BYTES } from "#domain/feed/messages.js";
import { MessageTooLargeError } from "#domain/feed/ports.js";
import { DEFAULT_FEED_SHARDS, shardOf } from "#domain/feed/shards.js";
import type { Address } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import { LOCAL_CREDENTIALS, localStreamsClient } from "#local/aws.js";
import { createHttpApp, startHttpServer, type RunningHttpServer } from "#local/http.js";
import { createWebSocketGateway, type WebSocketGateway } from "#local/ws-gateway.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createApiGatewaySender } from "#store/ws-sender.js";
import { inject } from "vitest";
import { WS_CONNECT_FUNCTION } from "../../functions/catalog.js";
import { open, tradeEvents, type Client, type Message } from "../support/feed-client.js";
import { fanOutEvent, fanOutIdle, startFeedFunctions, type RunningFeedFunctions } from "../support/feed-functions.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { TEST_REGION } from "../support/env.js";
import { recordingLogger } from "../support/logger.js";
import { eventually } from "../support/wait.js";

/**
 * The live feed end to end, as `npm start` runs it: the local gateway on a real HTTP server, the
 * real handler modules behind its routes and behind DynamoDB Local stream sources, and the
 * tracking pipeline (simulator as exchange) producing the events.
 */
const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000b2" as Address;

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe("live feed", () => {
  let p: Pipeline;
  let http: RunningHttpServer;
  let gateway: WebSocketGateway;
  let functions: RunningFeedFunctions;
  let url: string;
  const clients: Client[] = [];
  const connect = async (path = "/ws/v1/trades") => {
    const c = await open(`${url}${path}`);
    clients.push(c);
    await c.next((m) => m.type === "connection");
    return c;
  };

  beforeAll(async () => {
    p = await startPipeline({ seed: 21 });
    gateway = createWebSocketGateway({ logger: recordingLogger().logger });
    http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    gateway.attach(http.server);
    url = `ws://127.0.0.1:${http.port}`;
    functions = await startFeedFunctions(p, { gateway, port: http.port, logger: recordingLogger().logger, pollIntervalMs: 100 });
    for (const a of [A, B]) await trackTrader(p.traders, a, { source: "manual", at: Date.now() });
    await p.cycle(); // baselines: no events
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });
  afterAll(async () => {
    await functions?.stop();
    await gateway?.close();
    await http?.stop();
    await p?.close();
  });

  const connectionItem = async (id: string) =>
    (await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.connections, Key: { connection_id: id }, ConsistentRead: true }))).Item;

  it("greets a client unprompted within 2 s, on both paths, and keeps /health answering", async () => {
    for (const path of ["/ws/v1/trades", "/ws/v1/updates"]) {
      const c = await open(`${url}${path}`);
      clients.push(c);
      const welcome = await c.next((m) => m.type === "connection", 2_000);
      expect(welcome).toEqual({ type: "connection", message: "Connected to real-time trade feed", timestamp: expect.any(String) });
      expect(new Date(welcome.timestamp as string).toISOString()).toBe(welcome.timestamp);
      expect(Date.now() - c.openedAt).toBeLessThan(2_000);
    }
    const health = await fetch(`http://127.0.0.1:${http.port}/health`);
    expect(health.status).toBe(200);
    await expect(open(`${url}/ws/v1/nope`)).rejects.toThrow(/404/);
  });

  it("stores the connection with a 2 h TTL and deletes it on close", async () => {
    const c = await connect();
    const [id] = gateway.connectionIds();
    const item = await connectionItem(id!);
    expect(item?.expires_at).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 2 * 3600 - 10);
    c.ws.close();
    await eventually(async () => (await connectionItem(id!)) === undefined, { what: "the connection item to go" });
  });

  it("delivers a tracked position change as a trade_event with the public fields", async () => {
    const c = await connect();
    p.sim.advance(1_000);
    p.sim.execute({ user: A, coin: "BTC", size: "1", px: "60000" });
    await p.cycle();
    const msg = (await c.next((m) => m.type === "trade_event")) as Message & { data: Record<string, unknown> };
    expect(Object.keys(msg.data).sort()).toEqual(["details", "event_type", "id", "timestamp", "trader_address", "trader_id"]);
    expect(msg.data).toMatchObject({ id: `${A}-1-BTC`, trader_id: A, trader_address: A, event_type: "OPEN_POSITION" });
    expect(msg.data.details).toMatchObject({ coin: "BTC", side: "LONG", size: "1", szi: "1", execution_price: "60000" });
    expect(new Date(msg.timestamp as string).toISOString()).toBe(msg.timestamp);
  });

  it("applies subscribe filters; unsubscribe restores everything", async () => {
    const all = await connect();
    const otherTrader = await connect();
    const ethOnly = await connect();
    otherTrader.send({ action: "subscribe", traders: [B.toUpperCase().replace("0X", "0x")] });
    expect(await otherTrader.next((m) => m.type === "subscribed")).toMatchObject({ filters: { traders: [B] } });
    ethOnly.send({ action: "subscribe", traders: [A], coins: ["eth"], event_types: ["OPEN_POSITION"] });
    await ethOnly.next((m) => m.type === "subscribed");

    p.sim.advance(1_000);
    p.sim.execute({ user: A, coin: "BTC", size: "0.5", px: "61000" });
    await p.cycle();
    await all.next((m) => m.type === "trade_event");
    await settle();
    expect(tradeEvents(otherTrader)).toEqual([]);
    expect(tradeEvents(ethOnly)).toEqual([]);

    otherTrader.send({ action: "unsubscribe" });
    await otherTrader.next((m) => m.type === "unsubscribed");
    p.sim.advance(1_000);
    p.sim.execute({ user: A, coin: "ETH", size: "2", px: "3000" });
    await p.cycle();
    for (const c of [all, otherTrader, ethOnly]) await c.next((m) => m.type === "trade_event" && (m.data as { details: { coin: string } }).details.coin === "ETH");
    expect(tradeEvents(ethOnly).map((m) => m.data.details.coin)).toEqual(["ETH"]);
  });

  it("answers ping with pong, and a malformed message with an error without closing", async () => {
    const c = await connect();
    c.send({ action: "ping" });
    expect(await c.next((m) => m.type === "pong")).toEqual({ type: "pong", timestamp: expect.any(String) });
    c.send("{not json");
    expect(await c.next((m) => m.type === "error")).toMatchObject({ message: expect.stringMatching(/JSON/) });
    c.send({ action: "subscribe", traders: ["0xnope"] });
    await eventually(() => c.messages.filter((m) => m.type === "error").length === 2);
    c.send({ action: "ping" });
    await eventually(() => c.messages.filter((m) => m.type === "pong").length === 2);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("prunes a client that vanished and a stale connection (410) on the next event", async () => {
    const vanished = await connect();
    const vanishedId = gateway.connectionIds().at(-1)!;
    // A connection API Gateway no longer knows (its $disconnect was lost): posting to it answers 410.
    const staleId = "stale-connection";
    await createDynamoConnectionStore(p.tables.doc, p.tables.names.connections).add({
      connectionId: staleId,
      connectedAt: Date.now() - 60_000,
      shard: shardOf(staleId, DEFAULT_FEED_SHARDS),
    });
    const watcher = await connect();
    (vanished.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();

    p.sim.advance(1_000);
    p.sim.execute({ user: B, coin: "SOL", size: "10", px: "150" });
    await p.cycle();
    await watcher.next((m) => m.type === "trade_event");
    await eventually(async () => (await connectionItem(staleId)) === undefined && (await connectionItem(vanishedId)) === undefined, {
      what: "both connection items to be deleted",
    });
  });

  it("delivers every event exactly once to each of 50 clients", async () => {
    // The previous test's event may still be on its way to shards no client of it was in.
    await eventually(() => fanOutIdle(functions.fanOutQueue), { what: "the fan-out queue to be empty" });
    const many = await Promise.all(Array.from({ length: 50 }, () => connect()));
    p.sim.advance(1_000);
    p.sim.execute({ user: A, coin: "BTC", size: "-1.5", px: "62000" });
    p.sim.execute({ user: B, coin: "SOL", size: "5", px: "151" });
    await p.cycle();
    await eventually(() => many.every((c) => tradeEvents(c).length >= 2), { what: "every client to get both events", timeoutMs: 10_000 });
    await settle();
    const expected = tradeEvents(many[0]!).map((m) => m.data.id).sort();
    expect(expected).toHaveLength(2);
    for (const c of many) expect(tradeEvents(c).map((m) => m.data.id).sort()).toEqual(expected);
  });

  it("delivers an event behind 9,000 fills, its tids capped to the first and last 50", async () => {
    const c = await connect();
    c.send({ action: "subscribe", traders: [B], coins: ["ETH"] });
    await c.next((m) => m.type === "subscribed");
    // One order filling 9,000 times, a millisecond apart (fills are paged by time): one ETH open.
    // Uncapped, ~150 KB. (A poll reads at most 5 pages of 2,000, one fill of each page's last
    // millisecond read twice: 9,996 at most; the rest come with the next change.)
    const tids: number[] = [];
    for (let i = 0; i < 9_000; i++) {
      p.sim.advance(1);
      tids.push(p.sim.execute({ user: B, coin: "ETH", size: "0.001", px: "3000" }).fill.tid);
    }
    await p.cycle();
    const msg = (await c.next((m) => m.type === "trade_event", 15_000)) as Message & { data: { details: Record<string, unknown> } };
    expect(msg.data.details).toMatchObject({ coin: "ETH", size: "9", fill_count: 9_000, tids_truncated: true });
    expect(msg.data.details.tids).toEqual([...tids.slice(0, 50), ...tids.slice(-50)]);
  }, 60_000);

  it("refuses a post over API Gateway's 128 KB message with PayloadTooLargeException, and delivers one of exactly 128 KB", async () => {
    const c = await connect();
    const id = gateway.connectionIds().at(-1)!;
    const sender = createApiGatewaySender(
      new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${http.port}`, region: TEST_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    // A pong padded to the given size in bytes.
    const pong = (size: number) => {
      const head = '{"type":"pong","pad":"';
      const bytes = new TextEncoder().encode(`${head}${"x".repeat(size - head.length - 2)}"}`);
      return { type: "pong" as const, bytes };
    };
    await expect(sender.send(id, pong(MAX_FEED_MESSAGE_BYTES + 1))).rejects.toBeInstanceOf(MessageTooLargeError);
    await sender.send(id, pong(MAX_FEED_MESSAGE_BYTES));
    const got = await c.next((m) => m.type === "pong");
    expect(JSON.stringify(got)).toHaveLength(MAX_FEED_MESSAGE_BYTES);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("counts an event over the limit (FeedMessagesTooLarge) rather than failing the message, and still sends the next", async () => {
    const c = await connect();
    const id = gateway.connectionIds().at(-1)!;
    const shard = shardOf(id, DEFAULT_FEED_SHARDS);
    const published: FeedCounts[] = [];
    const fanOut = createFanOutWorker({
      connections: createDynamoConnectionStore(p.tables.doc, p.tables.names.connections),
      sender: createApiGatewaySender(
        new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${http.port}`, region: TEST_REGION, credentials: LOCAL_CREDENTIALS }),
      ),
      retries: { sendInOrder: async () => ({ sent: 0, error: new Error("no retry expected") }) },
      logger: recordingLogger().logger,
      now: Date.now,
      publishMetrics: (counts) => published.push(counts),
    });
    // As an event stored before tids were capped: one tid per fill, ~170 KB.
    const event = (id: string, tids: number[]) =>
      storedEventSchema.parse({ id, trader_id: A, trader_address: A, timestamp: new Date().toISOString(), event_type: "OPEN_POSITION", details: { coin: "BTC", tids } });
    const huge = Array.from({ length: 10_000 }, (_, i) => Number.MAX_SAFE_INTEGER - i);
    const result = await fanOut(fanOutEvent([eventMessage(shard, event("too-large", huge)), eventMessage(shard, event("small", [1]))]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(published).toEqual([{ FeedMessagesTooLarge: 1, FeedDeliveriesDropped: 0 }]);
    await c.next((m) => m.type === "trade_event" && (m.data as { id: string }).id === "small");
    expect(tradeEvents(c).map((m) => m.data.id)).not.toContain("too-large");
  });
});

describe("WS_TOKEN", () => {
  let http: RunningHttpServer;
  let gateway: WebSocketGateway;
  beforeAll(async () => {
    const { testTables } = await import("../support/aws.js");
    const tables = await testTables("wstok");
    gateway = createWebSocketGateway({ logger: recordingLogger().logger });
    gateway.route(
      "$connect",
      createConnectHandler({
        connections: createDynamoConnectionStore(tables.doc, tables.names.connections),
        token: "s3cret-token",
        now: Date.now,
        logger: recordingLogger().logger,
      }),
      { functionName: WS_CONNECT_FUNCTION.name, timeoutSeconds: 5 },
    );
    http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    gateway.attach(http.server);
  });
  afterAll(async () => {
    await gateway.close();
    await http.stop();
  });

  it("refuses a missing or wrong token, accepts the right one", async () => {
    const base = `ws://127.0.0.1:${http.port}/ws/v1/trades`;
    await expect(open(base)).rejects.toThrow(/401/);
    await expect(open(`${base}?token=wrong`)).rejects.toThrow(/401/);
    const ok = await open(`${base}?token=s3cret-token`);
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
    ok.ws.terminate();
  });

  it("answers 410 GoneException for an unknown connection, as API Gateway does", async () => {
    const sender = createApiGatewaySender(
      new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${http.port}`, region: TEST_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    await expect(sender.send("nobody", { type: "pong", timestamp: new Date().toISOString() })).rejects.toThrow(/gone/);
  });
});

describe("local DynamoDB stream source", () => {
  it("delivers INSERTs only, retries from the failed record, then skips after maxRetryAttempts", async () => {
    const { testTables } = await import("../support/aws.js");
    const { startStreamSource } = await import("#local/stream-source.js");
    const tables = await testTables("strm");
    const { logger, entries } = recordingLogger();
    const seen: string[][] = [];
    const source = await startStreamSource({
      functionName: "test-stream",
      dynamo: tables.client,
      streams: localStreamsClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION }),
      tableName: tables.names.connections,
      eventNames: ["INSERT"],
      batchSize: 10,
      maxRetryAttempts: 2,
      timeoutSeconds: 5,
      pollIntervalMs: 50,
      retryDelayMs: 10,
      logger,
      handler: (event) => {
        const ids = event.Records.map((r) => r.dynamodb?.NewImage?.connection_id?.S ?? "?");
        seen.push(ids);
        // "bad" always fails; "flaky" fails on its first delivery only.
        const failing = event.Records.filter((r) => {
          const id = r.dynamodb?.NewImage?.connection_id?.S;
          return id === "bad" || (id === "flaky" && seen.filter((s) => s.includes("flaky")).length === 1);
        });
        return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })) };
      },
    });
    try {
      const put = (id: string, extra: Record<string, unknown> = {}) =>
        tables.doc.send(new PutCommand({ TableName: tables.names.connections, Item: { connection_id: id, ...extra } }));
      await put("ok1");
      await put("ok1", { modified: true }); // a MODIFY: filtered out
      await put("flaky");
      await put("ok2");
      // How the records split into batches depends on timing; what must hold does not: the retry
      // starts at "flaky" and "ok2" arrives after it, either in that retry or in a later batch.
      const count = (id: string) => seen.flat().filter((x) => x === id).length;
      const retried = () => count("flaky") >= 2 && seen.some((s, i) => i > 0 && s[0] === "flaky");
      await eventually(() => retried() && seen.flat().lastIndexOf("ok2") > seen.flat().lastIndexOf("flaky"), { what: "the retry" });
      // Retried from "flaky" on, never again from "ok1"; the MODIFY never arrived.
      expect(count("ok1")).toBe(1);
      expect(count("flaky")).toBe(2);

      await put("bad");
      await put("after");
      await eventually(() => entries.some((e) => e.level === "error" && /skipping/.test(e.message)), { what: "the skip" });
      // 1 try + 2 retries, then skipped, and the stream moves on.
      expect(seen.filter((s) => s[0] === "bad")).toHaveLength(3);
      await put("later");
      await eventually(() => seen.flat().includes("later"), { what: "records after the skip" });
    } finally {
      await source.stop();
    }
  });
});
