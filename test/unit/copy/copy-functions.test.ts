import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, SQSRecord } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createWebhookAlerts } from "#app/copy/alerts.js";
import { createCopyDispatch } from "#app/copy/dispatch.js";
import { createCopyReconcile } from "#app/copy/reconcile.js";
import { createCopyWorker } from "#app/copy/worker.js";
import { parseAddress } from "#domain/address.js";
import type { CopyEngine } from "#domain/copy/engine.js";
import { copyQueueMessage, type CopyMessage } from "#domain/copy/messages.js";
import type { FollowerRecord } from "#domain/copy/ports.js";
import type { OrderedMessage, OrderedQueue } from "#domain/feed/ports.js";
import { recordingLogger } from "../../support/logger.js";
import { createMemoryFollowerStore, followerRecord } from "../../support/memory-follower-store.js";
import { startRecordingServer, type RecordingServer } from "../../support/recording-server.js";
import { LEADER, paperConfig } from "./engine-harness.js";

const OTHER = parseAddress("0x1111111111111111111111111111111111111111");

const record = (id: string, over: Partial<FollowerRecord> = {}): FollowerRecord => ({ ...followerRecord(id, paperConfig(), 0), ...over });

/** A queue port that keeps what it is sent and refuses from the `refuseFrom`-th message on. */
const recordingQueue = (refuseFrom = Infinity) => {
  const sent: OrderedMessage[] = [];
  const queue: OrderedQueue = {
    sendInOrder: async (messages) => {
      const room = Math.max(0, Math.min(messages.length, refuseFrom - sent.length));
      sent.push(...messages.slice(0, room));
      return room < messages.length ? { sent: room, error: new Error("refused") } : { sent: room };
    },
  };
  return { sent, queue };
};

const streamRecord = (seq: string, image: Record<string, unknown>): DynamoDBRecord => ({
  eventName: "INSERT",
  dynamodb: { SequenceNumber: seq, NewImage: marshall(image) as NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"] },
});

const storedEvent = (trader: string, version: number, coin: string, at: string) => ({
  id: `${trader}-${version}-${coin}`,
  trader_id: trader,
  trader_address: trader,
  timestamp: at,
  event_type: "OPEN_POSITION",
  details: { coin },
});

describe("copy dispatch", () => {
  it("queues each event once per follower of its trader, in commit order, grouped by follower", async () => {
    const store = createMemoryFollowerStore();
    await store.create(record("fol_a"));
    await store.create(record("fol_b"));
    await store.create(record("fol_c", { state: "stopped" }));
    const { sent, queue } = recordingQueue();
    const dispatch = createCopyDispatch({ followers: store, queue, logger: recordingLogger().logger });
    const response = await dispatch({
      Records: [
        streamRecord("1", storedEvent(LEADER, 4, "BTC", "2026-12-06T12:00:00.000Z")),
        streamRecord("2", storedEvent(OTHER, 9, "ETH", "2026-12-06T12:00:01.000Z")), // nobody follows him
        streamRecord("3", storedEvent(LEADER, 5, "ETH", "2026-12-06T12:00:02.500Z")),
      ],
    });
    expect(response).toEqual({ batchItemFailures: [] });
    const expected = (follower: string, version: number, coin: string, signalAt: number): OrderedMessage =>
      copyQueueMessage({ v: 1, follower_id: follower, event_id: `${LEADER}-${version}-${coin}`, leader: LEADER, coin, signal_at: signalAt });
    expect(sent).toEqual([
      expected("fol_a", 4, "BTC", Date.UTC(2026, 11, 6, 12, 0, 0)),
      expected("fol_b", 4, "BTC", Date.UTC(2026, 11, 6, 12, 0, 0)),
      expected("fol_a", 5, "ETH", Date.UTC(2026, 11, 6, 12, 0, 2, 500)),
      expected("fol_b", 5, "ETH", Date.UTC(2026, 11, 6, 12, 0, 2, 500)),
    ]);
    expect(sent.map((m) => m.groupId)).toEqual(["fol_a", "fol_b", "fol_a", "fol_b"]);
  });

  it("carries his size and state version from an event that opened a position (OPEN, FLIP), not from an add; every event's version", async () => {
    const store = createMemoryFollowerStore();
    await store.create(record("fol_a"));
    const { sent, queue } = recordingQueue();
    const dispatch = createCopyDispatch({ followers: store, queue, logger: recordingLogger().logger });
    const event = (version: number, type: string, szi: string) => ({
      ...storedEvent(LEADER, version, "BTC", "2026-12-06T12:00:00.000Z"),
      version,
      event_type: type,
      details: { coin: "BTC", szi },
    });
    await dispatch({
      Records: [
        streamRecord("1", event(4, "OPEN_POSITION", "0.5")),
        streamRecord("2", event(5, "INCREASE_POSITION", "0.75")),
        streamRecord("3", event(6, "FLIP_POSITION", "-0.2")),
      ],
    });
    expect(sent.map((m) => (JSON.parse(m.body) as CopyMessage).opened)).toEqual([{ szi: "0.5", version: 4 }, undefined, { szi: "-0.2", version: 6 }]);
    // Every event's state version: its run reads his positions again if its first read is older.
    expect(sent.map((m) => (JSON.parse(m.body) as CopyMessage).version)).toEqual([4, 5, 6]);
  });

  it("fails the record the queue stopped at and every later one; a malformed record fails alone", async () => {
    const store = createMemoryFollowerStore();
    await store.create(record("fol_a"));
    await store.create(record("fol_b"));
    // The 3rd message (event 2's first follower) is refused.
    const { sent, queue } = recordingQueue(2);
    const dispatch = createCopyDispatch({ followers: store, queue, logger: recordingLogger().logger });
    const response = await dispatch({
      Records: [
        streamRecord("10", { id: "not an event" }),
        streamRecord("11", storedEvent(LEADER, 4, "BTC", "2026-12-06T12:00:00.000Z")),
        streamRecord("12", storedEvent(LEADER, 5, "BTC", "2026-12-06T12:00:01.000Z")),
        streamRecord("13", storedEvent(LEADER, 6, "BTC", "2026-12-06T12:00:02.000Z")),
      ],
    });
    expect(sent).toHaveLength(2);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["10", "12", "13"]);
  });
});

describe("the periodic reconcile", () => {
  it("queues reconcile:<interval start> for active followers and those still closing, the same id from an overlapping run", async () => {
    const store = createMemoryFollowerStore();
    await store.create(record("fol_active"));
    await store.create(record("fol_paused", { state: "paused" }));
    await store.create(record("fol_closing", { state: "stopped", closeRequested: true }));
    await store.create(record("fol_stopped", { state: "stopped" }));
    const { sent, queue } = recordingQueue();
    let now = 1_765_022_425_500; // 2025-12-06 12:00:25.5 UTC: its interval began at 12:00:00
    const reconcile = createCopyReconcile({ followers: store, queue, intervalSeconds: 60, logger: recordingLogger().logger, now: () => now });
    expect(await reconcile()).toEqual({ followers: 2, recent: 0 });
    now += 20_000; // a second run overlapping the same interval
    await reconcile();
    const at = 1_765_022_400_000;
    const bodies = sent.map((m) => JSON.parse(m.body) as CopyMessage);
    expect(bodies.map((b) => [b.follower_id, b.event_id, b.signal_at])).toEqual([
      ["fol_active", `reconcile:${at}`, at],
      ["fol_closing", `reconcile:${at}`, at],
      ["fol_active", `reconcile:${at}`, at],
      ["fol_closing", `reconcile:${at}`, at],
    ]);
    // SQS drops the second run's messages: the same deduplication ids.
    expect(sent[2]!.deduplicationId).toBe(sent[0]!.deduplicationId);
  });
});

describe("the periodic reconcile and recent runs", () => {
  it("leaves out an active follower whose last run committed within the interval, never one still closing", async () => {
    const store = createMemoryFollowerStore();
    const now = 1_765_022_425_500;
    const ran = async (id: string, at: number, over: Partial<FollowerRecord> = {}) => {
      await store.create(record(id, over));
      const account = await store.getAccount(id);
      expect(await store.commit({ account: { ...account, lastReconciledAt: at }, orders: [] })).toBe("ok");
    };
    await ran("fol_recent", now - 59_999); // within the last 60 s: its run reconciled it
    await ran("fol_stale", now - 60_000); // a whole interval ago: due
    await store.create(record("fol_never")); // never ran: due
    await ran("fol_closing", now - 1_000, { state: "stopped", closeRequested: true }); // closing: always
    const { sent, queue } = recordingQueue();
    const reconcile = createCopyReconcile({ followers: store, queue, intervalSeconds: 60, logger: recordingLogger().logger, now: () => now });
    expect(await reconcile()).toEqual({ followers: 3, recent: 1 });
    expect(sent.map((m) => (JSON.parse(m.body) as CopyMessage).follower_id)).toEqual(["fol_closing", "fol_never", "fol_stale"]);
  });
});

describe("the copy worker", () => {
  const sqsRecord = (id: string, group: string, body: string): SQSRecord => ({
    messageId: id,
    receiptHandle: id,
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0", MessageGroupId: group },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:copy.fifo",
    awsRegion: "us-east-1",
  });
  const body = (follower: string, event: string) =>
    JSON.stringify({ v: 1, follower_id: follower, event_id: event, leader: null, coin: null, signal_at: 1 });

  it("fails a message that throws and the later ones of its follower, and runs the other followers'", async () => {
    const ran: string[] = [];
    const engine = (async (m: CopyMessage) => {
      ran.push(`${m.follower_id}/${m.event_id}`);
      if (m.event_id === "e1" && m.follower_id === "fol_a") throw new Error("DynamoDB down");
      return { status: "done", orders: 0 } as const;
    }) as CopyEngine;
    const worker = createCopyWorker({ engine, logger: recordingLogger().logger });
    const response = await worker({
      Records: [
        sqsRecord("m1", "fol_a", body("fol_a", "e1")),
        sqsRecord("m2", "fol_b", body("fol_b", "e1")),
        sqsRecord("m3", "fol_a", body("fol_a", "e2")),
        sqsRecord("m4", "fol_b", "{not json"),
      ],
    });
    expect(ran).toEqual(["fol_a/e1", "fol_b/e1"]);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["m1", "m3", "m4"]);
  });

  it("runs the followers of a batch side by side, each one's messages in order", { timeout: 5_000 }, async () => {
    // fol_a's first run waits until fol_b's has started: one after another, it would wait forever.
    let bStarted!: () => void;
    const bHasStarted = new Promise<void>((r) => (bStarted = r));
    const ran: string[] = [];
    const engine = (async (m: CopyMessage) => {
      ran.push(`${m.follower_id}/${m.event_id}`);
      if (m.follower_id === "fol_b") bStarted();
      if (m.follower_id === "fol_a" && m.event_id === "e1") await bHasStarted;
      return { status: "done", orders: 0 } as const;
    }) as CopyEngine;
    const worker = createCopyWorker({ engine, logger: recordingLogger().logger });
    const response = await worker({
      Records: [
        sqsRecord("m1", "fol_a", body("fol_a", "e1")),
        sqsRecord("m2", "fol_a", body("fol_a", "e2")),
        sqsRecord("m3", "fol_b", body("fol_b", "e1")),
      ],
    });
    expect(response.batchItemFailures).toEqual([]);
    // fol_a's e2 only after its e1, which only finished once fol_b had started.
    expect(ran).toEqual(["fol_a/e1", "fol_b/e1", "fol_a/e2"]);
  });
});

describe("the alerts webhook", () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(async () => server.close());

  it("posts a pause as JSON, without anything of the follower's config", async () => {
    server.seen.length = 0;
    const { logger } = recordingLogger();
    const alerts = createWebhookAlerts(logger);
    const follower = record("fol_a", { config: { ...paperConfig(), alertsWebhookUrl: `${server.url}/hook` } });
    await alerts(follower, { kind: "pause", followerId: "fol_a", name: "paper copy", reason: "max_drawdown", message: "down 30%", at: Date.UTC(2026, 11, 6) });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({ method: "POST", url: "/hook", headers: { "content-type": "application/json" } });
    expect(JSON.parse(server.seen[0]!.body)).toEqual({
      type: "pause",
      follower_id: "fol_a",
      follower_name: "paper copy",
      reason: "max_drawdown",
      message: "down 30%",
      at: "2026-12-06T00:00:00.000Z",
    });
  });

  it("gives up after its timeout and on a refusal, logging it, never throwing", async () => {
    server.seen.length = 0;
    const { logger, entries } = recordingLogger();
    const follower = record("fol_a", { config: { ...paperConfig(), alertsWebhookUrl: `${server.url}/hook` } });
    const alert = { kind: "error", followerId: "fol_a", name: "x", message: "refused", at: 0 } as const;
    server.answer = () => undefined; // never answers
    const started = Date.now();
    await createWebhookAlerts(logger, 200)(follower, alert);
    expect(Date.now() - started).toBeLessThan(2_000);
    server.answer = (_req, res) => res.writeHead(500).end();
    await createWebhookAlerts(logger, 200)(follower, alert);
    expect(entries.map((e) => e.message)).toEqual(["Could not post an alert to the follower's webhook", "The alerts webhook refused an alert"]);
    // A URL the API would not accept is not posted to at all.
    server.seen.length = 0;
    await createWebhookAlerts(logger)(record("fol_b", { config: { ...paperConfig(), alertsWebhookUrl: "http://example.com/hook" } }), alert);
    expect(server.seen).toHaveLength(0);
  });
});

describe("the Copy* metrics", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("one EMF line per run that sent or paused something, with a delay value per order, only inside Lambda", async () => {
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false"); // the test env sets POWERTOOLS_DEV, which would disable them
    const { copyMetricsPublisher } = await import("#commons/metrics.js");
    const lines: Record<string, unknown>[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)) as Record<string, unknown>));
    const run = { ordersSent: 2, orderErrors: 1, followersPaused: 0, signalToOrderMs: [120, 340] };

    copyMetricsPublisher({})(run); // the local runtime: nothing
    copyMetricsPublisher({ AWS_LAMBDA_FUNCTION_NAME: "hl-copy-worker" })({ ordersSent: 0, orderErrors: 0, followersPaused: 0, signalToOrderMs: [] });
    expect(lines).toEqual([]);

    copyMetricsPublisher({ AWS_LAMBDA_FUNCTION_NAME: "hl-copy-worker" })(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ CopyOrdersSent: 2, CopyOrderErrors: 1, CopyFollowersPaused: 0, CopySignalToOrderMs: [120, 340] });
  });
});
