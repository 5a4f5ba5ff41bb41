import { randomUUID } from "node:crypto";
import type { SQSEvent } from "aws-lambda";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import { loadConfig } from "#commons/config.js";
import type { AppLogger } from "#commons/logger.js";
import { FANOUT_QUEUE } from "#commons/queues.js";
import type { OrderedMessage } from "#domain/feed/ports.js";
import { localStreamsClient } from "#local/aws.js";
import { toSqsEvent } from "#local/event-source.js";
import { startFunctions, type RunningFunctions } from "#local/functions.js";
import type { WebSocketGateway } from "#local/ws-gateway.js";
import { FEED_FUNCTIONS, type FunctionDef } from "../../functions/catalog.js";
import { testQueue, type TestQueue } from "./aws.js";
import { TEST_REGION } from "./env.js";
import type { Pipeline } from "./pipeline.js";

export interface RunningFeedFunctions extends RunningFunctions {
  /** The fan-out FIFO queue the broadcaster sends to and the fan-out worker consumes. */
  fanOutQueue: TestQueue;
}

/**
 * The live feed's functions (connect, welcome, default, disconnect, broadcaster, fan-out worker)
 * over a pipeline's tables and a fan-out queue of their own, posting through `gateway` on the
 * HTTP server at `port`, as the local runtime runs them.
 */
export const startFeedFunctions = async (
  p: Pick<Pipeline, "tables">,
  o: {
    gateway: WebSocketGateway;
    port: number;
    logger: AppLogger;
    pollIntervalMs?: number;
    env?: Record<string, string>;
    /** Defaults to every feed function; a test that runs its own fan-out worker leaves the catalog's out. */
    functions?: readonly FunctionDef[];
  },
): Promise<RunningFeedFunctions> => {
  const fanOutQueue = await testQueue(FANOUT_QUEUE);
  // What the runtime does before the handler modules load: they read these when imported, as they read Lambda's environment.
  Object.assign(process.env, p.tables.env, o.env, {
    WS_CALLBACK_URL: `http://127.0.0.1:${o.port}`,
    [FANOUT_QUEUE.envVar]: fanOutQueue.queueUrl,
  });
  const running = await startFunctions({
    config: loadConfig(process.env),
    sqsClient: fanOutQueue.client,
    queue: (id) => {
      if (id !== FANOUT_QUEUE.id) throw new Error(`the feed uses no ${id} queue`);
      return fanOutQueue;
    },
    gateway: o.gateway,
    streams: {
      dynamo: p.tables.client,
      client: localStreamsClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION }),
      tableName: (def) => p.tables.names[def.id],
      ...(o.pollIntervalMs !== undefined && { pollIntervalMs: o.pollIntervalMs }),
      workerEndpoint: inject("dynamoEndpoint"),
    },
    queueWorkerEndpoint: inject("sqsEndpoint"),
    functions: o.functions ?? FEED_FUNCTIONS,
    logger: o.logger,
  });
  return { ...running, fanOutQueue };
};

/** Fan-out messages as the SQS mapping hands them to the worker: one SQS event, in this order. */
export const fanOutEvent = (messages: readonly OrderedMessage[]): SQSEvent =>
  toSqsEvent(
    messages.map((m) => ({
      MessageId: randomUUID(),
      ReceiptHandle: randomUUID(),
      Body: m.body,
      Attributes: { MessageGroupId: m.groupId, MessageDeduplicationId: m.deduplicationId },
    })),
    "arn:aws:sqs:us-east-1:000000000000:test-fanout.fifo",
    TEST_REGION,
  );

/** Whether the fan-out queue holds no message, waiting or in flight: every event queued so far has been fanned out. */
export const fanOutIdle = async (q: TestQueue): Promise<boolean> => {
  const { Attributes } = await q.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: q.queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return Object.values(Attributes ?? {}).every((n) => n === "0");
};
