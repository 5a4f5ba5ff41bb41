import { parentPort, workerData } from "node:worker_threads";
import { logger } from "#commons/logger.js";
import { LOCAL_FUNCTIONS } from "../../functions/catalog.js";
import { localDynamoClient, localStreamsClient } from "../aws.js";
import { LocalStartupError } from "../errors.js";
import { loadHandler, streamMappingOptions } from "../functions.js";
import { startStreamSource, type StreamHandler } from "../stream-source.js";
import type { FromWorker, StreamWorkerData, ToWorker } from "./protocol.js";

/**
 * Inside a worker thread: one stream consumer (its stream source and its handler module), as
 * Lambda runs each function in an environment of its own. See ./stream-consumer.ts.
 */
const port = parentPort;
if (port === null) throw new Error("stream-worker.ts runs in a worker thread started by ./stream-consumer.ts");
const data = workerData as StreamWorkerData;
const post = (m: FromWorker) => port.postMessage(m);

try {
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
  port.on("message", (m: ToWorker) => {
    if (m.type !== "stop") return;
    void source
      .stop()
      .catch((error: unknown) => logger.warn("Stopping the stream source failed", { function: def.name, error }))
      .finally(() => {
        dynamo.destroy();
        streams.destroy();
        post({ type: "stopped" });
        port.close();
      });
  });
  post({ type: "ready", streamArn: source.streamArn });
} catch (error) {
  post({
    type: "failed",
    message: error instanceof Error ? error.message : String(error),
    userFacing: error instanceof LocalStartupError,
    ...(error instanceof Error && error.stack !== undefined && { stack: error.stack }),
  });
  port.close();
}
