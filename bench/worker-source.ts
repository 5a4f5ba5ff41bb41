import type { SQSClient } from "@aws-sdk/client-sqs";
import { TRACK_WORKER_FUNCTION } from "../functions/catalog.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { startSqsEventSource, type EventSource, type SqsHandler } from "#local/event-source.js";
import { requireEnv } from "./util.js";

/** The worker behind an SQS event source on the scenario's queue, configured as the catalog deploys it. */
export const startWorkerSource = (o: { handler: SqsHandler; client: SQSClient; pollers: number }): EventSource =>
  startSqsEventSource({
    functionName: TRACK_WORKER_FUNCTION.name,
    handler: o.handler,
    client: o.client,
    queueUrl: requireEnv("TRACKING_QUEUE_URL"),
    queueArn: requireEnv("BENCH_QUEUE_ARN"),
    batchSize: TRACKING_QUEUE.batchSize,
    timeoutSeconds: TRACK_WORKER_FUNCTION.timeoutSeconds,
    memoryMb: TRACK_WORKER_FUNCTION.memoryMb,
    region: requireEnv("AWS_REGION"),
    concurrency: o.pollers,
  });
