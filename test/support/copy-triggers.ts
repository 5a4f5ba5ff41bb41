import { inject } from "vitest";
import type { AppLogger } from "#commons/logger.js";
import { createCopyDispatch } from "#app/copy/dispatch.js";
import { createCopyWorker } from "#app/copy/worker.js";
import { COPY_DISPATCH_FUNCTION, COPY_WORKER_FUNCTION } from "../../functions/catalog.js";
import type { CopyEngine } from "#domain/copy/engine.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import type { OrderedQueue } from "#domain/feed/ports.js";
import { localStreamsClient } from "#local/aws.js";
import { startSqsEventSource, type EventSource } from "#local/event-source.js";
import { startStreamSource, type StreamSource } from "#local/stream-source.js";
import type { TestQueue } from "./aws.js";
import { TEST_REGION } from "./env.js";
import type { Pipeline } from "./pipeline.js";

/**
 * Copy trading's triggers as the local runtime runs them, for a test's engine: the events table's
 * stream (the local stream source) into copy dispatch, which sends to `dispatchTo`; the copy queue's
 * event source into the copy worker. Stopping stops both.
 */
export const startCopyTriggers = async (o: {
  p: Pipeline;
  queue: TestQueue;
  followers: FollowerStore;
  dispatchTo: OrderedQueue;
  engine: CopyEngine;
  logger: AppLogger;
}): Promise<{ stream: StreamSource; worker: EventSource; stop(): Promise<void> }> => {
  const stream = await startStreamSource({
    functionName: COPY_DISPATCH_FUNCTION.name,
    handler: createCopyDispatch({ followers: o.followers, queue: o.dispatchTo, logger: o.logger }),
    dynamo: o.p.tables.client,
    streams: localStreamsClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION }),
    tableName: o.p.tables.names.events,
    eventNames: ["INSERT"],
    batchSize: 100,
    maxRetryAttempts: 3,
    timeoutSeconds: 60,
    pollIntervalMs: 50,
    logger: o.logger,
  });
  const worker = startSqsEventSource({
    functionName: COPY_WORKER_FUNCTION.name,
    handler: createCopyWorker({ engine: o.engine, logger: o.logger }),
    client: o.queue.client,
    queueUrl: o.queue.queueUrl,
    queueArn: o.queue.queueArn,
    batchSize: 10,
    timeoutSeconds: COPY_WORKER_FUNCTION.timeoutSeconds,
    region: TEST_REGION,
    concurrency: 2,
    waitTimeSeconds: 1,
    logger: o.logger,
  });
  return {
    stream,
    worker,
    stop: async () => {
      await worker.stop();
      await stream.stop();
    },
  };
};
