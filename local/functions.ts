import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import type { FunctionDef } from "../functions/catalog.js";
import { ALL_FUNCTIONS } from "../functions/catalog.js";
import type { Config } from "#commons/config.js";
import type { QueueDef } from "#commons/queues.js";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { LocalStartupError } from "./errors.js";
import { startSqsEventSource, type EventSource, type SqsHandler } from "./event-source.js";
import type { CreatedQueue } from "./sqs.js";
import { startScheduler, type ScheduledJob, type Scheduler } from "./scheduler.js";

/**
 * Runs the functions of the catalog (functions/catalog.ts) on their triggers, as the CDK stack
 * deploys them: schedules every `intervalSetting` seconds, queue consumers through an SQS event
 * source. The handler modules are the very ones Lambda runs.
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

export interface FunctionsOptions {
  config: Config;
  sqsClient: SQSClient;
  queue: (id: QueueDef["id"]) => CreatedQueue;
  functions?: readonly FunctionDef[];
  /** Injected by tests; defaults to importing each entry module. */
  load?: (def: FunctionDef) => Promise<LambdaHandler>;
  /** Pollers per queue consumer. */
  concurrency?: number;
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
  const defs = o.functions ?? ALL_FUNCTIONS;
  const load = o.load ?? ((def: FunctionDef) => loadHandler(def));
  // Load everything before starting anything: a broken module stops start-up, not one trigger.
  const handlers = await Promise.all(defs.map(async (def) => [def, await load(def)] as const));

  const jobs: ScheduledJob[] = [];
  const sources: EventSource[] = [];
  for (const [def, handler] of handlers) {
    const trigger = def.trigger;
    if (trigger.kind === "schedule") {
      const intervalSeconds = o.config[trigger.intervalSetting];
      jobs.push({ name: def.name, intervalSeconds, timeoutSeconds: def.timeoutSeconds, memoryMb: def.memoryMb, handler });
      log.info(`Function ${def.name} scheduled every ${intervalSeconds} s`, { entry: def.entry });
    } else {
      const queue = o.queue(trigger.queue.id);
      sources.push(
        startSqsEventSource({
          functionName: def.name,
          handler: handler as SqsHandler,
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
