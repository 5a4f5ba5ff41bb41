import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createApiApp, createDynamoApiStores, mountApi } from "#api/index.js";
import { createDocumentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { FANOUT_QUEUE } from "#commons/queues.js";
import { localDynamoClient, localSqsClient, localStreamsClient } from "#local/aws.js";
import { startLocalSqs, type LocalSqs } from "#local/sqs.js";
import { startFunctions, type RunningFunctions } from "#local/functions.js";
import { createHttpApp, startHttpServer } from "#local/http.js";
import { tableNamesFromConfig } from "#local/tables.js";
import { feedLimitsFrom } from "#domain/feed/limits.js";
import { createWebSocketGateway } from "#local/ws-gateway.js";
import { gatewayLimitsFrom } from "#local/ws-limits.js";
import { FEED_FUNCTIONS } from "../functions/catalog.js";
import { serveParent } from "./ipc.js";
import { quietSdkNodeWarning, requireEnv } from "./util.js";

/**
 * The server side of bench/api.ts, in a process of its own so that the load generator and the
 * WebSocket clients never share its event loop. It is wired as local/runtime.ts wires `npm start`:
 * the real API app (createApiApp over createDynamoApiStores) and the local WebSocket gateway on one
 * @hono/node-server on 127.0.0.1, and, with BENCH_FEED=1, the feed's handler modules (FEED_FUNCTIONS)
 * behind the gateway's routes, the DynamoDB Local stream sources and the fan-out queue on an
 * in-process SQS server, each consumer on a worker thread as there. One deliberate difference: no
 * per-IP rate limit (every benchmark client is 127.0.0.1).
 */

export interface ApiServerReady {
  url: string;
  port: number;
}

quietSdkNodeWarning();

await serveParent(async () => {
  // Every benchmark client is 127.0.0.1, and the fan-out scenario opens thousands: no connection
  // caps, in the gateway nor in the handlers (which read the same settings when imported).
  process.env.WS_MAX_CONNECTIONS = "0";
  process.env.WS_MAX_CONNECTIONS_PER_IP = "0";
  const config = loadConfig(process.env);
  const endpoint = requireEnv("AWS_ENDPOINT_URL_DYNAMODB");
  const cacheMs = Number(requireEnv("BENCH_LEADERBOARD_CACHE_MS"));
  const withFeed = process.env.BENCH_FEED === "1";
  const tableNames = tableNamesFromConfig(config);
  const dynamo = localDynamoClient({ endpoint, region: config.AWS_REGION });

  const gateway = createWebSocketGateway({ region: config.AWS_REGION, logger, limits: gatewayLimitsFrom(feedLimitsFrom(config)) });
  const api = createApiApp({
    ...createDynamoApiStores(dynamo, createDocumentClient(dynamo), tableNames),
    checks: [],
    adminApiKey: requireEnv("ADMIN_API_KEY"),
    logger,
    limits: { rateLimit: false, leaderboardCacheMs: cacheMs },
  });
  const http = await startHttpServer(createHttpApp({ checks: [], mounts: [mountApi(api, logger)] }), {
    port: 0,
    hostname: "127.0.0.1",
  });
  gateway.attach(http.server);

  let functions: RunningFunctions | undefined;
  let sqs: LocalSqs | undefined;
  if (withFeed) {
    sqs = await startLocalSqs({ region: config.AWS_REGION, queues: [FANOUT_QUEUE], namePrefix: "bench" });
    const fanOut = sqs.queues.get(FANOUT_QUEUE.id)!;
    // The handler modules read these when imported, as they read Lambda's environment.
    process.env.WS_CALLBACK_URL = `http://127.0.0.1:${http.port}`;
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
    process.env[FANOUT_QUEUE.envVar] = fanOut.queueUrl;
    functions = await startFunctions({
      config: loadConfig(process.env),
      sqsClient: localSqsClient({ endpoint: sqs.endpoint, region: config.AWS_REGION }),
      queue: (id) => {
        if (id !== FANOUT_QUEUE.id) throw new Error(`the feed uses no ${id} queue`);
        return fanOut;
      },
      queueWorkerEndpoint: sqs.endpoint,
      gateway,
      streams: {
        dynamo,
        client: localStreamsClient({ endpoint, region: config.AWS_REGION }),
        tableName: (def) => tableNames[def.id],
        workerEndpoint: endpoint,
      },
      functions: FEED_FUNCTIONS,
      logger,
    });
  }

  // Whether a slow response was this process stalling (its event loop blocked) or waiting elsewhere.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // The main thread's CPU profile over a window the orchestrator picks (the fan-out), not start-up
  // and shutdown: --cpu-prof writes it only at exit, which a server stopping 10,000 sockets may not reach.
  let profiler: Session | undefined;

  return {
    ready: { url: `http://127.0.0.1:${http.port}`, port: http.port } satisfies ApiServerReady,
    methods: {
      startProfile: async (): Promise<void> => {
        profiler = new Session();
        profiler.connect();
        await profiler.post("Profiler.enable");
        await profiler.post("Profiler.start");
      },
      /** Writes the profile since startProfile to `file` (a .cpuprofile for Chrome DevTools). */
      stopProfile: async (file: string): Promise<void> => {
        if (profiler === undefined) return;
        const { profile } = await profiler.post("Profiler.stop");
        profiler.disconnect();
        profiler = undefined;
        await writeFile(file, JSON.stringify(profile));
      },
      openConnections: (): number => gateway.connectionIds().length,
      cpu: (): NodeJS.CpuUsage => process.cpuUsage(),
      /** The event loop's delay since the last call, in ms (then starts over). */
      loopDelay: (): { p99Ms: number; maxMs: number } => {
        const r = { p99Ms: Math.round(loop.percentile(99) / 1e4) / 100, maxMs: Math.round(loop.max / 1e4) / 100 };
        loop.reset();
        return r;
      },
    },
    stop: async () => {
      await functions?.stop();
      await sqs?.stop();
      await gateway.close();
      await http.stop();
      dynamo.destroy();
    },
  };
});
