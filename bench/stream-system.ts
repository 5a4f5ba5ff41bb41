import { monitorEventLoopDelay } from "node:perf_hooks";
import type { DispatchResult } from "#domain/dispatch.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { FANOUT_QUEUE } from "#commons/queues.js";
import { localDynamoClient, localSqsClient, localStreamsClient } from "#local/aws.js";
import { loadHandler, startFunctions, type FunctionsOptions, type RunningFunctions } from "#local/functions.js";
import { createHttpApp, startHttpServer } from "#local/http.js";
import type { CreatedQueue } from "#local/sqs.js";
import { tableNamesFromConfig } from "#local/tables.js";
import { createWebSocketGateway, WS_PATHS } from "#local/ws-gateway.js";
import { FEED_FUNCTIONS, STREAM_LISTENER_FUNCTION, TRACK_DISPATCH_FUNCTION, TRACK_WORKER_FUNCTION } from "../functions/catalog.js";
import { serveParent } from "./ipc.js";
import { quietSdkNodeWarning, requireEnv } from "./util.js";

/**
 * The system under test of bench/stream.ts, in a process of its own, wired as local/runtime.ts
 * wires `npm start`: the local WebSocket gateway on a real HTTP server, and the very handler
 * modules of the catalog on their triggers (the trades-stream listener as a long-lived job, the
 * tracking worker behind an SQS event source, the broadcaster and the welcome on DynamoDB Local's
 * streams in worker threads). One exchange client and one weight budget serve the listener and
 * the worker, as in one `npm start` process. The HTTP API and dashboard are left out (nothing here
 * asks them), and so are discovery and the leaderboard (they would spend weight on other work).
 *
 * The dispatcher starts only when asked: the orchestrator waits for the listener to hold the
 * stream, so that the first tick already reconciles a slice instead of polling everyone.
 */

export interface StreamSystemReady {
  /** The live feed (`/ws/v1/trades`). */
  feedUrl: string;
}

export interface DispatchRecord {
  /** When the tick began, and when the dispatcher returned (its messages all sent). */
  startedAt: number;
  at: number;
  result: DispatchResult;
}

export type StreamSystemMethods = {
  /** Starts the tracking schedule (a tick at once, then every TRACKING_INTERVAL_SECONDS). */
  startDispatcher: () => Promise<void>;
  /** Every tick so far, with what it dispatched. */
  dispatches: () => DispatchRecord[];
  cpu: () => NodeJS.CpuUsage;
  /** The main thread's event-loop delay since the last call (then starts over), ms. */
  loopDelay: () => { p99Ms: number; maxMs: number };
};

quietSdkNodeWarning();

await serveParent(async () => {
  const initial = loadConfig(process.env);
  const region = initial.AWS_REGION;
  const dynamoEndpoint = requireEnv("AWS_ENDPOINT_URL_DYNAMODB");
  const queue = JSON.parse(requireEnv("BENCH_QUEUE")) as CreatedQueue;
  const fanOut = JSON.parse(requireEnv("BENCH_FANOUT_QUEUE")) as CreatedQueue;

  const gateway = createWebSocketGateway({ region, logger });
  const http = await startHttpServer(createHttpApp({ checks: [], logger }), { port: 0, hostname: "127.0.0.1" });
  gateway.attach(http.server);
  // The handler modules read it when imported, as they read Lambda's environment.
  process.env.WS_CALLBACK_URL = `http://127.0.0.1:${http.port}`;
  const config = loadConfig(process.env);
  const tableNames = tableNamesFromConfig(config);
  const dynamo = localDynamoClient({ endpoint: dynamoEndpoint, region });
  const sqsClient = localSqsClient({ endpoint: requireEnv("AWS_ENDPOINT_URL_SQS"), region });

  const common: Omit<FunctionsOptions, "functions"> = {
    config,
    sqsClient,
    queue: (id) => (id === FANOUT_QUEUE.id ? fanOut : queue),
    queueWorkerEndpoint: requireEnv("AWS_ENDPOINT_URL_SQS"),
    gateway,
    streams: {
      dynamo,
      client: localStreamsClient({ endpoint: dynamoEndpoint, region }),
      tableName: (def) => tableNames[def.id],
      workerEndpoint: dynamoEndpoint,
    },
    logger,
  };
  const live: RunningFunctions = await startFunctions({ ...common, functions: [...FEED_FUNCTIONS, TRACK_WORKER_FUNCTION, STREAM_LISTENER_FUNCTION] });

  // A late delivery with a stalled loop here was this process's doing; with a free loop, it waited elsewhere.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let dispatcher: RunningFunctions | undefined;
  const dispatches: DispatchRecord[] = [];
  const methods: StreamSystemMethods = {
    startDispatcher: async () => {
      if (dispatcher !== undefined) return;
      dispatcher = await startFunctions({
        ...common,
        functions: [TRACK_DISPATCH_FUNCTION],
        // The real module; only its results are noted on the way out.
        load: async (def) => {
          const handler = await loadHandler(def);
          return async (event, context) => {
            const startedAt = Date.now();
            const result = (await handler(event, context)) as DispatchResult;
            dispatches.push({ startedAt, at: Date.now(), result });
            return result;
          };
        },
      });
    },
    dispatches: () => dispatches,
    cpu: () => process.cpuUsage(),
    loopDelay: () => {
      const r = { p99Ms: Math.round(loop.percentile(99) / 1e4) / 100, maxMs: Math.round(loop.max / 1e4) / 100 };
      loop.reset();
      return r;
    },
  };

  return {
    ready: { feedUrl: `ws://127.0.0.1:${http.port}${WS_PATHS[0]}` } satisfies StreamSystemReady,
    methods,
    stop: async () => {
      // Schedules first (the listener's remaining time is taken away), then the consumers.
      await dispatcher?.stop();
      await live.stop();
      await gateway.close();
      await http.stop();
      const { exchange } = await import("#commons/clients/hyperliquid.js");
      await exchange.close();
      dynamo.destroy();
      sqsClient.destroy();
    },
  };
});
