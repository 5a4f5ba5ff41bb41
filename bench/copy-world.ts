import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "#commons/clients/dynamodb.js";
import { COPY_QUEUE } from "#commons/queues.js";
import type { Address } from "#domain/address.js";
import { copyQueueMessage, type CopyMessage } from "#domain/copy/messages.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import type { TraderStore } from "#domain/ports.js";
import { applyEnv, localAwsEnv, localDynamoClient, localSqsClient } from "#local/aws.js";
import { createQueueWithDlq, type CreatedQueue } from "#local/sqs.js";
import { createTables, type TableNames } from "#local/tables.js";
import { createPrng, deriveAddress } from "#simulator/prng.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { ALL_TABLES } from "#store/tables.js";
import { agentKeyEnv, followerRecord, planFollowers, type FollowerPlan } from "./copy-followers.js";
import type { MarketInfo } from "./copy-leaders.js";
import type { CopySimMethods, CopySimReady } from "./copy-sim-process.js";
import type { CopySystemMethods } from "./copy-system.js";
import { forkChild, type Child } from "./ipc.js";
import { benchSystemEnv, dropTables } from "./system-env.js";

/**
 * One scenario's world for bench/copy.ts: tables and a copy queue of its own on the shared
 * DynamoDB Local and SQS server, the exchange (./copy-sim-process.ts), the leaders (funded on the
 * exchange, their tracking baseline stored through the TraderStore as tracking stores one), the
 * followers (stored through the FollowerStore; live ones funded, their agents approved), and the
 * copy engine in two processes (./copy-system.ts): dispatch + reconcile, and the worker.
 */

export const REGION = "us-east-1";
export const COINS = ["BTC", "ETH", "SOL", "BNB", "LTC", "AVAX", "LINK"] as const;
export const LEADER_EQUITY_USD = 500_000;

export interface WorldSpec {
  id: string;
  seed: number;
  leaders: number;
  followers: number;
  /** The exchange's weight a minute (the simulator's rule, and our budget's plan). */
  weightPerMinute: number;
  reconcileSeconds: number;
  /** Queue pollers of the worker (each a batch in flight at once); `npm start` runs 2. */
  pollers: number;
}

export interface Services {
  dynamoEndpoint: string;
  sqsEndpoint: string;
}

export interface World {
  spec: WorldSpec;
  sim: Child<CopySimMethods, CopySimReady>;
  dispatch: Child<CopySystemMethods, unknown>;
  worker: () => Child<CopySystemMethods, unknown>;
  /** Kills the worker's process (SIGKILL: no drain, no goodbye) and starts a new one. */
  crashWorker: () => Promise<{ killedWithInFlight: number }>;
  leaders: Address[];
  coinsOf: string[][];
  followers: FollowerPlan[];
  market: Record<string, MarketInfo>;
  traders: TraderStore;
  store: FollowerStore;
  queue: CreatedQueue;
  /** Sends a copy message again under a new deduplication id: a redelivery SQS's 5-minute window would not catch. */
  resend: (message: CopyMessage, tag: string) => Promise<void>;
  /** Messages in the copy queue, visible or in flight. */
  queued: () => Promise<number>;
  doc: DynamoDBDocumentClient;
  stop: () => Promise<void>;
}

const systemEnv = (spec: WorldSpec, names: TableNames, services: Services, queue: CreatedQueue, exchangeUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv =>
  benchSystemEnv(
    { region: REGION, names, services },
    {
      COPY_QUEUE_URL: queue.queueUrl,
      BENCH_COPY_QUEUE: JSON.stringify(queue),
      HYPERLIQUID_API_URL: exchangeUrl,
      HL_WEIGHT_PER_MINUTE: String(spec.weightPerMinute),
      HL_BUDGET_MODE: "local",
      COPY_RECONCILE_INTERVAL_SECONDS: String(spec.reconcileSeconds),
      BENCH_COPY_POLLERS: String(spec.pollers),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "ERROR",
      ...extra,
    },
  );

/** A copy message as the dispatcher sends it; with `tag`, under a deduplication id of its own (a redelivery past SQS's window). */
const send = async (sqs: SQSClient, queue: CreatedQueue, message: CopyMessage, tag?: string): Promise<void> => {
  const m = copyQueueMessage(message);
  const deduplicationId = tag === undefined ? m.deduplicationId : `${m.deduplicationId.slice(0, 48)}-${tag}`;
  await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: m.body, MessageGroupId: m.groupId, MessageDeduplicationId: deduplicationId }));
};

const queued = async (sqs: SQSClient, queue: CreatedQueue): Promise<number> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};

const drain = async (sqs: SQSClient, queue: CreatedQueue, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while ((await queued(sqs, queue)) > 0) {
    if (Date.now() > deadline) throw new Error(`the copy queue did not drain within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

export const startWorld = async (spec: WorldSpec, services: Services): Promise<World> => {
  applyEnv(localAwsEnv({ region: REGION, dynamoEndpoint: services.dynamoEndpoint, sqsEndpoint: services.sqsEndpoint }));
  const names = Object.fromEntries(ALL_TABLES.map((d) => [d.id, `bench-copy-${spec.id}-${d.id}`])) as TableNames;
  const ddb = localDynamoClient({ endpoint: services.dynamoEndpoint, region: REGION });
  const doc = createDocumentClient(ddb);
  const sqs: SQSClient = localSqsClient({ endpoint: services.sqsEndpoint, region: REGION });
  const children: Child<Record<string, never>, unknown>[] = [];
  let worker: Child<CopySystemMethods, unknown> | undefined;
  const stop = async () => {
    for (const child of [worker, ...children.reverse()]) await child?.stop(30_000);
    await dropTables(ddb, names);
    ddb.destroy();
    sqs.destroy();
  };
  try {
    await createTables(ddb, names);
    const queue = await createQueueWithDlq(sqs, COPY_QUEUE, `bench-copy-${spec.id}-copy`);
    const sim = await forkChild<CopySimMethods, CopySimReady>("./copy-sim-process.ts", {
      env: { ...process.env, BENCH_SIM_SEED: String(spec.seed), BENCH_SIM_WEIGHT_PER_MINUTE: String(spec.weightPerMinute) },
    });
    children.push(sim as never);
    const market = await sim.call("market", [...COINS]);

    const prng = createPrng(spec.seed, 7);
    const leaders = Array.from({ length: spec.leaders }, (_, i) => deriveAddress(spec.seed, `bench-copy-leader:${i}`) as Address);
    // Three or four coins each: followers of several leaders then hold coins two of them trade.
    const coinsOf = leaders.map(() => {
      const coins = new Set<string>();
      const n = prng.between(3, 4);
      while (coins.size < n) coins.add(prng.pick(COINS));
      return [...coins];
    });
    const traders = createDynamoTraderStore(doc, { traders: names.traders, events: names.events });
    await sim.call("fund", leaders.map((address) => ({ address, usd: String(LEADER_EQUITY_USD) })));
    const now = Date.now();
    for (const address of leaders) {
      await traders.addTrader({ address, at: now, source: "manual" });
      if (!(await traders.saveBaseline(address, {}, now, now))) throw new Error(`leader ${address} already had a baseline`);
    }

    const followers = planFollowers(prng, { count: spec.followers, leaders, leaderEquityUsd: LEADER_EQUITY_USD, seed: spec.seed });
    const live = followers.flatMap((f) => (f.live === undefined ? [] : [{ plan: f, live: f.live }]));
    await sim.call("fund", live.map(({ plan, live: l }) => ({ address: l.address, usd: plan.balanceUsd })));
    await sim.call("approve", live.map(({ live: l }) => ({ user: l.address, agent: l.agentAddress })));
    const store = createDynamoFollowerStore(doc, names.followers);
    for (const plan of followers) await store.create(followerRecord(plan, now));

    const env = (role: "dispatch" | "worker") =>
      systemEnv(spec, names, services, queue, sim.ready.url, { BENCH_COPY_ROLE: role, ...(role === "worker" && agentKeyEnv(followers)) });
    const dispatch = await forkChild<CopySystemMethods, unknown>("./copy-system.ts", { env: env("dispatch") });
    children.push(dispatch as never);
    worker = await forkChild<CopySystemMethods, unknown>("./copy-system.ts", { env: env("worker") });
    // As the API does for a new follower: a first run now, which fixes where new_changes_only starts
    // (the leaders hold nothing yet), before any leader event; then everything is counted afresh.
    for (const plan of followers) await send(sqs, queue, { v: 1, follower_id: plan.id, event_id: `api:create:${now}`, leader: null, coin: null, signal_at: now });
    await drain(sqs, queue, 120_000);
    await sim.call("startAccounting");

    return {
      spec,
      sim,
      dispatch,
      worker: () => {
        if (worker === undefined) throw new Error("no worker is running");
        return worker;
      },
      crashWorker: async () => {
        const victim = worker;
        if (victim === undefined) throw new Error("no worker is running");
        const killedWithInFlight = await victim.call("inFlight");
        worker = undefined;
        process.kill(victim.pid, "SIGKILL");
        await victim.stop(5_000);
        worker = await forkChild<CopySystemMethods, unknown>("./copy-system.ts", { env: env("worker") });
        return { killedWithInFlight };
      },
      leaders,
      coinsOf,
      followers,
      market,
      traders,
      store,
      queue,
      resend: (message, tag) => send(sqs, queue, message, tag),
      queued: () => queued(sqs, queue),
      doc,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
