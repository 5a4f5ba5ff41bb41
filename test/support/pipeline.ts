import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { effectiveWeightPerMinute } from "#commons/config.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { EXCHANGE_WEIGHT_PER_MINUTE } from "#simulator/weight-limit.js";
import { logger } from "#commons/logger.js";
import { createDiscoveryHandler } from "#app/discovery.js";
import { createDispatchHandler } from "#app/track-dispatch.js";
import type { ReconcileOptions } from "#domain/dispatch.js";
import { createTrackWorker } from "#app/track-worker.js";
import type { Address } from "#domain/address.js";
import type { WeightBudget } from "#domain/budget.js";
import type { PositionEvent } from "#domain/events.js";
import type { QueuePort, RunStateStore } from "#domain/ports.js";
import { trackTraders, type LiveFills, type TrackOutcome } from "#domain/tracking.js";
import { isBudgetTimeout, isPermanentExchangeError } from "#commons/clients/hyperliquid.js";
import { cachedPerpUniverse } from "#domain/perp-universe.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient, type HyperliquidClient } from "#hyperliquid/client.js";
import { trackingPollsPerInterval } from "#hyperliquid/from-config.js";
import { toSqsEvent, succeededRecords } from "#local/event-source.js";
import { createLambdaContext } from "#local/lambda-context.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { createSqsQueue } from "#store/sqs-queue.js";
import { testQueue, testTables, type TestQueue, type TestTables } from "./aws.js";

/**
 * The whole tracking pipeline wired for an integration test: real DynamoDB Local tables, a real
 * SQS queue, the simulator as the exchange, and the very handler factories the Lambdas use.
 * `cycle()` does what the schedule + event source mapping do: dispatch, then deliver every
 * message as a real SQS event to the worker, deleting only what the worker reported as done.
 */
export interface Pipeline {
  sim: Simulator;
  budget: WeightBudget;
  tables: TestTables;
  queue: TestQueue;
  exchange: HyperliquidClient;
  traders: ReturnType<typeof createDynamoTraderStore>;
  dispatch: (event?: unknown) => Promise<unknown>;
  worker: (event: Parameters<ReturnType<typeof createTrackWorker>>[0], context?: Context) => Promise<SQSBatchResponse>;
  discovery: ReturnType<typeof createDiscoveryHandler>;
  /** Targeted polls as the stream listener makes them (trackTraders with the stream's fills). */
  trackLive: (addresses: Address[], live: LiveFills) => Promise<TrackOutcome[]>;
  /** The tracking queue as a port (where the listener hands traders off). */
  queuePort: QueuePort;
  runState: RunStateStore;
  /** Dispatches once and drains the queue (redeliveries included); returns the worker responses. */
  cycle: (opts?: { maxRounds?: number }) => Promise<SQSBatchResponse[]>;
  /** Delivers what is queued to the worker until the queue is empty, as the event source would. */
  drain: (opts?: { maxRounds?: number }) => Promise<SQSBatchResponse[]>;
  /** Messages delivered to the worker so far: dispatched ones, redeliveries and hand-backs. */
  delivered: () => number;
  /** Receives up to 10 messages as one SQS event, without invoking anything. */
  receive: () => Promise<Parameters<ReturnType<typeof createTrackWorker>>[0]>;
  events: (address: Address) => Promise<PositionEvent[]>;
  close: () => Promise<void>;
}

export interface PipelineOptions {
  seed?: number;
  /** The simulator's clock at start (epoch ms); default: its own. */
  simStartTime?: number;
  batchSize?: number;
  coins?: string[];
  /** The simulator lists the builder dex `xyz` too (`xyz:TSLA`, `xyz:NVDA`). */
  builderDexes?: boolean;
  maxRetries?: number;
  discoveryMaxRunMs?: number;
  limitPerMinute?: number;
  /**
   * The exchange's own rule (weight a minute per client). Off by default, because the pipeline's
   * budget is raised far beyond it by default; tests of our behaviour under the rule set both.
   */
  exchangeWeightPerMinute?: number;
  /** The simulator's clock follows wall time (for a pipeline that runs on real schedules). */
  simRealTime?: boolean;
  /** Default 1 s, so a failed message comes back within a test that drains by hand. */
  visibilityTimeoutSeconds?: number;
  /** The interval the dispatcher is told it runs at (a test's loop sets the real one). Default 60. */
  trackingIntervalSeconds?: number;
  /** The dispatcher's idea of what the budget polls in an interval; default: from the budget's limit. */
  pollsPerInterval?: number;
  /** The client's own retry delays (250 ms doubling to 8 s) instead of the fast 5–50 ms. */
  productionRetries?: boolean;
  /** The dispatcher's reconciliation, as with the trades stream (default: none, every tick polls everyone). */
  reconcile?: ReconcileOptions;
}

/**
 * A pipeline as production runs it at the exchange's limit: the simulator enforcing 1,200 weight a
 * minute, our budget planning 10% below it, the client's own retry delays, a wall-time market and
 * a queue whose messages stay hidden while a worker holds them.
 */
export const atTheExchangeLimit = (seed: number, trackingIntervalSeconds: number): PipelineOptions => ({
  seed,
  exchangeWeightPerMinute: EXCHANGE_WEIGHT_PER_MINUTE,
  limitPerMinute: effectiveWeightPerMinute({ HL_WEIGHT_PER_MINUTE: EXCHANGE_WEIGHT_PER_MINUTE, HL_WEIGHT_HEADROOM: 0.1 }),
  simRealTime: true,
  visibilityTimeoutSeconds: 90,
  productionRetries: true,
  trackingIntervalSeconds,
});

export const startPipeline = async (o: PipelineOptions = {}): Promise<Pipeline> => {
  const sim = createSimulator({
    seed: o.seed ?? 7,
    weightPerMinute: o.exchangeWeightPerMinute ?? Infinity,
    ...(o.simStartTime !== undefined && { startTime: o.simStartTime }),
    ...(o.simRealTime && { realTime: true }),
    ...(o.builderDexes && { builderDexes: true }),
  });
  const url = await sim.start();
  const tables = await testTables("pipe");
  const queue = await testQueue({ ...TRACKING_QUEUE, visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? 1, maxReceiveCount: 10 });
  const budget = createWeightBudget({ limitPerMinute: o.limitPerMinute ?? 1_000_000, discoveryShare: 0.25, historyShare: 0.25 });
  const exchange = createHyperliquidClient({
    baseUrl: url,
    budget,
    timeoutMs: 2_000,
    maxRetries: o.maxRetries ?? 4,
    ...(!o.productionRetries && { retryBaseDelayMs: 5, retryMaxDelayMs: 50 }),
  });
  const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
  const runState = createDynamoRunStateStore(tables.doc, tables.names.state);
  const sqsQueue = createSqsQueue(queue.client, queue.queueUrl);
  const intervalSeconds = o.trackingIntervalSeconds ?? 60;
  const dispatch = createDispatchHandler({
    traders,
    queue: sqsQueue,
    runState,
    batchSize: o.batchSize ?? 25,
    // A tick is skipped only while a cycle has more left than the budget polls in an interval.
    pollsPerInterval:
      o.pollsPerInterval ??
      trackingPollsPerInterval({ HL_WEIGHT_PER_MINUTE: o.limitPerMinute ?? 1_000_000, HL_WEIGHT_HEADROOM: 0, TRACKING_INTERVAL_SECONDS: intervalSeconds }),
    intervalMs: intervalSeconds * 1_000,
    now: Date.now,
    logger,
    ...(o.reconcile !== undefined && { reconcile: o.reconcile }),
  });
  const trackingDeps = {
    exchange,
    universe: cachedPerpUniverse(exchange, { call: { lane: "tracking" }, maxAgeMs: 60_000, now: Date.now }),
    traders,
    fills: createDynamoFillStore(tables.doc, tables.names.fills),
    logger,
    now: Date.now,
    concurrency: 8,
    isPermanent: isPermanentExchangeError,
    isBudgetTimeout,
  };
  const worker = createTrackWorker({ ...trackingDeps, budget, runState, requeue: sqsQueue });
  const discovery = createDiscoveryHandler({
    exchange,
    traders,
    runState,
    logger,
    now: Date.now,
    maxRunMs: o.discoveryMaxRunMs ?? 30_000,
    ...(o.coins !== undefined && { coins: o.coins }),
  });
  const context = createLambdaContext({ functionName: "track-worker", timeoutSeconds: TRACKING_QUEUE.workerTimeoutSeconds });

  const receive = async () => {
    const out = await queue.client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, AttributeNames: ["All"] }),
    );
    return toSqsEvent(out.Messages ?? [], queue.queueArn, "us-east-1");
  };

  let delivered = 0;
  const drain = async (maxRounds: number): Promise<SQSBatchResponse[]> => {
    const responses: SQSBatchResponse[] = [];
    for (let round = 0; round < maxRounds; round++) {
      const event = await receive();
      if (event.Records.length === 0) {
        // Failed messages stay invisible until their visibility timeout (1 s) passes: wait for them.
        const { Attributes: a } = await queue.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue.queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        const pending = Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0);
        if (pending === 0) break;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      delivered += event.Records.length;
      let response: SQSBatchResponse = { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      try {
        response = await worker(event, context);
      } catch {
        // A thrown invocation fails every record, as in Lambda.
      }
      responses.push(response);
      const done = succeededRecords(event.Records, response);
      if (done.length > 0) {
        await queue.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.queueUrl,
            Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
    }
    return responses;
  };

  return {
    sim,
    budget,
    tables,
    queue,
    exchange,
    traders,
    dispatch: (event = { source: "test" }) => dispatch(event),
    worker: (event, ctx) => worker(event, ctx ?? context),
    discovery,
    trackLive: (addresses, live) => trackTraders(addresses, trackingDeps, { live }),
    queuePort: sqsQueue,
    runState,
    receive,
    delivered: () => delivered,
    drain: ({ maxRounds = 200 } = {}) => drain(maxRounds),
    cycle: async ({ maxRounds = 200 } = {}) => {
      await dispatch({ source: "test" });
      return drain(maxRounds);
    },
    events: async (address) => {
      const out = await tables.doc.send(
        new QueryCommand({
          TableName: tables.names.events,
          KeyConditionExpression: "trader_address = :a",
          ExpressionAttributeValues: { ":a": address },
        }),
      );
      return (out.Items ?? []) as PositionEvent[];
    },
    close: async () => {
      await exchange.close();
      await sim.stop();
    },
  };
};
