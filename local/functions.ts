import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import type { FunctionDef } from "../functions/catalog.js";
import { FEED_FUNCTIONS, LOCAL_FUNCTIONS } from "../functions/catalog.js";
import type { Config } from "#commons/config.js";
import type { QueueDef } from "#commons/queues.js";
import type { TableDef } from "#store/tables.js";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { LocalStartupError } from "./errors.js";
import { startSqsEventSource, type EventSource, type SqsHandler } from "./event-source.js";
import type { CreatedQueue } from "./sqs.js";
import { startScheduler, type ScheduledJob, type Scheduler } from "./scheduler.js";
import { startQueueConsumer, startStreamConsumer } from "./isolated/stream-consumer.js";
import { startStreamSource, type StreamHandler, type StreamSource } from "./stream-source.js";
import type { WebSocketGateway } from "./ws-gateway.js";

/**
 * Runs the functions of the catalog (functions/catalog.ts) on their triggers, as the CDK stack
 * deploys them: schedules every `intervalSetting` seconds, queue consumers through an SQS event
 * source, stream consumers through a DynamoDB stream source, WebSocket routes behind the local
 * gateway. The handler modules are the very ones Lambda runs.
 */

export type LambdaHandler = (event: unknown, context: Context) => unknown;

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Imports a function's module and returns its handler export, or says clearly what is missing. */
export const loadHandler = async (def: FunctionDef, root = repoRoot): Promise<LambdaHandler> => {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.join(root, def.entry)).href)) as Record<string, unknown>;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new LocalStartupError(`Function ${def.name} could not be loaded from ${def.entry}: ${message}`, { cause });
  }
  const handler = mod[def.handler];
  if (typeof handler !== "function") {
    throw new LocalStartupError(`Function ${def.name}: ${def.entry} does not export a function named \`${def.handler}\`.`);
  }
  return handler as LambdaHandler;
};

type StreamTrigger = Extract<FunctionDef["trigger"], { kind: "dynamodb-stream" }>;

/** What a function's DynamoDB stream mapping is configured with, on this thread or a worker's. */
export const streamMappingOptions = (def: FunctionDef, trigger: StreamTrigger) => ({
  functionName: def.name,
  eventNames: [trigger.filter],
  batchSize: trigger.batchSize,
  maxRetryAttempts: trigger.maxRetryAttempts,
  timeoutSeconds: def.timeoutSeconds,
  memoryMb: def.memoryMb,
});

/** Batches of the fan-out queue in flight at once on its thread (each of other message groups). */
export const FEED_QUEUE_POLLERS = 4;

export interface FunctionsOptions {
  config: Config;
  sqsClient: SQSClient;
  queue: (id: QueueDef["id"]) => CreatedQueue;
  /** What `dynamodb-stream` triggers read: DynamoDB Local and its streams endpoint. */
  streams?: {
    dynamo: DynamoDBClient;
    client: DynamoDBStreamsClient;
    tableName: (def: TableDef) => string;
    pollIntervalMs?: number;
    /**
     * DynamoDB Local's endpoint. When given, each stream consumer runs on a worker thread of its
     * own (./isolated/stream-consumer.ts) with clients of its own, and imports its handler module
     * there (`load` is not used for it). Without it, consumers run on this thread.
     */
    workerEndpoint?: string;
  };
  /** Where `websocket` triggers are routed. */
  gateway?: WebSocketGateway;
  /** Defaults to LOCAL_FUNCTIONS (the catalog's functions and the live feed). */
  functions?: readonly FunctionDef[];
  /** Injected by tests; defaults to importing each entry module. */
  load?: (def: FunctionDef) => Promise<LambdaHandler>;
  /** Pollers per queue consumer. */
  concurrency?: number;
  /**
   * The SQS server's endpoint. When given, the live feed's queue consumer (the fan-out worker,
   * which posts to every client) runs on a worker thread of its own, as the stream consumers do,
   * with FEED_QUEUE_POLLERS pollers (a FIFO queue serves each message group to one at a time).
   */
  queueWorkerEndpoint?: string;
  runSchedulesOnStart?: boolean;
  logger?: AppLogger;
}

export interface RunningFunctions {
  scheduler: Scheduler;
  /** Stops schedules first (no new work), then drains the queue consumers. */
  stop(): Promise<void>;
}

export const startFunctions = async (o: FunctionsOptions): Promise<RunningFunctions> => {
  const log = o.logger ?? defaultLogger;
  const defs = o.functions ?? LOCAL_FUNCTIONS;
  const load = o.load ?? ((def: FunctionDef) => loadHandler(def));
  const inWorker = (def: FunctionDef) =>
    (def.trigger.kind === "dynamodb-stream" && o.streams?.workerEndpoint !== undefined) ||
    (def.trigger.kind === "sqs" && o.queueWorkerEndpoint !== undefined && FEED_FUNCTIONS.includes(def));
  // Load everything before starting anything: a broken module stops start-up, not one trigger.
  // A worker loads its own module, and fails its start the same way.
  const handlers = await Promise.all(
    defs.map(async (def) => [def, inWorker(def) ? undefined : await load(def)] as const),
  );

  const jobs: ScheduledJob[] = [];
  const sources: (EventSource | StreamSource)[] = [];
  // Registered last: the gateway refuses upgrades (503) until $connect has a function, so no client
  // connects before the stream sources (the welcome among them) read from LATEST. A connection made
  // earlier would be stored before its INSERT could be seen, and never be greeted.
  const routes: (() => void)[] = [];
  try {
    for (const [def, handler] of handlers) {
      const trigger = def.trigger;
      // Only stream consumers on worker threads come without a handler here.
      const loaded = (): LambdaHandler => {
        if (handler === undefined) throw new Error(`Function ${def.name} was not loaded`);
        return handler;
      };
      if (trigger.kind === "schedule") {
        const intervalSeconds = o.config[trigger.intervalSetting];
        jobs.push({
          name: def.name,
          intervalSeconds,
          timeoutSeconds: def.timeoutSeconds,
          memoryMb: def.memoryMb,
          handler: loaded(),
          ...(trigger.firstRunAfter !== undefined && { firstRunAfter: trigger.firstRunAfter }),
        });
        log.info(`Function ${def.name} scheduled every ${intervalSeconds} s`, { entry: def.entry });
      } else if (trigger.kind === "long-lived") {
        // As deployed: only with the stream on (lib/ingestion.ts leaves the function out otherwise).
        if (o.config.TRADES_STREAM === "off") continue;
        jobs.push({
          name: def.name,
          intervalSeconds: trigger.checkEverySeconds,
          timeoutSeconds: def.timeoutSeconds,
          memoryMb: def.memoryMb,
          handler: loaded(),
          longLived: true,
        });
        log.info(`Function ${def.name} started every ${trigger.checkEverySeconds} s (one listens, a successor overlaps it)`, { entry: def.entry });
      } else if (trigger.kind === "websocket") {
        const gateway = o.gateway;
        if (!gateway) throw new LocalStartupError(`Function ${def.name} serves WebSocket route ${trigger.route}, but no gateway runs.`);
        const routeHandler = loaded();
        routes.push(() => {
          gateway.route(trigger.route, routeHandler, { functionName: def.name, timeoutSeconds: def.timeoutSeconds, memoryMb: def.memoryMb });
          log.info(`Function ${def.name} serves WebSocket route ${trigger.route}`, { entry: def.entry });
        });
      } else if (trigger.kind === "dynamodb-stream") {
        if (!o.streams) throw new LocalStartupError(`Function ${def.name} reads the ${trigger.table.id} stream, but no streams client was given.`);
        const tableName = o.streams.tableName(trigger.table);
        const common = {
          tableName,
          region: o.config.AWS_REGION,
          ...(o.streams.pollIntervalMs !== undefined && { pollIntervalMs: o.streams.pollIntervalMs }),
          logger: log,
        };
        sources.push(
          handler === undefined
            ? await startStreamConsumer({ ...common, def, dynamoEndpoint: o.streams.workerEndpoint! })
            : await startStreamSource({
                ...common,
                ...streamMappingOptions(def, trigger),
                handler: handler as StreamHandler,
                dynamo: o.streams.dynamo,
                streams: o.streams.client,
              }),
        );
        log.info(`Function ${def.name} reads the ${trigger.table.id} table's stream (${trigger.filter})`, {
          entry: def.entry,
          tableName,
          thread: handler === undefined ? "worker" : "main",
        });
      } else if (trigger.kind === "http") {
        // The local server mounts the same Hono app directly (local/runtime.ts); nothing to start.
        continue;
      } else if (handler === undefined) {
        const queue = o.queue(trigger.queue.id);
        sources.push(
          await startQueueConsumer({
            def,
            sqsEndpoint: o.queueWorkerEndpoint!,
            queueUrl: queue.queueUrl,
            queueArn: queue.queueArn,
            region: o.config.AWS_REGION,
            concurrency: FEED_QUEUE_POLLERS,
            logger: log,
          }),
        );
        log.info(`Function ${def.name} consumes queue ${trigger.queue.id} on a worker thread`, { entry: def.entry, queueUrl: queue.queueUrl });
      } else {
        const queue = o.queue(trigger.queue.id);
        sources.push(
          startSqsEventSource({
            functionName: def.name,
            handler: loaded() as SqsHandler,
            client: o.sqsClient,
            queueUrl: queue.queueUrl,
            queueArn: queue.queueArn,
            batchSize: trigger.queue.batchSize,
            timeoutSeconds: def.timeoutSeconds,
            memoryMb: def.memoryMb,
            region: o.config.AWS_REGION,
            concurrency: o.concurrency ?? 2,
            logger: log,
          }),
        );
        log.info(`Function ${def.name} consumes queue ${trigger.queue.id}`, { entry: def.entry, queueUrl: queue.queueUrl });
      }
    }
  } catch (error) {
    // A stream that cannot be read stops start-up; leave nothing polling behind.
    await Promise.all(sources.map((s) => s.stop()));
    throw error;
  }
  for (const register of routes) register();
  const scheduler = startScheduler(jobs, {
    region: o.config.AWS_REGION,
    logger: log,
    ...(o.runSchedulesOnStart !== undefined && { runOnStart: o.runSchedulesOnStart }),
  });

  return {
    scheduler,
    stop: async () => {
      await scheduler.stop();
      await Promise.all(sources.map((s) => s.stop()));
    },
  };
};
