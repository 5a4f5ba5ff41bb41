import { createHash } from "node:crypto";
import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, inject, it } from "vitest";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { localDynamoClient } from "#local/aws.js";
import { startSqsEventSource, type EventSource } from "#local/event-source.js";
import { createHttpApp, dynamoHealthCheck, feedHealthCheck, sqsHealthCheck, startHttpServer, type HealthBody } from "#local/http.js";
import { startScheduler, type LocalScheduleEvent, type Scheduler } from "#local/scheduler.js";
import { createTableInput, createTables } from "#local/tables.js";
import { createWebSocketGateway } from "#local/ws-gateway.js";
import { EVENTS_TABLE, STATE_TABLE, TRADERS_TABLE } from "#store/tables.js";
import { testQueue, testTables } from "../support/aws.js";
import { TEST_REGION } from "../support/env.js";
import { recordingLogger } from "../support/logger.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { eventually } from "../support/wait.js";

/** The pieces `npm start` is made of, against the real local services, with test handlers. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("tables", () => {
  it("are created from the shared definitions with their indexes, stream and TTL, once", async () => {
    const { names, client } = await testTables("rt");

    const { Table: traders } = await client.send(new DescribeTableCommand({ TableName: names.traders }));
    expect(traders?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(traders?.KeySchema).toEqual([{ AttributeName: "address", KeyType: "HASH" }]);
    const byName = (i: { IndexName?: string }, j: { IndexName?: string }) => String(i.IndexName).localeCompare(String(j.IndexName));
    expect([...(traders?.GlobalSecondaryIndexes ?? [])].sort(byName)).toMatchObject([
      {
        IndexName: "active-index",
        KeySchema: [
          { AttributeName: "active_shard", KeyType: "HASH" },
          { AttributeName: "address", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
      {
        IndexName: "hinted-index",
        KeySchema: [{ AttributeName: "traded_at", KeyType: "HASH" }],
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["active_shard", "last_failed_at"] },
      },
    ]);

    const { Table: events } = await client.send(new DescribeTableCommand({ TableName: names.events }));
    expect(events?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_IMAGE" });
    expect(events?.LatestStreamArn).toBeTruthy();
    expect(events?.GlobalSecondaryIndexes?.[0]?.Projection?.ProjectionType).toBe("ALL");

    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.state }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: "ENABLED", AttributeName: STATE_TABLE.ttlAttribute });

    // Every start runs this against the persisted data directory: it must leave tables alone.
    const again = await createTables(client, names);
    expect(again.created).toEqual([]);
    expect(again.existing.sort()).toEqual(Object.values(names).sort());
    expect(again.indexesAdded).toEqual([]);
    // (Indexes added to tables made before them: ./table-upgrade.test.ts.)
  });

  it("declare each key attribute once even when an index reuses it", () => {
    const input = createTableInput(TRADERS_TABLE, "x");
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(["active_shard", "address", "traded_at"]);
    expect(createTableInput(EVENTS_TABLE, "y").StreamSpecification?.StreamViewType).toBe("NEW_IMAGE");
  });
});

describe("scheduler", () => {
  it("fires right after start with an EventBridge-like event, and never overlaps a run", async () => {
    const calls: { event: LocalScheduleEvent; remainingMs: number }[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const { logger, entries } = recordingLogger();
    const scheduler: Scheduler = startScheduler(
      [
      {
        name: "discovery",
        intervalSeconds: 3600,
        timeoutSeconds: 30,
        handler: async (event, context) => {
          calls.push({ event, remainingMs: context.getRemainingTimeInMillis() });
          await blocked;
        },
      },
      ],
      { logger },
    );
    cleanups.push(() => scheduler.stop());

    await eventually(() => calls.length === 1, { what: "the first run" });
    expect(calls[0]?.event).toMatchObject({ source: "local.scheduler", schedule: "discovery" });
    expect(Date.parse(calls[0]?.event.time ?? "")).not.toBeNaN();
    expect(calls[0]?.remainingMs).toBeGreaterThan(29_000);
    expect(calls[0]?.remainingMs).toBeLessThanOrEqual(30_000);

    expect(await scheduler.runNow("discovery")).toBe(false); // still running: skipped, and said so
    expect(entries).toContainEqual(expect.objectContaining({ level: "warn", message: "Previous run still going; skipping this one" }));
    release();
    await eventually(() => scheduler.runNow("discovery"), { what: "a run once the first has finished" });
    expect(calls).toHaveLength(2);
  });

  it("holds a first run until the run it waits for has finished, even a failed one", async () => {
    const ran: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const { logger } = recordingLogger();
    const job = (name: string, handler: () => Promise<void>, firstRunAfter?: string) => ({
      name,
      intervalSeconds: 3600,
      timeoutSeconds: 30,
      handler: async () => {
        ran.push(`${name} start`);
        await handler();
        ran.push(`${name} end`);
      },
      ...(firstRunAfter !== undefined && { firstRunAfter }),
    });
    // The waiting job first in the list: order must not matter.
    const scheduler = startScheduler(
      [
        job("leaderboard", async () => undefined, "discovery"),
        job("discovery", async () => {
          await blocked;
          throw new Error("exchange down");
        }),
      ],
      { logger },
    );
    cleanups.push(() => scheduler.stop());

    await eventually(() => ran.includes("discovery start"), { what: "discovery's first run" });
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual(["discovery start"]);
    release();
    await eventually(() => ran.includes("leaderboard end"), { what: "the held run" });
    expect(ran).toEqual(["discovery start", "leaderboard start", "leaderboard end"]);

    const noop = async () => undefined;
    expect(() => startScheduler([job("leaderboard", noop, "discovery")])).toThrow(/waits for discovery, which is not scheduled/);
    expect(() => startScheduler([job("a", noop, "b"), job("b", noop, "c"), job("c", noop)])).toThrow(/waits itself/);
  });
});

describe("SQS event source", () => {
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");

  it("deletes succeeded records and redelivers failed ones until they reach the DLQ", async () => {
    // Short visibility timeout so the redelivery happens within the test; real value: 90 s.
    const queue = await testQueue({ ...TRACKING_QUEUE, visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    const deliveries: SQSRecord[] = [];
    const { logger, entries } = recordingLogger();
    let firstEvent: SQSEvent | undefined;
    let firstContext: Context | undefined;
    const source: EventSource = startSqsEventSource({
      functionName: "track-worker",
      client: queue.client,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      batchSize: 10,
      timeoutSeconds: 20,
      region: TEST_REGION,
      waitTimeSeconds: 1,
      logger,
      handler: async (event, context) => {
        firstEvent ??= event;
        firstContext ??= context;
        deliveries.push(...event.Records);
        const failed = event.Records.filter((r) => r.body === "fail");
        return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    cleanups.push(() => source.stop());

    await queue.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: [
          { Id: "ok", MessageBody: "ok", MessageAttributes: { kind: { DataType: "String", StringValue: "good" } } },
          { Id: "fail", MessageBody: "fail" },
        ],
      }),
    );

    const inDlq = await eventually(
      async () => {
        const { Messages } = await queue.client.send(
          new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MessageSystemAttributeNames: ["All"] }),
        );
        return Messages?.[0];
      },
      { what: "the failed message in the DLQ" },
    );
    expect(inDlq.Body).toBe("fail");
    expect(entries.filter((e) => e.message === "Some records failed and will be retried")).toHaveLength(2);

    const okDeliveries = deliveries.filter((r) => r.body === "ok");
    const failDeliveries = deliveries.filter((r) => r.body === "fail");
    expect(okDeliveries).toHaveLength(1); // deleted after its first success
    expect(failDeliveries.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);

    const ok = okDeliveries[0];
    expect(ok).toMatchObject({
      eventSource: "aws:sqs",
      eventSourceARN: queue.queueArn,
      awsRegion: TEST_REGION,
      md5OfBody: md5("ok"),
      messageAttributes: { kind: { dataType: "String", stringValue: "good", stringListValues: [], binaryListValues: [] } },
    });
    expect(ok?.messageId).toMatch(/\S/);
    expect(ok?.receiptHandle).toMatch(/\S/);
    for (const key of ["SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"] as const) {
      expect(ok?.attributes[key]).toMatch(/\S/);
    }
    expect(firstEvent?.Records.length).toBeGreaterThanOrEqual(1);
    expect(firstContext?.functionName).toBe("track-worker");
    expect(firstContext?.getRemainingTimeInMillis()).toBeLessThanOrEqual(20_000);

    const { Attributes } = await queue.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
  });

  it("treats a thrown error as a failure of the whole batch", async () => {
    const queue = await testQueue({ ...TRACKING_QUEUE, visibilityTimeoutSeconds: 1, maxReceiveCount: 5 });
    const seen: string[] = [];
    const { logger } = recordingLogger();
    const source = startSqsEventSource({
      functionName: "track-worker",
      client: queue.client,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      batchSize: 10,
      timeoutSeconds: 20,
      waitTimeSeconds: 1,
      logger,
      handler: async (event) => {
        for (const r of event.Records) seen.push(`${r.body}#${r.attributes.ApproximateReceiveCount}`);
        if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === "1")) throw new Error("boom");
      },
    });
    cleanups.push(() => source.stop());
    await queue.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: [
          { Id: "a", MessageBody: "a" },
          { Id: "b", MessageBody: "b" },
        ],
      }),
    );
    await eventually(() => seen.includes("a#2") && seen.includes("b#2"), { what: "both messages redelivered" });
    await source.stop();
    expect(seen.filter((s) => s.endsWith("#2")).sort()).toEqual(["a#2", "b#2"]);
    expect(seen.some((s) => s.endsWith("#3"))).toBe(false); // the second delivery succeeded and deleted them
  });
});

describe("HTTP /health", () => {
  it("answers 200 while DynamoDB and SQS answer, and 503 naming DynamoDB once it is stopped", async () => {
    // The shared DynamoDB Local must stay up for the other test files, and starting a second JVM
    // on a loaded 2-core machine can take longer than a test may: it is reached through a proxy,
    // and stopping the proxy is DynamoDB going away as a client sees it.
    const { names } = await testTables("health", [TRADERS_TABLE]);
    const dynamo = await startTcpProxy(inject("dynamoEndpoint"));
    cleanups.push(() => dynamo.stop());
    const probe = localDynamoClient({ endpoint: dynamo.endpoint, region: TEST_REGION, maxAttempts: 1 });
    cleanups.push(async () => probe.destroy());
    const queue = await testQueue();

    const app = createHttpApp({
      checks: [dynamoHealthCheck(probe, names.traders), sqsHealthCheck(queue.client, queue.queueUrl)],
      logger: recordingLogger().logger,
    });
    const http = await startHttpServer(app, { port: 0 });
    cleanups.push(() => http.stop());
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${http.port}/health`);
      return { status: response.status, body: (await response.json()) as HealthBody };
    };

    const up = await health();
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: "ok", dependencies: { dynamodb: "ok", sqs: "ok" } });
    expect(up.body.uptime_s).toBeGreaterThanOrEqual(0);

    await dynamo.stop();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: "unavailable", dependencies: { dynamodb: "unavailable", sqs: "ok" } });
  });

  it("answers 503 with the feed starting until the gateway accepts WebSocket upgrades, and 503 with it down once closed", async () => {
    const gateway = createWebSocketGateway({ logger: recordingLogger().logger });
    const http = await startHttpServer(createHttpApp({ checks: [feedHealthCheck(gateway)], logger: recordingLogger().logger }), { port: 0 });
    gateway.attach(http.server);
    cleanups.push(() => http.stop(), () => gateway.close());
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${http.port}/health`);
      return { status: response.status, body: (await response.json()) as HealthBody };
    };

    expect(await health()).toMatchObject({ status: 503, body: { status: "starting", dependencies: { feed: "starting" } } });
    gateway.route("$connect", () => ({ statusCode: 200 }), { functionName: "ws-connect", timeoutSeconds: 5 });
    expect(await health()).toMatchObject({ status: 200, body: { status: "ok", dependencies: { feed: "ok" } } });
    await gateway.close();
    expect(await health()).toMatchObject({ status: 503, body: { status: "unavailable", dependencies: { feed: "unavailable" } } });
  });

  it("refuses to start on a port in use with one sentence saying what to do", async () => {
    const first = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    cleanups.push(() => first.stop());
    await expect(startHttpServer(createHttpApp({ checks: [] }), { port: first.port })).rejects.toThrow(
      `Port ${first.port} is already in use: stop the other process or start with PORT=${first.port + 1} npm start.`,
    );
  });
});
