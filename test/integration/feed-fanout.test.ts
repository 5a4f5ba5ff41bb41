import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBroadcaster } from "#app/feed/broadcaster.js";
import { createFanOutWorker, FANOUT_MAX_RETRIES } from "#app/feed/fan-out-worker.js";
import type { FeedCounts } from "#commons/metrics.js";
import type { Address } from "#domain/address.js";
import type { FeedSender, OrderedMessage, OrderedQueue } from "#domain/feed/ports.js";
import { shardOf } from "#domain/feed/shards.js";
import { LOCAL_CREDENTIALS } from "#local/aws.js";
import { startSqsEventSource, type EventSource } from "#local/event-source.js";
import type { RunningFunctions } from "#local/functions.js";
import { createHttpApp, startHttpServer, type RunningHttpServer } from "#local/http.js";
import { createWebSocketGateway, type WebSocketGateway } from "#local/ws-gateway.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { eventItem } from "#store/dynamo/traders.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { createApiGatewaySender } from "#store/ws-sender.js";
import { benchEvent } from "../../bench/api-fixtures.js";
import { FAN_OUT_WORKER_FUNCTION, FEED_FUNCTIONS } from "../../functions/catalog.js";
import { testTables, type TestTables } from "../support/aws.js";
import { TEST_REGION } from "../support/env.js";
import { open, tradeEvents, type Client } from "../support/feed-client.js";
import { startFeedFunctions, type RunningFeedFunctions } from "../support/feed-functions.js";
import { recordingLogger } from "../support/logger.js";
import { eventually } from "../support/wait.js";

/**
 * The fan-out through the FIFO queue, on DynamoDB Local, the SQS server and the local gateway with
 * real sockets: the catalog's connect, welcome and default functions and the broadcaster on the
 * events stream, as `npm start` runs them; the fan-out worker on the local SQS event source, built
 * here so that a test can make one client's posts fail. Four shards, so that a dozen clients
 * spread over several.
 */
const SHARDS = 4;

describe("sharded fan-out", () => {
  let tables: TestTables;
  let http: RunningHttpServer;
  let gateway: WebSocketGateway;
  let functions: RunningFeedFunctions & RunningFunctions;
  let worker: EventSource;
  let url: string;
  const clients: Client[] = [];
  /** Posts to these connections fail (a throttle, not a 410) as many times as counted. */
  const failing = new Map<string, number>();
  const published: FeedCounts[] = [];

  const connect = async () => {
    const c = await open(`${url}/ws/v1/trades`);
    clients.push(c);
    await c.next((m) => m.type === "connection");
    return c;
  };
  const idsOf = (c: Client) => tradeEvents(c).map((m) => m.data.id);
  const trader = (n: number) => `0x${String(n).padStart(40, "0")}` as Address;
  /** A stream batch of the given events, as the events table's stream hands it to the broadcaster. */
  const streamBatch = (events: ReturnType<typeof benchEvent>[]): DynamoDBStreamEvent => ({
    Records: events.map(
      (e, i): DynamoDBRecord => ({
        eventID: `${e.id}-${i}`,
        eventName: "INSERT",
        dynamodb: { SequenceNumber: `${Date.now()}${i}`, NewImage: marshall(eventItem(e), { removeUndefinedValues: true }) as never },
      }),
    ),
  });
  let runTag = 0;
  /** `n` events, each of a trader of its own, as the benchmark makes them. */
  const eventsOf = (n: number) => {
    const tag = (++runTag).toString(16).padStart(4, "0");
    return Array.from({ length: n }, (_, i) => benchEvent(i, Date.now(), `fan${tag}`));
  };
  /** `n` events of trader `t`, versions 1..n: their commit order. */
  const eventsOfTrader = (t: number, n: number, coin: string) =>
    eventsOf(n).map((e, i) => ({ ...e, id: `${trader(t)}-${runTag}${i + 1}-${coin}`, trader_id: trader(t), trader_address: trader(t) }));

  beforeAll(async () => {
    tables = await testTables("fan");
    gateway = createWebSocketGateway({ logger: recordingLogger().logger });
    http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    gateway.attach(http.server);
    url = `ws://127.0.0.1:${http.port}`;
    functions = await startFeedFunctions(
      { tables },
      {
        gateway,
        port: http.port,
        logger: recordingLogger().logger,
        pollIntervalMs: 100,
        env: { FEED_SHARDS: String(SHARDS) },
        functions: FEED_FUNCTIONS.filter((def) => def !== FAN_OUT_WORKER_FUNCTION),
      },
    );
    const real = createApiGatewaySender(
      new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${http.port}`, region: TEST_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    const sender: FeedSender = {
      send: async (connectionId, message) => {
        const left = failing.get(connectionId) ?? 0;
        if (left > 0 && message.type === "trade_event") {
          failing.set(connectionId, left - 1);
          throw new Error("TooManyRequestsException: throttled");
        }
        await real.send(connectionId, message);
      },
    };
    const q = functions.fanOutQueue;
    worker = startSqsEventSource({
      functionName: FAN_OUT_WORKER_FUNCTION.name,
      handler: createFanOutWorker({
        connections: createDynamoConnectionStore(tables.doc, tables.names.connections),
        sender,
        retries: createSqsFifoQueue(q.client, q.queueUrl),
        logger: recordingLogger().logger,
        now: Date.now,
        publishMetrics: (counts) => published.push(counts),
      }),
      client: q.client,
      queueUrl: q.queueUrl,
      queueArn: q.queueArn,
      batchSize: 10,
      timeoutSeconds: FAN_OUT_WORKER_FUNCTION.timeoutSeconds,
      region: TEST_REGION,
      concurrency: 2,
      waitTimeSeconds: 1,
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
    failing.clear();
  });
  afterAll(async () => {
    await worker?.stop();
    await functions?.stop();
    await gateway?.close();
    await http?.stop();
  });

  const broadcaster = (queue?: OrderedQueue) =>
    createBroadcaster({
      queue: queue ?? createSqsFifoQueue(functions.fanOutQueue.client, functions.fanOutQueue.queueUrl),
      shards: SHARDS,
      connections: createDynamoConnectionStore(tables.doc, tables.names.connections),
      logger: recordingLogger().logger,
    });

  it("spreads connections over shards, and every client of every shard gets each event exactly once", async () => {
    const many = await Promise.all(Array.from({ length: 12 }, () => connect()));
    const shards = await Promise.all(
      gateway.connectionIds().map(async (id) => {
        const { Item } = await tables.doc.send(new GetCommand({ TableName: tables.names.connections, Key: { connection_id: id } }));
        return Item?.feed_shard as number | undefined;
      }),
    );
    expect(shards.every((s) => s !== undefined && s >= 0 && s < SHARDS)).toBe(true);
    expect(new Set(shards).size).toBeGreaterThan(1);

    // Through the events table's stream, as the tracker stores them.
    const events = eventsOf(3);
    for (const e of events) await tables.doc.send(new PutCommand({ TableName: tables.names.events, Item: eventItem(e) }));
    const ids = events.map((e) => e.id);
    await eventually(() => many.every((c) => idsOf(c).length >= 3), { what: "every client to get the three events", timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    for (const c of many) expect(idsOf(c).sort()).toEqual([...ids].sort());
  });

  it("reaches each client once when the stream mapping delivers the same batch twice", async () => {
    const many = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const batch = streamBatch(eventsOf(2));
    const broadcast = broadcaster();
    expect(await broadcast(batch)).toEqual({ batchItemFailures: [] });
    await eventually(() => many.every((c) => idsOf(c).length >= 2), { what: "the first delivery" });
    // The mapping retries the batch (e.g. the invocation timed out after queueing it).
    expect(await broadcast(batch)).toEqual({ batchItemFailures: [] });
    await new Promise((r) => setTimeout(r, 1_500));
    for (const c of many) expect(idsOf(c)).toHaveLength(2);
  });

  it("retries a client whose post failed alone: it gets the event, the others get it once", async () => {
    // Connected last, on its own: the gateway's newest connection.
    const many = [...(await Promise.all(Array.from({ length: 7 }, () => connect()))), await connect()];
    const flaky = gateway.connectionIds().at(-1)!;
    failing.set(flaky, 2); // fails twice, so the second retry gets through
    const [event] = eventsOf(1);
    expect(await broadcaster()(streamBatch([event!]))).toEqual({ batchItemFailures: [] });
    const flakyClient = many.at(-1)!;
    await eventually(() => idsOf(flakyClient).length === 1, { what: "the retried delivery" });
    await new Promise((r) => setTimeout(r, 500));
    for (const c of many) expect(idsOf(c)).toEqual([event!.id]);
  });

  it("gives a client up after its last retry, counted, and still serves the others", async () => {
    const many = [...(await Promise.all(Array.from({ length: 3 }, () => connect()))), await connect()];
    const flaky = gateway.connectionIds().at(-1)!;
    failing.set(flaky, FANOUT_MAX_RETRIES + 1);
    published.length = 0;
    const [event] = eventsOf(1);
    await broadcaster()(streamBatch([event!]));
    await eventually(() => published.some((p) => p.FeedDeliveriesDropped === 1), { what: "the dropped delivery to be counted" });
    expect(idsOf(many.at(-1)!)).toEqual([]);
    for (const c of many.slice(0, -1)) expect(idsOf(c)).toEqual([event!.id]);
  });

  it("keeps a trader's events in commit order, even when queueing fails for one shard and the batch is retried", async () => {
    const many = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const events = eventsOfTrader(1, 5, "BTC");
    const batch = streamBatch(events);
    // SQS refuses the third event for one shard (one that holds a client) once: the records from
    // there on fail, and the mapping retries from the first failed record.
    const group = `shard-${shardOf(gateway.connectionIds().at(-1)!, SHARDS)}`;
    const real = createSqsFifoQueue(functions.fanOutQueue.client, functions.fanOutQueue.queueUrl);
    let refused = false;
    const flakyQueue: OrderedQueue = {
      sendInOrder: async (messages) => {
        const third = messages.findIndex((m) => m.groupId === group && m.body.includes(events[2]!.id));
        if (third < 0 || refused) return real.sendInOrder(messages);
        refused = true;
        const before = await real.sendInOrder(messages.slice(0, third));
        return { sent: before.sent, error: new Error("ServiceUnavailable") };
      },
    };
    const broadcast = broadcaster(flakyQueue);
    const first = await broadcast(batch);
    const failed = first.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed).toEqual(batch.Records.slice(2).map((r) => r.dynamodb!.SequenceNumber));
    expect(await broadcast({ Records: batch.Records.slice(2) })).toEqual({ batchItemFailures: [] });
    await eventually(() => many.every((c) => idsOf(c).length >= 5), { what: "all five events everywhere" });
    await new Promise((r) => setTimeout(r, 500));
    for (const c of many) expect(idsOf(c)).toEqual(events.map((e) => e.id));
  });

  it("queues an event only for the shards that hold a connection, and for none when nobody is connected", async () => {
    const recordingQueue = () => {
      const groups = new Set<string>();
      const real = createSqsFifoQueue(functions.fanOutQueue.client, functions.fanOutQueue.queueUrl);
      const queue: OrderedQueue = {
        sendInOrder: async (messages: readonly OrderedMessage[]) => {
          for (const m of messages) groups.add(m.groupId);
          return real.sendInOrder(messages);
        },
      };
      return { groups, queue };
    };
    // Nobody connected (the earlier tests' clients are closed and removed): nothing is queued.
    await eventually(async () => (await createDynamoConnectionStore(tables.doc, tables.names.connections).occupiedShards(SHARDS)).size === 0, {
      what: "no connection left from earlier tests",
    });
    const empty = recordingQueue();
    expect(await broadcaster(empty.queue)(streamBatch(eventsOf(1)))).toEqual({ batchItemFailures: [] });
    expect([...empty.groups]).toEqual([]);

    const c = await connect();
    const shard = shardOf(gateway.connectionIds().at(-1)!, SHARDS);
    const one = recordingQueue();
    const [event] = eventsOf(1);
    await eventually(async () => {
      one.groups.clear();
      await broadcaster(one.queue)(streamBatch([event!]));
      return one.groups.size > 0;
    }, { what: "the new connection's shard to be seen" });
    expect([...one.groups]).toEqual([`shard-${shard}`]);
    await eventually(() => idsOf(c).length >= 1, { what: "the event" });
    expect(idsOf(c)).toEqual([event!.id]);
  });

  it("keeps the order of events of several traders interleaved in one batch", async () => {
    const c = await connect();
    const a = eventsOfTrader(2, 3, "BTC");
    const b = eventsOfTrader(3, 3, "ETH");
    const interleaved = [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!];
    await broadcaster()(streamBatch(interleaved));
    await eventually(() => idsOf(c).length >= 6, { what: "the six events" });
    expect(idsOf(c)).toEqual(interleaved.map((e) => e.id));
  });
});
