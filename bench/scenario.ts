import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import path from "node:path";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { TRACK_DISPATCH_FUNCTION, TRACK_WORKER_FUNCTION } from "../functions/catalog.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import type { Address } from "#domain/address.js";
import { chunk, mapWithConcurrency } from "#domain/concurrency.js";
import { encodeTrackBatch } from "#domain/messages.js";
import type { WeightBudget } from "#domain/budget.js";
import { localSqsClient } from "#local/aws.js";
import { toSqsEvent, type SqsHandler } from "#local/event-source.js";
import { createLambdaContext } from "#local/lambda-context.js";
import { countDeletedMessages, countDynamoRequests, diffCounts } from "./counters.js";
import { forkChild, serveParent } from "./ipc.js";
import { seedTraders } from "./seed.js";
import { startWorkerSource } from "./worker-source.js";
import type { SimMethods, SimReady } from "./sim-process.js";
import type { CycleKind, CycleResult, ScenarioResult, ScenarioSpec } from "./spec.js";
import { quietSdkNodeWarning, requireEnv } from "./util.js";

/**
 * One benchmark scenario in a fresh process (forked by bench/tracking.ts with the handler env
 * already set), so the handler modules' module-scope clients, config and weight budget are this
 * scenario's. This process holds only the dispatcher, the worker and the AWS SDK: the simulator
 * runs in a child of its own, the SQS server in a sibling, DynamoDB Local in java.
 */

quietSdkNodeWarning();
const spec = JSON.parse(requireEnv("BENCH_SCENARIO")) as ScenarioSpec;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const setup = async () => {
  const sim = await forkChild<SimMethods, SimReady>("./sim-process.ts", {
    // The exchange enforces the limit this scenario plans with (10,000,000 where the budget is raised).
    env: { ...process.env, BENCH_SIM_SEED: String(spec.simSeed), BENCH_SIM_WEIGHT_PER_MINUTE: String(spec.weightPerMinute) },
  });
  // Must be set before the handler modules load: they read their config once, at import.
  process.env.HYPERLIQUID_API_URL = sim.ready.url;

  const { dynamodb } = await import("#commons/clients/dynamodb.js");
  const dynamoCounter = countDynamoRequests(dynamodb);
  const { weightBudget, exchange } = await import("#commons/clients/hyperliquid.js");
  const budgetClock = timeBudgetCalls(weightBudget);
  const { loadHandler } = await import("#local/functions.js");
  const dispatch = await loadHandler(TRACK_DISPATCH_FUNCTION);
  const worker = (await loadHandler(TRACK_WORKER_FUNCTION)) as SqsHandler;

  const region = requireEnv("AWS_REGION");
  // The event source mapping is AWS's, not the function's: it gets a client of its own.
  const mappingClient = localSqsClient({ endpoint: requireEnv("AWS_ENDPOINT_URL_SQS"), region });
  const deletes = countDeletedMessages(mappingClient);
  let failedRecords = 0;
  /** While set, invocations wait before running the worker (the split cycle's dispatch phase). */
  let gate: Promise<void> | undefined;
  const countingWorker: SqsHandler = async (event: SQSEvent, context) => {
    if (gate) await gate;
    const response = (await worker(event, context)) as SQSBatchResponse | undefined;
    failedRecords += response?.batchItemFailures?.length ?? 0;
    return response;
  };
  const source = startWorkerSource({ handler: countingWorker, client: mappingClient, pollers: spec.pollers });

  const tables = {
    traders: requireEnv("TRADERS_TABLE"),
    events: requireEnv("EVENTS_TABLE"),
    fills: requireEnv("FILLS_TABLE"),
    state: requireEnv("STATE_TABLE"),
  };

  const profiler = process.env.BENCH_CPU_PROF_DIR ? await cycleProfiler(process.env.BENCH_CPU_PROF_DIR) : undefined;
  let cycleNo = 0;

  let addresses: Address[] = [];
  /** The cycle the last dispatch recorded: the worker's completion count goes to it, as in a real cycle. */
  let lastCycleId = "bench";
  type Drive = { dispatched: { traders: number; messages: number }; dispatchMs: number; dispatchCpu: NodeJS.CpuUsage };

  /** Dispatcher → SQS → event source → worker, timed until the last message is deleted. */
  const dispatchAndDrain = async (kind: CycleKind): Promise<Drive> => {
    const deletedBefore = deletes.count();
    // "split": the worker waits until the dispatcher is done, so their CPU can be told apart. (Stopping
    // the pollers instead would strand messages a cancelled long poll had already received for 90 s.)
    let openGate = () => {};
    if (kind === "split") gate = new Promise<void>((resolve) => (openGate = resolve));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const context = createLambdaContext({ functionName: TRACK_DISPATCH_FUNCTION.name, timeoutSeconds: TRACK_DISPATCH_FUNCTION.timeoutSeconds });
    const dispatched = (await dispatch({ source: "bench", time: new Date().toISOString() }, context)) as { cycleId: string; traders: number; messages: number };
    lastCycleId = dispatched.cycleId;
    const dispatchMs = performance.now() - t0;
    const dispatchCpu = process.cpuUsage(cpu0);
    gate = undefined;
    openGate();
    await deletes.waitFor(deletedBefore + dispatched.messages, spec.cycleTimeoutMs);
    return { dispatched, dispatchMs, dispatchCpu };
  };

  /**
   * The worker alone: the messages the dispatcher would send (same encoder, same batch size) as the
   * SQSEvents the mapping would deliver (BatchSize messages each, `pollers` invocations at a time),
   * handed straight to the handler. Nothing else runs in this process meanwhile, so the cycle's CPU
   * is the worker's own, its DynamoDB and exchange clients included. In AWS the mapping's polling
   * and deleting is the Lambda service's work, not the function's.
   */
  const invokeWorkerDirectly = async (): Promise<Drive> => {
    const batchSize = Number(requireEnv("TRACK_BATCH_SIZE"));
    const bodies = chunk(addresses, batchSize).map((traders) =>
      encodeTrackBatch({ cycle_id: lastCycleId, dispatched_at: Date.now(), traders }),
    );
    const region = requireEnv("AWS_REGION");
    const queueArn = requireEnv("BENCH_QUEUE_ARN");
    const events = chunk(bodies, TRACKING_QUEUE.batchSize).map((part) =>
      toSqsEvent(part.map((Body) => ({ MessageId: randomUUID(), ReceiptHandle: randomUUID(), Body, MD5OfBody: "" })), queueArn, region),
    );
    // Through the same wrapper the event source calls (no gate is set here), so failures count alike.
    await mapWithConcurrency(events, spec.pollers, async (event) => {
      await countingWorker(event, createLambdaContext({ functionName: TRACK_WORKER_FUNCTION.name, timeoutSeconds: TRACK_WORKER_FUNCTION.timeoutSeconds, region }));
    });
    return { dispatched: { traders: addresses.length, messages: bodies.length }, dispatchMs: 0, dispatchCpu: { user: 0, system: 0 } };
  };

  const runCycle = async (kind: CycleKind): Promise<CycleResult> => {
    const activity = kind === "changed" ? await sim.call("activity", Math.max(1, Math.round(spec.traders * spec.changedShare))) : undefined;
    const simBefore = await sim.call("stats");
    const budgetBefore = weightBudget.snapshot().totalByLane;
    const dynamoBefore = dynamoCounter.snapshot();
    const failedBefore = failedRecords;
    const budgetMsBefore = budgetClock.ms();
    gc();
    await profiler?.start();

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const drive = kind === "worker" ? await invokeWorkerDirectly() : await dispatchAndDrain(kind);
    const { dispatched, dispatchMs, dispatchCpu } = drive;
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const budgetMs = budgetClock.ms() - budgetMsBefore;
    await profiler?.stop(`${spec.id}-${++cycleNo}-${kind}`);

    const simAfter = await sim.call("stats");
    const budgetAfter = weightBudget.snapshot().totalByLane;
    const requests: Record<string, number> = {};
    for (const [type, n] of Object.entries(simAfter.requests)) {
      const d = n - (simBefore.requests[type] ?? 0);
      if (d !== 0) requests[type] = d;
    }
    const weightByType: Record<string, number> = {};
    for (const [type, w] of Object.entries(simAfter.weightByType)) {
      const d = w - (simBefore.weightByType[type] ?? 0);
      if (d !== 0) weightByType[type] = d;
    }
    const faults = (s: typeof simAfter) => Object.values(s.faults).reduce((a, b) => a + b, 0) + s.rejected;
    return {
      kind,
      traders: dispatched.traders,
      messages: dispatched.messages,
      wallMs,
      dispatchMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      budgetMs,
      dynamo: diffCounts(dynamoBefore, dynamoCounter.snapshot()),
      sim: { requests, weight: simAfter.weight - simBefore.weight, weightByType, faults: faults(simAfter) - faults(simBefore) },
      budgetWeight:
        budgetAfter.tracking + budgetAfter.discovery + budgetAfter.history -
        (budgetBefore.tracking + budgetBefore.discovery + budgetBefore.history),
      failedRecords: failedRecords - failedBefore,
      ...(kind === "split" && {
        split: { dispatchCpuMs: (dispatchCpu.user + dispatchCpu.system) / 1000, drainCpuMs: (cpu.user + cpu.system - dispatchCpu.user - dispatchCpu.system) / 1000 },
      }),
      ...(activity && { activity }),
    };
  };

  const run = async (): Promise<ScenarioResult> => {
    let t = performance.now();
    addresses = (await sim.call("populate", spec.traders)) as Address[];
    const populate = performance.now() - t;
    t = performance.now();
    await seedTraders(sim, addresses, { baseline: spec.seedBaseline, tradersTable: tables.traders });
    const seed = performance.now() - t;
    if (spec.latencyMs > 0) await sim.call("setLatency", spec.latencyMs);

    const plan: CycleKind[] = [
      ...(spec.seedBaseline ? [] : ["baseline" as const]),
      ...Array.from({ length: spec.unchangedCycles }, () => "unchanged" as const),
      ...(spec.splitCycle ? ["split" as const] : []),
      ...Array.from({ length: spec.workerCycles }, () => "worker" as const),
      ...(spec.changedShare > 0 ? ["changed" as const] : []),
    ];
    const cycles: CycleResult[] = [];
    for (const kind of plan) {
      await sim.call("advance", 60_000); // a minute between cycles, as the schedule would leave
      cycles.push(await runCycle(kind));
    }
    const snap = weightBudget.snapshot();
    return {
      spec,
      tables,
      cycles,
      budget: { limitPerMinute: snap.limitPerMinute, usedInWindowAfterLastCycle: snap.usedByLane.tracking, backoffs: snap.backoffs },
      setupMs: { populate, seed },
    };
  };

  const stop = async () => {
    await source.stop();
    mappingClient.destroy();
    await exchange.close();
    dynamodb.destroy();
    const { sqs } = await import("#commons/clients/sqs.js");
    sqs.destroy();
    await sim.stop();
    await profiler?.close();
  };

  return { ready: {}, methods: { run }, stop };
};

/**
 * Wall time spent inside the weight budget's methods until each returns (a promise, for take):
 * the synchronous bookkeeping, not the waiting for weight. The worker calls them through
 * the one shared `weightBudget` object (snapshot() too, for its per-batch log line), so wrapping
 * the object's methods sees every call.
 */
const timeBudgetCalls = (budget: WeightBudget) => {
  let ms = 0;
  const timed = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
    const t = performance.now();
    try {
      return fn(...args);
    } finally {
      ms += performance.now() - t;
    }
  };
  budget.take = timed(budget.take.bind(budget));
  budget.charge = timed(budget.charge.bind(budget));
  budget.tryTake = timed(budget.tryTake.bind(budget));
  budget.snapshot = timed(budget.snapshot.bind(budget));
  return { ms: () => ms };
};

/** A V8 CPU profile of each measured cycle (only when asked: profiling slows everything down). */
const cycleProfiler = async (dir: string) => {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  return {
    start: () => session.post("Profiler.start"),
    stop: async (name: string) => {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    },
    close: async () => {
      await session.post("Profiler.disable");
      session.disconnect();
    },
  };
};

export type ScenarioMethods = { run: () => Promise<ScenarioResult> };

await serveParent(setup);
