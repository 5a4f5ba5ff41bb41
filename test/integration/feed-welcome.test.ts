import { randomUUID } from "node:crypto";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { eventMessage, storedEventSchema } from "#app/feed/fan-out-message.js";
import { createFanOutWorker } from "#app/feed/fan-out-worker.js";
import { createDefaultHandler } from "#app/feed/connections.js";
import { createWelcomeHandler } from "#app/feed/welcome.js";
import { DEFAULT_FEED_LIMITS } from "#domain/feed/limits.js";
import { ConnectionGoneError, type ConnectionCloser, type ConnectionStore, type FeedSender, type MessageGate } from "#domain/feed/ports.js";
import type { RunningFunctions } from "#local/functions.js";
import { createHttpApp, startHttpServer, type RunningHttpServer } from "#local/http.js";
import { createWebSocketGateway, type WebSocketGateway } from "#local/ws-gateway.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createDynamoMessageGate } from "#store/dynamo/message-gate.js";
import { CONNECTIONS_TABLE } from "#store/tables.js";
import { testTables } from "../support/aws.js";
import { fanOutEvent, startFeedFunctions } from "../support/feed-functions.js";
import { recordingLogger } from "../support/logger.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { eventually } from "../support/wait.js";

/**
 * The welcome is the first message a client receives, exactly once, whichever of ws-welcome (the
 * stream), ws-default (a command) and the fan-out worker (an event) gets to the client first. The
 * handlers run on a real connections table; the clients are a stand-in for API Gateway's
 * management API that records what each was sent, and can hold a post in flight to set up a race.
 * Last, the same through the local gateway and real sockets, with a stream that lags.
 */

/** What API Gateway would have delivered to each open connection, in order; a 410 for any other. */
const clients = () => {
  const received = new Map<string, string[]>();
  const holds: { type: string; started: () => void; release: Promise<void> }[] = [];
  const failures: { type: string; error: Error }[] = [];
  const sender: FeedSender = {
    send: async (connectionId, message) => {
      const got = received.get(connectionId);
      if (got === undefined) throw new ConnectionGoneError(connectionId);
      const failure = failures.findIndex((f) => f.type === message.type);
      if (failure >= 0) throw failures.splice(failure, 1)[0]!.error;
      const hold = holds.findIndex((h) => h.type === message.type);
      if (hold >= 0) {
        const [h] = holds.splice(hold, 1);
        h!.started();
        await h!.release;
      }
      got.push(message.type);
    },
  };
  return {
    sender,
    received,
    open: (connectionId: string) => received.set(connectionId, []),
    /** The next post of this type stays in flight until `release()`; `started` resolves once it is. */
    hold: (type: string) => {
      let release!: () => void;
      let started!: () => void;
      const startedP = new Promise<void>((r) => (started = r));
      holds.push({ type, started, release: new Promise<void>((r) => (release = r)) });
      return { started: startedP, release };
    },
    /** The next post of this type fails with `error`. */
    fail: (type: string, error: Error) => failures.push({ type, error }),
  };
};

const wsEvent = (connectionId: string, body: unknown) => ({
  requestContext: { connectionId, routeKey: "$default", eventType: "MESSAGE", requestId: randomUUID(), connectedAt: Date.now() },
  body: JSON.stringify(body),
});

let seq = 0;
const inserted = (items: { connectionId: string; connectedAt: number }[]): DynamoDBStreamEvent => ({
  Records: items.map(
    (c): DynamoDBRecord => ({
      eventID: `event-${++seq}`,
      eventName: "INSERT",
      dynamodb: {
        SequenceNumber: String(seq),
        NewImage: marshall({ connection_id: c.connectionId, connected_at: c.connectedAt }) as never,
      },
    }),
  ),
});

/** One event for shard 0 (every test connection's), as the broadcaster queues it for the fan-out worker. */
const tradeEvent = (id: string): SQSEvent =>
  fanOutEvent([
    eventMessage(
      0,
      storedEventSchema.parse({
        id,
        trader_id: "0x00000000000000000000000000000000000000a1",
        trader_address: "0x00000000000000000000000000000000000000a1",
        timestamp: new Date().toISOString(),
        event_type: "OPEN_POSITION",
        details: { coin: "BTC" },
      }),
    ),
  ]);

describe("the connection welcome", () => {
  let store: ConnectionStore;
  let gate: MessageGate;
  // No test here sends over the rate: nothing is closed.
  const closer: ConnectionCloser = { close: () => Promise.reject(new Error("no connection should be closed")) };
  beforeAll(async () => {
    const tables = await testTables("welc", [CONNECTIONS_TABLE]);
    store = createDynamoConnectionStore(tables.doc, tables.names.connections);
    gate = createDynamoMessageGate(tables.doc, tables.names.connections, DEFAULT_FEED_LIMITS);
  });

  /** A client as $connect leaves it: stored, then opened by API Gateway. */
  const connect = async (c: ReturnType<typeof clients>) => {
    const connection = { connectionId: `c-${randomUUID()}`, connectedAt: Date.now(), shard: 0 };
    await store.add(connection);
    c.open(connection.connectionId);
    return connection;
  };

  const functions = (c: ReturnType<typeof clients>, o: { sleep?: (ms: number) => Promise<void> } = {}) => {
    const deps = { connections: store, gate, closer, sender: c.sender, now: Date.now, logger: recordingLogger().logger };
    return {
      welcome: createWelcomeHandler(deps),
      message: createDefaultHandler({ ...deps, ...(o.sleep !== undefined && { welcome: { sleep: o.sleep } }) }),
      broadcast: createFanOutWorker({ ...deps, retries: { sendInOrder: async () => ({ sent: 0 }) } }),
    };
  };

  it("goes out before the answer to a command that beats the stream, and the stream then sends nothing", async () => {
    const c = clients();
    const f = functions(c);
    const conn = await connect(c);
    await f.message(wsEvent(conn.connectionId, { action: "subscribe", coins: ["BTC"] }));
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "subscribed"]);
    expect(await f.welcome(inserted([conn]))).toEqual({ batchItemFailures: [] });
    await f.message(wsEvent(conn.connectionId, { action: "ping" }));
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "subscribed", "pong"]);
    expect(await store.welcomeState(conn.connectionId)).toEqual({ status: "sent" });
  });

  it("is waited for by a command that arrives while the stream's welcome is in flight", async () => {
    const c = clients();
    const waits: number[] = [];
    let waiting!: () => void;
    const isWaiting = new Promise<void>((r) => (waiting = r));
    const f = functions(c, {
      sleep: async (ms) => {
        waits.push(ms);
        waiting();
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    const conn = await connect(c);
    const held = c.hold("connection");
    const welcomed = f.welcome(inserted([conn]));
    await held.started; // claimed, and posting
    const answered = f.message(wsEvent(conn.connectionId, { action: "ping" }));
    await isWaiting; // the command saw the claim and waits
    expect(c.received.get(conn.connectionId)).toEqual([]);
    held.release();
    await Promise.all([welcomed, answered]);
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "pong"]);
    expect(waits.length).toBeGreaterThan(0);
  });

  it("is taken over from a claimant that failed without sending it", async () => {
    const c = clients();
    const f = functions(c);
    const conn = await connect(c);
    // Claimed by an invocation that has since been stopped (it timed out) without sending it.
    const stopped = { by: "ws-welcome:timed-out", until: Date.now() - 1 };
    expect(await store.claimWelcome(conn.connectionId, stopped, Date.now() - 30_000)).toBe("won");
    await f.message(wsEvent(conn.connectionId, { action: "ping" }));
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "pong"]);
  });

  it("is claimed again after a failed post, so the next message sends it", async () => {
    const c = clients();
    const f = functions(c);
    const conn = await connect(c);
    c.fail("connection", new Error("throttled"));
    await expect(f.message(wsEvent(conn.connectionId, { action: "ping" }))).rejects.toThrow("throttled");
    expect(await store.welcomeState(conn.connectionId)).toEqual({ status: "unclaimed" });
    await f.message(wsEvent(conn.connectionId, { action: "ping" }));
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "pong"]);
  });

  it("goes out before an event to a client not yet greeted", async () => {
    const c = clients();
    const f = functions(c);
    const conn = await connect(c);
    expect(await f.broadcast(tradeEvent("e-1"))).toEqual({ batchItemFailures: [] });
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "trade_event"]);
    await f.welcome(inserted([conn]));
    expect(c.received.get(conn.connectionId)).toEqual(["connection", "trade_event"]);
  });

  it("is sent to nobody who has gone, and nothing follows it there", async () => {
    const c = clients();
    const f = functions(c);
    const conn = await connect(c);
    await store.remove(conn.connectionId);
    await f.message(wsEvent(conn.connectionId, { action: "ping" }));
    await f.welcome(inserted([conn]));
    expect(c.received.get(conn.connectionId)).toEqual([]);
  });

  it("is first and sent once to each of many clients while the stream, their commands and an event race", async () => {
    const c = clients();
    const f = functions(c);
    const conns = await Promise.all(Array.from({ length: 12 }, () => connect(c)));
    await Promise.all([
      f.welcome(inserted(conns)),
      f.broadcast(tradeEvent("e-2")),
      ...conns.flatMap((conn) => [
        f.message(wsEvent(conn.connectionId, { action: "subscribe" })),
        f.message(wsEvent(conn.connectionId, { action: "ping" })),
        functions(c).message(wsEvent(conn.connectionId, { action: "ping" })), // another Lambda environment
      ]),
    ]);
    for (const conn of conns) {
      const got = c.received.get(conn.connectionId)!;
      expect(got[0]).toBe("connection");
      expect(got.filter((t) => t === "connection")).toHaveLength(1);
      expect([...got].sort()).toEqual(["connection", "pong", "pong", "subscribed", "trade_event"]);
    }
    await eventually(async () => (await Promise.all(conns.map((conn) => store.welcomeState(conn.connectionId)))).every((s) => s?.status === "sent"));
  });
});

describe("a client that subscribes the moment it is open", () => {
  let p: Pipeline;
  let http: RunningHttpServer;
  let gateway: WebSocketGateway;
  let functions: RunningFunctions;
  beforeAll(async () => {
    p = await startPipeline({ seed: 23 });
    gateway = createWebSocketGateway({ logger: recordingLogger().logger });
    http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    gateway.attach(http.server);
    // The streams are read once at start, then not for a minute: the stream's welcome lags far
    // behind the client (in AWS it takes from a fraction of a second to seconds).
    functions = await startFeedFunctions(p, { gateway, port: http.port, logger: recordingLogger().logger, pollIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await functions?.stop();
    await gateway?.close();
    await http?.stop();
    await p?.close();
  });

  it("is greeted before its answer, through the local gateway, however late the stream is", async () => {
    const types: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${http.port}/ws/v1/trades`);
    ws.on("message", (data) => types.push((JSON.parse(String(data)) as { type: string }).type));
    await new Promise<void>((resolve, reject) => {
      ws.once("error", reject);
      ws.once("open", () => resolve());
    });
    try {
      ws.send(JSON.stringify({ action: "subscribe", coins: ["BTC"] }));
      ws.send(JSON.stringify({ action: "ping" }));
      await eventually(() => types.includes("pong"), { what: "the answers" });
      expect(types).toEqual(["connection", "subscribed", "pong"]);
    } finally {
      ws.terminate();
    }
  });
});
