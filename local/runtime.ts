import { randomBytes } from "node:crypto";
import { createApiApp, createDynamoApiStores, mountApi } from "#api/index.js";
import { createDocumentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { ConfigError } from "#commons/errors.js";
import { logger } from "#commons/logger.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { feedLimitsFrom } from "#domain/feed/limits.js";
import { freshnessRules } from "#domain/history/freshness.js";
import { LOCAL_FUNCTIONS } from "../functions/catalog.js";
import { DIST_DIR, ensureDashboard } from "../web/build.js";
import { TRACKING_QUEUE, type QueueDef } from "#commons/queues.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { ALL_TABLES } from "#store/tables.js";
import { applyEnv, localAwsEnv, localDynamoClient, localSqsClient, localStreamsClient } from "./aws.js";
import { DEMO_ENV_DEFAULTS, startDemoExchange, type DemoExchange } from "./demo.js";
import { startDemoFollower } from "./demo-follower.js";
import { DEMO_AGENT_KEY_VAR, demoLiveAccount, type DemoLiveAccount } from "./demo-live-account.js";
import { startDynamoDbLocal, type DynamoDbLocal } from "./dynamodb-local.js";
import { LocalStartupError } from "./errors.js";
import type { LocalFlags } from "./flags.js";
import { startFunctions, type RunningFunctions } from "./functions.js";
import {
  createHttpApp,
  dashboardMount,
  dynamoHealthCheck,
  feedHealthCheck,
  localDashboardConfig,
  portInUseMessage,
  sqsHealthCheck,
  startHttpServer,
  type HttpMount,
  type RunningHttpServer,
} from "./http.js";
import { isPortFree } from "./ports.js";
import { startLocalSqs, type LocalSqs } from "./sqs.js";
import { createTables, tableNamesFromConfig } from "./tables.js";
import { createWebSocketGateway, WS_PATHS } from "./ws-gateway.js";
import { gatewayLimitsFrom } from "./ws-limits.js";

/**
 * Starts the local stack in dependency order and stops it in reverse, on Ctrl-C or SIGTERM.
 * Everything the handlers read comes from the environment, set here before they are imported,
 * exactly as Lambda hands it to them in the cloud.
 */

/** Routes the HTTP server serves besides /health (and the WebSocket gateway's management API). The HTTP API will be mounted here. */
const HTTP_MOUNTS: HttpMount[] = [];

/** Every queue a function of the catalog consumes or sends to. */
const catalogQueues = (): QueueDef[] => {
  const byId = new Map<string, QueueDef>();
  for (const fn of LOCAL_FUNCTIONS) {
    for (const q of fn.sendsTo) byId.set(q.id, q);
    if (fn.trigger.kind === "sqs") byId.set(fn.trigger.queue.id, fn.trigger.queue);
  }
  return [...byId.values()];
};

const setDefaults = (defaults: Record<string, string>) => {
  for (const [key, value] of Object.entries(defaults)) if (!process.env[key]) process.env[key] = value;
};

type Stopper = { name: string; stop: () => Promise<void> };

/**
 * Without ADMIN_API_KEY the admin routes would be unusable, so a key is made for this run and
 * printed once, to the terminal only (never to the structured logs, which may be shipped elsewhere).
 */
const announceGeneratedAdminKey = (): string => {
  const key = randomBytes(24).toString("base64url");
  process.stdout.write(
    `\nAdmin API key for this run (x-api-key header; set ADMIN_API_KEY to choose your own): ${key}\n\n`,
  );
  return key;
};

export const runLocal = async (flags: LocalFlags): Promise<void> => {
  const startedAt = Date.now();
  const stoppers: Stopper[] = []; // in start order; stopped in reverse
  let stopping: Promise<void> | undefined;

  const shutdown = async (exitCode: number) => {
    stopping ??= (async () => {
      for (const { name, stop } of [...stoppers].reverse()) {
        try {
          await stop();
        } catch (error) {
          logger.warn(`Stopping ${name} failed`, { error });
        }
      }
    })();
    await stopping;
    process.exit(exitCode);
  };
  // A Ctrl-C during start-up begins the shutdown while later parts are still starting: those are
  // stopped as soon as they are up instead of running on against services already stopped.
  const started = (stopper: Stopper): void => {
    if (stopping === undefined) {
      stoppers.push(stopper);
      return;
    }
    stopper.stop().catch((error: unknown) => logger.warn(`Stopping ${stopper.name} failed`, { error }));
  };
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A terminal's Ctrl-C reaches us twice within milliseconds (directly, and relayed by the tsx
      // wrapper); only a second press by the user means "force".
      if (Date.now() - firstSignalAt < 500) return;
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info(`${signal} received: finishing running work, then stopping (press Ctrl-C again to force)`);
    void shutdown(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    if (flags.demo) setDefaults(DEMO_ENV_DEFAULTS);
    // HL_BUDGET_MODE=local: one process, so the weight budget needs no shared table.
    applyEnv({ HL_BUDGET_MODE: "local" });
    const initial = loadConfig(process.env);
    // Fail on a taken port before spending seconds starting Java.
    if (!(await isPortFree(initial.PORT, "127.0.0.1"))) throw new LocalStartupError(portInUseMessage(initial.PORT));

    const [dynamo, sqs] = await startServices(flags, initial.AWS_REGION);
    started({ name: "DynamoDB Local", stop: dynamo.stop });
    started({ name: "SQS", stop: sqs.stop });
    logger.info("DynamoDB Local started", {
      endpoint: dynamo.endpoint,
      data: flags.inMemory ? "in memory (discarded on exit)" : flags.dataDir,
    });
    const queueUrls = Object.fromEntries(catalogQueues().map((def) => [def.envVar, sqs.queueUrl(def.id)]));
    logger.info("SQS server started", { endpoint: sqs.endpoint, ...queueUrls });

    applyEnv(localAwsEnv({ region: initial.AWS_REGION, dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint }));
    const initialNames = tableNamesFromConfig(initial);
    applyEnv(Object.fromEntries(ALL_TABLES.map((def) => [def.envVar, initialNames[def.id]])));
    applyEnv(queueUrls);

    let live: DemoLiveAccount | undefined;
    if (flags.demo) {
      live = await demoLiveAccount(flags.inMemory ? undefined : flags.dataDir);
      const demo: DemoExchange = await startDemoExchange({ weightPerMinute: initial.HL_WEIGHT_PER_MINUTE, live, logger });
      started({ name: "exchange simulator", stop: demo.stop });
      // The live follower's agent key, for the copy engine (the functions inherit the environment).
      applyEnv({ HYPERLIQUID_API_URL: demo.baseUrl, HYPERLIQUID_TESTNET_API_URL: demo.baseUrl, [DEMO_AGENT_KEY_VAR]: live.agentKey });
      logger.info("Exchange simulator started", { url: demo.baseUrl });
    }
    const config = loadConfig(process.env);
    const tableNames = tableNamesFromConfig(config);

    const dynamoClient = localDynamoClient({ endpoint: dynamo.endpoint, region: config.AWS_REGION });
    const tables = await createTables(dynamoClient, tableNames);
    logger.info("Tables ready", { ...tables });
    if (tables.indexesBuilding.length > 0) {
      logger.warn("Indexes added to existing tables are still building; what reads them does without until they are ready", {
        indexes: tables.indexesBuilding,
      });
    }

    const sqsClient = localSqsClient({ endpoint: sqs.endpoint, region: config.AWS_REGION });
    // Probes fail fast instead of retrying, so /health answers promptly when a service is down.
    const probes = {
      dynamo: localDynamoClient({ endpoint: dynamo.endpoint, region: config.AWS_REGION, maxAttempts: 1 }),
      sqs: localSqsClient({ endpoint: sqs.endpoint, region: config.AWS_REGION, maxAttempts: 1 }),
    };
    // The feed's limits as the handlers read them from the same settings, checked in process too.
    const gateway = createWebSocketGateway({ region: config.AWS_REGION, logger, limits: gatewayLimitsFrom(feedLimitsFrom(config)) });
    // The feed answers "starting" until every function runs (startFunctions registers the
    // WebSocket routes last), so /health answers 200 only once a client can use everything.
    const checks = [
      dynamoHealthCheck(probes.dynamo, tableNames.traders),
      sqsHealthCheck(probes.sqs, sqs.queueUrl(TRACKING_QUEUE.id)),
      feedHealthCheck(gateway),
    ];
    // The same Hono app the HTTP API Lambda serves, over the same DynamoDB tables. Positions are
    // valued through the process's one exchange client and budget, imported once its env is set.
    const { exchange } = await import("#commons/clients/hyperliquid.js");
    const api = createApiApp({
      ...createDynamoApiStores(dynamoClient, createDocumentClient(dynamoClient), tableNames),
      marks: createHyperliquidMarks(exchange, { logger }),
      freshness: freshnessRules(config),
      checks,
      adminApiKey: config.ADMIN_API_KEY ?? announceGeneratedAdminKey(),
      // Once the runtime creates the copy queue (its engine runs), the API nudges it as in AWS.
      ...(config.COPY_QUEUE_URL !== undefined && { copyQueue: createSqsFifoQueue(sqsClient, config.COPY_QUEUE_URL) }),
      logger,
    });
    const app = createHttpApp({
      startedAt,
      checks,
      // The dashboard first: its requests never reach the API's middleware. A stale build is redone
      // meanwhile (the page's requests wait for it); a failed one leaves /app/ explaining.
      mounts: [
        dashboardMount({ dir: DIST_DIR, ready: ensureDashboard({ log: logger }), config: localDashboardConfig(config) }),
        ...HTTP_MOUNTS,
        mountApi(api, logger),
      ],
    });
    const http: RunningHttpServer = await startHttpServer(app, { port: config.PORT });
    started({ name: "HTTP server", stop: http.stop });
    // The WebSocket feed shares the HTTP port; the handlers post back through the gateway's
    // management API, as they post to API Gateway's in AWS. Closed before the HTTP server stops.
    gateway.attach(http.server);
    started({ name: "WebSocket gateway", stop: gateway.close });
    applyEnv({ WS_CALLBACK_URL: `http://127.0.0.1:${http.port}` });

    const functions: RunningFunctions = await startFunctions({
      config,
      sqsClient,
      gateway,
      streams: {
        dynamo: dynamoClient,
        client: localStreamsClient({ endpoint: dynamo.endpoint, region: config.AWS_REGION }),
        tableName: (def) => tableNames[def.id],
        workerEndpoint: dynamo.endpoint,
      },
      queueWorkerEndpoint: sqs.endpoint,
      queue: (id) => {
        const queue = sqs.queues.get(id);
        if (!queue) throw new LocalStartupError(`Queue ${id} is used by a function but was not created.`);
        return queue;
      },
    });
    started({ name: "functions", stop: functions.stop });
    if (flags.demo) {
      const doc = createDocumentClient(dynamoClient);
      const follower = startDemoFollower({
        followers: createDynamoFollowerStore(doc, tableNames.followers),
        traders: createDynamoTraderStore(doc, { traders: tableNames.traders, events: tableNames.events }),
        logger,
        ...(live !== undefined && { live: { account: live.account, agentKeyVar: DEMO_AGENT_KEY_VAR } }),
      });
      started({ name: "demo follower", stop: async () => follower.stop() });
    }

    if (stopping !== undefined) return;
    logger.info(`Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${http.url}/health · dashboard: ${http.url}/app/`, {
      http: http.url,
      dashboard: `${http.url}/app/`,
      websocket: `${http.url.replace(/^http/, "ws")}${WS_PATHS[0]}`,
      exchange: config.HYPERLIQUID_API_URL,
      mode: flags.demo ? "demo" : "live",
    });
  } catch (error) {
    // Problems the user can fix get one sentence; anything else is a bug and gets the stack.
    if (error instanceof LocalStartupError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      logger.error("Start-up failed", { error });
    }
    await shutdown(1);
  }
};

/** DynamoDB Local and SQS in parallel; if one fails the other is stopped, so nothing is left behind. */
const startServices = async (flags: LocalFlags, region: string): Promise<[DynamoDbLocal, LocalSqs]> => {
  const results = await Promise.allSettled([
    startDynamoDbLocal({ inMemory: flags.inMemory, dataDir: flags.dataDir }),
    startLocalSqs({ region, queues: catalogQueues() }),
  ]);
  const [dynamo, sqs] = results;
  if (dynamo.status === "fulfilled" && sqs.status === "fulfilled") return [dynamo.value, sqs.value];
  if (dynamo.status === "fulfilled") await dynamo.value.stop();
  if (sqs.status === "fulfilled") await sqs.value.stop();
  const failure = results.find((r) => r.status === "rejected");
  throw failure?.reason;
};
