import { parentPort, workerData } from "node:worker_threads";
import { logger } from "#commons/logger.js";
import { LOCAL_FUNCTIONS } from "../../functions/catalog.js";
import { localDynamoClient, localSqsClient, localStreamsClient } from "../aws.js";
import { LocalStartupError } from "../errors.js";
import { startSqsEventSource, type SqsHandler } from "../event-source.js";
import { loadHandler, streamMappingOptions } from "../functions.js";
import { startStreamSource, type StreamHandler } from "../stream-source.js";
import type { FromWorker, QueueWorkerData, StreamWorkerData, ToWorker, WorkerData } from "./protocol.js";

/**
 * Inside a worker thread: one stream or queue consumer (its event source and its handler module),
 * as Lambda runs each function in an environment of its own. See ./stream-consumer.ts.
 */
const port = parentPort;
if (port === null) throw new Error("stream-worker.ts runs in a worker thread started by ./stream-consumer.ts");
const data = workerData as WorkerData;
const post = (m: FromWorker) => port.postMessage(m);

const onStop = (name: string, stop: () => Promise<void>, destroy: () => void) =>
  port.on("message", (m: ToWorker) => {
    if (m.type !== "stop") return;
    void stop()
      .catch((error: unknown) => logger.warn("Stopping the event source failed", { function: name, error }))
      .finally(() => {
        destroy();
        post({ type: "stopped" });
        port.close();
      });
  });

const startQueue = async (q: QueueWorkerData): Promise<void> => {
  const def = LOCAL_FUNCTIONS.find((f) => f.name === q.functionName);
  if (def === undefined || def.trigger.kind !== "sqs") {
    throw new LocalStartupError(`No queue-triggered function named ${q.functionName} in the catalog.`);
  }
  const handler = (await loadHandler(def)) as SqsHandler;
  const client = localSqsClient({ endpoint: q.sqsEndpoint, region: q.region });
  const source = startSqsEventSource({
    functionName: def.name,
    handler,
    client,
    queueUrl: q.queueUrl,
    queueArn: q.queueArn,
    batchSize: def.trigger.queue.batchSize,
    timeoutSeconds: def.timeoutSeconds,
    memoryMb: def.memoryMb,
    region: q.region,
    concurrency: q.concurrency,
    logger,
  });
  onStop(def.name, () => source.stop(), () => client.destroy());
  post({ type: "ready", streamArn: "" });
};

const startStream = async (data: StreamWorkerData): Promise<void> => {
  const def = LOCAL_FUNCTIONS.find((f) => f.name === data.functionName);
  if (def === undefined || def.trigger.kind !== "dynamodb-stream") {
    throw new LocalStartupError(`No stream-triggered function named ${data.functionName} in the catalog.`);
  }
  const handler = (await loadHandler(def)) as StreamHandler;
  const dynamo = localDynamoClient({ endpoint: data.dynamoEndpoint, region: data.region });
  const streams = localStreamsClient({ endpoint: data.dynamoEndpoint, region: data.region });
  const source = await startStreamSource({
    ...streamMappingOptions(def, def.trigger),
    handler,
    dynamo,
    streams,
    tableName: data.tableName,
    region: data.region,
    ...(data.pollIntervalMs !== undefined && { pollIntervalMs: data.pollIntervalMs }),
    logger,
  });
  onStop(def.name, () => source.stop(), () => {
    dynamo.destroy();
    streams.destroy();
  });
  post({ type: "ready", streamArn: source.streamArn });
};

try {
  await (data.kind === "sqs" ? startQueue(data) : startStream(data));
} catch (error) {
  post({
    type: "failed",
    message: error instanceof Error ? error.message : String(error),
    userFacing: error instanceof LocalStartupError,
    ...(error instanceof Error && error.stack !== undefined && { stack: error.stack }),
  });
  port.close();
}
