import { Worker } from "node:worker_threads";
import type { FunctionDef } from "../../functions/catalog.js";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { LocalStartupError } from "../errors.js";
import type { StreamSource } from "../stream-source.js";
import type { EventSource } from "../event-source.js";
import type { FromWorker, QueueWorkerData, StreamWorkerData, ToWorker, WorkerData } from "./protocol.js";

/**
 * Runs a stream-triggered function of the catalog on a worker thread of its own: its stream
 * source and its handler module, with their own SDK clients. A function posting to a thousand
 * clients keeps a core busy for most of a second; on the main thread that would stall the HTTP
 * API and the WebSocket gateway it posts to, which in AWS run elsewhere. The worker gets a copy
 * of this process's environment as it is now, as a Lambda function gets its configuration.
 */
export interface StreamConsumerOptions {
  def: FunctionDef;
  tableName: string;
  dynamoEndpoint: string;
  region: string;
  pollIntervalMs?: number;
  logger?: AppLogger;
  /** How long stop() waits for the invocation in flight before terminating the thread. */
  stopTimeoutMs?: number;
}

const BOOT = new URL("./boot.mjs", import.meta.url);
const ENTRY = new URL("./stream-worker.ts", import.meta.url).href;

export const startStreamConsumer = (o: StreamConsumerOptions): Promise<StreamSource> => {
  const data: StreamWorkerData = {
    entry: ENTRY,
    functionName: o.def.name,
    tableName: o.tableName,
    dynamoEndpoint: o.dynamoEndpoint,
    region: o.region,
    ...(o.pollIntervalMs !== undefined && { pollIntervalMs: o.pollIntervalMs }),
  };
  return startIsolated(o.def, data, o.logger ?? defaultLogger, o.stopTimeoutMs, "its stream is no longer read");
};

export interface QueueConsumerOptions {
  def: FunctionDef;
  sqsEndpoint: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  concurrency: number;
  logger?: AppLogger;
  stopTimeoutMs?: number;
}

/**
 * Runs a queue-triggered function on a worker thread of its own, for the same reason: the fan-out
 * worker's posts would otherwise compete with the gateway that receives them.
 */
export const startQueueConsumer = async (o: QueueConsumerOptions): Promise<EventSource> => {
  const data: QueueWorkerData = {
    kind: "sqs",
    entry: ENTRY,
    functionName: o.def.name,
    sqsEndpoint: o.sqsEndpoint,
    queueUrl: o.queueUrl,
    queueArn: o.queueArn,
    region: o.region,
    concurrency: o.concurrency,
  };
  const { stop } = await startIsolated(o.def, data, o.logger ?? defaultLogger, o.stopTimeoutMs, "its queue is no longer read");
  return { stop };
};

const startIsolated = async (
  def: FunctionDef,
  data: WorkerData,
  log: AppLogger,
  stopTimeoutMs: number | undefined,
  consequence: string,
): Promise<StreamSource> => {
  const o = { def, stopTimeoutMs };
  const worker = new Worker(BOOT, { workerData: data, name: o.def.name });
  let stopping = false;
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));

  const ready = await new Promise<FromWorker>((resolve) => {
    worker.once("message", resolve);
    worker.once("error", (error) =>
      resolve({ type: "failed", message: error.message, userFacing: false, ...(error.stack !== undefined && { stack: error.stack }) }),
    );
    void exited.then((code) => resolve({ type: "failed", message: `the worker thread exited with code ${code}`, userFacing: false }));
  });
  if (ready.type !== "ready") {
    await worker.terminate();
    const message = ready.type === "failed" ? ready.message : "the worker stopped before it was ready";
    if (ready.type === "failed" && ready.userFacing) throw new LocalStartupError(message);
    throw new Error(`Function ${o.def.name} could not start: ${message}`, {
      cause: ready.type === "failed" && ready.stack !== undefined ? ready.stack : undefined,
    });
  }

  // After start-up an error in the thread is a bug in the function or the stream source: say so
  // loudly. Lambda would start a new environment; here the feed stops until the next `npm start`.
  worker.on("error", (error) => log.error(`Function ${o.def.name} crashed; ${consequence}`, { error }));
  void exited.then((code) => {
    if (!stopping) log.error(`Function ${o.def.name} stopped unexpectedly (exit code ${code}); ${consequence}`);
  });

  return {
    streamArn: ready.streamArn,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      const stopped = new Promise<void>((resolve) => worker.on("message", (m: FromWorker) => m.type === "stopped" && resolve()));
      worker.postMessage({ type: "stop" } satisfies ToWorker);
      const timeoutMs = o.stopTimeoutMs ?? o.def.timeoutSeconds * 1000 + 2_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([stopped, exited, timedOut]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
};
