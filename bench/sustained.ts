import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { TRACK_DISPATCH_FUNCTION, TRACK_WORKER_FUNCTION } from "../functions/catalog.js";
import { localSqsClient } from "#local/aws.js";
import type { SqsHandler } from "#local/event-source.js";
import { startScheduler } from "#local/scheduler.js";
import { forkChild, serveParent } from "./ipc.js";
import { seedTraders } from "./seed.js";
import { startWorkerSource } from "./worker-source.js";
import type { SimMethods, SimReady } from "./sim-process.js";
import type { SustainedResult, SustainedSpec } from "./spec.js";
import { quietSdkNodeWarning, requireEnv } from "./util.js";

/**
 * One sustained scenario in a fresh process (forked by bench/tracking.ts with the handler env set):
 * the dispatcher handler module on its schedule and the worker handler module behind an SQS event
 * source, as `npm start` runs them, for minutes, against the simulator (in a child of its own)
 * enforcing the exchange's weight rule. The simulator logs every answered poll; the figures are
 * per-trader gaps from that log, not from our own accounting.
 */

quietSdkNodeWarning();
const spec = JSON.parse(requireEnv("BENCH_SCENARIO")) as SustainedSpec;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

const setup = async () => {
  const sim = await forkChild<SimMethods, SimReady>("./sim-process.ts", {
    env: { ...process.env, BENCH_SIM_SEED: String(spec.simSeed), BENCH_SIM_WEIGHT_PER_MINUTE: String(spec.weightPerMinute) },
  });
  // Must be set before the handler modules load: they read their config once, at import.
  process.env.HYPERLIQUID_API_URL = sim.ready.url;
  const { weightBudget, exchange } = await import("#commons/clients/hyperliquid.js");
  const { loadHandler } = await import("#local/functions.js");
  const dispatch = await loadHandler(TRACK_DISPATCH_FUNCTION);
  const worker = (await loadHandler(TRACK_WORKER_FUNCTION)) as SqsHandler;
  const region = requireEnv("AWS_REGION");
  const mappingClient = localSqsClient({ endpoint: requireEnv("AWS_ENDPOINT_URL_SQS"), region });

  const run = async (): Promise<SustainedResult> => {
    const addresses = await sim.call("populate", spec.traders);
    await seedTraders(sim, addresses, { baseline: true, tradersTable: requireEnv("TRADERS_TABLE") });
    await sim.call("setLatency", spec.latencyMs);
    await sim.call("logPolls");

    let failedRecords = 0;
    const countingWorker: SqsHandler = async (event: SQSEvent, context) => {
      const response = (await worker(event, context)) as SQSBatchResponse | undefined;
      failedRecords += response?.batchItemFailures?.length ?? 0;
      return response;
    };
    const scheduler = startScheduler(
      [{ name: TRACK_DISPATCH_FUNCTION.name, intervalSeconds: spec.intervalSeconds, timeoutSeconds: TRACK_DISPATCH_FUNCTION.timeoutSeconds, handler: dispatch }],
      { region },
    );
    const source = startWorkerSource({ handler: countingWorker, client: mappingClient, pollers: spec.pollers });

    const intervalMs = spec.intervalSeconds * 1_000;
    await sleep(intervalMs); // warm-up: the first cycle starts from an empty window
    const from = Date.now();
    const statsBefore = await sim.call("stats");
    if (spec.faults) await sim.call("setFaults", { ...spec.faults, latencyMs: spec.latencyMs });
    await sleep(spec.measureSeconds * 1_000);
    const to = Date.now();
    const statsAfter = await sim.call("stats");
    if (spec.faults) await sim.call("setFaults", { latencyMs: spec.latencyMs });
    await sleep((spec.recoverySeconds ?? 0) * 1_000);
    await scheduler.stop();
    await source.stop();

    const polls = await sim.call("polls");
    const gaps: number[] = [];
    let neverPolled = 0;
    let inWindow = 0;
    for (const address of addresses) {
      const times = (polls[address.toLowerCase()] ?? []).filter((t) => t >= from && t <= to);
      if (times.length === 0) neverPolled++;
      inWindow += times.length;
      for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
    }
    gaps.sort((a, b) => a - b);

    // Back to normal: the first moment after the faults stop from which the trailing window's poll
    // rate is at least 90% of what the schedule asks or the budget allows, whichever is less.
    let recoverySeconds: number | null = null;
    if (spec.faults && spec.recoverySeconds) {
      const all = Object.values(polls).flat().filter((t) => t > to).sort((a, b) => a - b);
      const normalPerMs = Math.min(spec.traders / intervalMs, (spec.weightPerMinute * (1 - spec.headroom)) / 2 / 60_000);
      // Two intervals' worth of polls, but at least 5 s and at most 10 s of them.
      const trailing = Math.min(10_000, Math.max(5_000, 2 * intervalMs));
      for (let t = to + trailing; t <= to + spec.recoverySeconds * 1_000; t += 500) {
        const n = all.filter((p) => p > t - trailing && p <= t).length;
        if (n >= 0.9 * normalPerMs * trailing) {
          recoverySeconds = Math.round((t - to) / 100) / 10;
          break;
        }
      }
    }
    return {
      spec,
      pollsPerMinute: Math.round((inWindow / (to - from)) * 60_000),
      gapMs: { p50: quantile(gaps, 0.5), p99: quantile(gaps, 0.99), max: gaps.at(-1) ?? Number.NaN, count: gaps.length },
      neverPolled,
      requests: statsAfter.totalRequests - statsBefore.totalRequests,
      refusedByRule: statsAfter.limited - statsBefore.limited,
      injected: {
        rateLimited: statsAfter.faults.rateLimited - statsBefore.faults.rateLimited,
        serverError: statsAfter.faults.serverError - statsBefore.faults.serverError,
      },
      failedRecords,
      recoverySeconds,
      backoffs: weightBudget.snapshot().backoffs,
    };
  };

  const stop = async () => {
    mappingClient.destroy();
    await exchange.close();
    await sim.stop();
  };
  return { ready: {}, methods: { run }, stop };
};

export type SustainedMethods = { run: () => Promise<SustainedResult> };

await serveParent(setup);
