import "./quiet-sdk.js";
import { COPY_QUEUE } from "#commons/queues.js";
import { startDynamoDbLocal, type DynamoDbLocal } from "#local/dynamodb-local.js";
import { DEFAULT_STREAM_POLL_MS } from "#local/stream-source.js";
import { forkChild, type Child } from "./ipc.js";
import type { SqsReady } from "./sqs-process.js";
import { runScenario, type ScenarioResult, type ScenarioSpec } from "./copy-run.js";
import { renderScenario, targets, TARGET_FILL_P99_MS, TARGET_ORDER_P99_MS } from "./copy-report.js";
import { loadAverage, machine, runMain } from "./util.js";

/**
 * `npm run bench:copy`: copy trading end to end against the simulator. 10 leaders trade (each
 * trade committed as tracking commits one: positions and event in one transaction), 100 followers
 * copy them (half live through agent keys on the simulator's POST /exchange, half on paper, the
 * three sizing modes, some caps), the copy engine runs as `npm start` runs it (copy-dispatch on the
 * events stream, the FIFO copy queue, copy-worker, the copy-reconcile schedule) on DynamoDB Local
 * and the SQS server. Prints figures, asserts nothing; each scenario gets a fresh system.
 *
 * - steady: 1,000 leader events over four minutes.
 * - faults: the same with the worker's process killed mid-batch and started again, copy messages of
 *   already-copied events sent again, and the events stream re-read into copy-dispatch.
 *
 * - light (only when named): 100 leader events over 5 minutes, a load one worker process carries,
 *   so the delays are the engine's own rather than a queue's.
 *
 * `-- --quick`: 100 events over 30 s, steady only unless named (`-- --quick faults`). `-- faults`
 * (or steady, light) runs those scenarios. BENCH_COPY_WEIGHT=1200 keeps the exchange's real weight rule (default: raised, and
 * the weight a leader event costs is reported against 1,200 a minute). BENCH_COPY_POLLERS (default 2,
 * as `npm start` runs the worker) is how many of the worker's batches run at once; in AWS, Lambda
 * runs up to one per message group (follower) at once.
 */

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const asked = args.filter((a) => !a.startsWith("--")).flatMap((a) => a.split(","));
const weightPerMinute = Number(process.env.BENCH_COPY_WEIGHT ?? "10000000");
const pollers = Number(process.env.BENCH_COPY_POLLERS ?? "2");

const base = { leaders: 10, followers: 100, weightPerMinute, reconcileSeconds: quick ? 15 : 60, pollers };
/** 1,000 events over 4 minutes, or with `--quick` 100 over 30 s. */
const full = (id: string, title: string, seed: number, faults: boolean): ScenarioSpec => ({
  ...base,
  id,
  title: `${id}${quick ? " (quick): 100 leader events over 30 s" : ": 1,000 leader events over 4 minutes"}${title}`,
  seed,
  steps: quick ? 100 : 1_000,
  durationMs: quick ? 30_000 : 240_000,
  faults,
});
const STEADY = full("steady", "", 1701, false);
const FAULTS = full("faults", "; worker killed mid-batch, copy messages redelivered, the stream re-read", 1702, true);

/** The engine's own delays: a load one worker process carries on a small machine (about 6 follower runs a second). */
const LIGHT: ScenarioSpec = {
  ...base,
  id: "light",
  title: "light: 100 leader events over 5 minutes",
  seed: 1703,
  steps: 100,
  durationMs: 300_000,
  faults: false,
};

/** Steady and faults by default (light when named); `--quick` alone runs steady only. */
const scenarios = (): ScenarioSpec[] => {
  const all = [STEADY, FAULTS, LIGHT];
  const unknown = asked.filter((a) => !all.some((s) => s.id === a));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")}: choose from ${all.map((s) => s.id).join(", ")}`);
  if (asked.length === 0) return quick ? [STEADY] : [STEADY, FAULTS];
  return all.filter((s) => asked.includes(s.id));
};

const main = async (): Promise<void> => {
  const chosen = scenarios();
  const started = performance.now();
  const facts = machine();
  console.log("# Copy-trading benchmark");
  console.log(`node ${facts.node}, ${facts.cores} cores (${facts.cpu}), ${facts.memoryGb} GB, ${facts.platform}; load average at start ${facts.loadAverageAtStart.join(" ")}`);
  console.log(
    `Exchange weight rule ${weightPerMinute >= 10_000_000 ? "raised (no 429s; the cost a leader event is reported against 1,200 a minute)" : `${weightPerMinute} a minute`}; ` +
      `IOC orders fill at the mid (spread 0); copy queue FIFO, batch ${COPY_QUEUE.batchSize}, visibility ${COPY_QUEUE.visibilityTimeoutSeconds} s; ` +
      `DynamoDB Local's streams polled every ${DEFAULT_STREAM_POLL_MS} ms; reconcile every ${base.reconcileSeconds} s; ` +
      `the worker's queue pollers ${pollers}.`,
  );
  console.log("Processes: this orchestrator (the leaders' trades and commits); DynamoDB Local (java); the SQS server; per scenario the simulator + tap,");
  console.log("copy-dispatch + copy-reconcile, and copy-worker. All share this machine's cores.\n");

  let dynamo: DynamoDbLocal | undefined;
  let sqsServer: Child<Record<string, never>, SqsReady> | undefined;
  const results: ScenarioResult[] = [];
  try {
    dynamo = await startDynamoDbLocal({ inMemory: true });
    sqsServer = await forkChild<Record<string, never>, SqsReady>("./sqs-process.ts");
    const services = { dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqsServer.ready.endpoint };
    for (const spec of chosen) {
      const result = await runScenario(spec, services, (line) => console.log(`  … ${line}`));
      results.push(result);
      console.log(renderScenario(result), "\n");
    }
  } finally {
    await sqsServer?.stop();
    await dynamo?.stop();
  }

  console.log(`## Targets (order sent p99 < ${TARGET_ORDER_P99_MS} ms, filled p99 < ${TARGET_FILL_P99_MS} ms, zero missed, zero doubled)`);
  console.log(targets(results));
  const end = { loadAverageAtEnd: loadAverage(), totalS: Math.round((performance.now() - started) / 100) / 10 };
  console.log(`\nLoad average at end ${end.loadAverageAtEnd.join(" ")}. Total ${end.totalS} s`);
  console.log(`BENCH_JSON ${JSON.stringify({ machine: { ...facts, ...end }, results: results.map((r) => ({ ...r, checks: undefined })) })}`);
};

runMain(main);
