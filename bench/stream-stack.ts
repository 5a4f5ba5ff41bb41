import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "#commons/clients/dynamodb.js";
import { FANOUT_QUEUE, TRACKING_QUEUE } from "#commons/queues.js";
import type { StreamStatus } from "#domain/stream-status.js";
import { applyEnv, localAwsEnv, localDynamoClient, localSqsClient } from "#local/aws.js";
import { createQueueWithDlq } from "#local/sqs.js";
import { createTables, type TableNames } from "#local/tables.js";
import { deriveAddress } from "#simulator/prng.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import { ALL_TABLES } from "#store/tables.js";
import { forkChild, type Child } from "./ipc.js";
import { benchSystemEnv, dropTables } from "./system-env.js";
import { seedTraders } from "./seed.js";
import type { SimMethods } from "./sim-process.js";
import { connectFeed, type FeedClient } from "./stream-feed.js";
import type { StreamSimMethods, StreamSimReady } from "./stream-sim-process.js";
import type { StreamSystemMethods, StreamSystemReady } from "./stream-system.js";

/**
 * One scenario's world for bench/stream.ts: tables and a queue of its own on the shared DynamoDB
 * Local and SQS server, the simulator (its own process) with `traders` tracked traders seeded with
 * their baselines straight into the traders table (as bench/seed.ts does, so no poll is spent on
 * baselines), the system (its own process, bench/stream-system.ts), one feed client, the listener
 * holding the stream, and then the dispatcher on its schedule.
 */

export const REGION = "us-east-1";
export const TRACKING_INTERVAL_SECONDS = 60;
export const RECONCILE_INTERVAL_SECONDS = 1_800;
export const EXCHANGE_WEIGHT_PER_MINUTE = 1_200;
export const WEIGHT_HEADROOM = 0.1;
/** Untracked counterparties: their side of a trade is no tracked trader's change. */
const MAKERS = 16;

export interface Services {
  dynamoEndpoint: string;
  sqsEndpoint: string;
}

export interface Stack {
  sim: Child<StreamSimMethods, StreamSimReady>;
  system: Child<StreamSystemMethods, StreamSystemReady>;
  feed: FeedClient;
  tracked: string[];
  makers: string[];
  coins: string[];
  readStatus: () => Promise<StreamStatus | null>;
  doc: DynamoDBDocumentClient;
  names: TableNames;
  /** When the dispatcher's schedule started (its first tick runs at once). */
  dispatcherStartedAt: number;
  setupMs: { populate: number; seed: number; system: number; listener: number };
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitFor = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
};

/** The system's environment: the handler modules read it once, when they load. */
const systemEnv = (
  names: TableNames,
  services: Services,
  queue: object & { queueUrl: string },
  fanOut: object & { queueUrl: string },
  simUrl: string,
): NodeJS.ProcessEnv =>
  benchSystemEnv(
    { region: REGION, names, services },
    {
      TRACKING_QUEUE_URL: queue.queueUrl,
      BENCH_QUEUE: JSON.stringify(queue),
      FANOUT_QUEUE_URL: fanOut.queueUrl,
      BENCH_FANOUT_QUEUE: JSON.stringify(fanOut),
      HYPERLIQUID_API_URL: simUrl,
      HL_WEIGHT_PER_MINUTE: String(EXCHANGE_WEIGHT_PER_MINUTE),
      HL_WEIGHT_HEADROOM: String(WEIGHT_HEADROOM),
      HL_BUDGET_MODE: "local",
      TRADES_STREAM: "on",
      // Polling alone could never show a change within seconds at this interval.
      TRACKING_INTERVAL_SECONDS: String(TRACKING_INTERVAL_SECONDS),
      RECONCILE_INTERVAL_SECONDS: String(RECONCILE_INTERVAL_SECONDS),
      // Stream discovery off: the makers seen in trades must not become tracked traders mid-run.
      MAX_TRACKED_TRADERS: "0",
      WS_TOKEN: undefined,
      LOG_LEVEL: "WARN",
    },
  );

export const startStack = async (spec: { id: string; traders: number; simSeed: number }, services: Services): Promise<Stack> => {
  // seedTraders (run here) reads the endpoint and region from this process's environment.
  applyEnv(localAwsEnv({ region: REGION, dynamoEndpoint: services.dynamoEndpoint, sqsEndpoint: services.sqsEndpoint }));
  const names = Object.fromEntries(ALL_TABLES.map((d) => [d.id, `bench-stream-${spec.id}-${d.id}`])) as TableNames;
  const ddb = localDynamoClient({ endpoint: services.dynamoEndpoint, region: REGION });
  const doc = createDocumentClient(ddb);
  const sqs = localSqsClient({ endpoint: services.sqsEndpoint, region: REGION });
  const children: { stop: (ms?: number) => Promise<void> }[] = [];
  let feed: FeedClient | undefined;
  const stop = async () => {
    feed?.close();
    for (const child of children.reverse()) await child.stop(30_000);
    await dropTables(ddb, names);
    ddb.destroy();
    sqs.destroy();
  };
  try {
    await createTables(ddb, names);
    const queue = await createQueueWithDlq(sqs, TRACKING_QUEUE, `bench-stream-${spec.id}-tracking`);
    const fanOut = await createQueueWithDlq(sqs, FANOUT_QUEUE, `bench-stream-${spec.id}-fanout`);
    const sim = await forkChild<StreamSimMethods, StreamSimReady>("./stream-sim-process.ts", {
      env: { ...process.env, BENCH_SIM_SEED: String(spec.simSeed), BENCH_SIM_WEIGHT_PER_MINUTE: String(EXCHANGE_WEIGHT_PER_MINUTE) },
    });
    children.push(sim);
    let t = performance.now();
    const tracked = await sim.call("populate", spec.traders);
    const populate = performance.now() - t;
    t = performance.now();
    // seedTraders asks only `positions` and `now`, which this simulator process answers as bench/sim-process.ts does.
    await seedTraders(sim as unknown as Child<SimMethods, unknown>, tracked, { baseline: true, tradersTable: names.traders });
    const seed = performance.now() - t;
    // Everything the system asks the exchange from here on is counted, the listener's start included.
    await sim.call("startAccounting");

    t = performance.now();
    const system = await forkChild<StreamSystemMethods, StreamSystemReady>("./stream-system.ts", {
      env: systemEnv(names, services, queue, fanOut, sim.ready.url),
    });
    children.push(system);
    feed = await connectFeed(system.ready.feedUrl);
    const systemMs = performance.now() - t;

    t = performance.now();
    const statusStore = createDynamoStreamStatusStore(doc, names.state);
    await waitFor("the listener to hold the stream", 60_000, async () => ((await statusStore.read())?.state === "connected" ? true : undefined));
    const listener = performance.now() - t;
    const dispatcherStartedAt = Date.now();
    await system.call("startDispatcher");

    return {
      sim,
      system,
      feed,
      tracked,
      makers: Array.from({ length: MAKERS }, (_, i) => deriveAddress(spec.simSeed, `bench-stream-maker-${i}`)),
      coins: await sim.call("coins"),
      readStatus: () => statusStore.read(),
      doc,
      names,
      dispatcherStartedAt,
      setupMs: { populate, seed, system: systemMs, listener },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
