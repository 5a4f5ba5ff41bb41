import "./quiet-sdk.js";
import { RECONCILE_SHARE } from "#domain/dispatch.js";
import { trackingPollsPerInterval } from "#hyperliquid/from-config.js";
import { startDynamoDbLocal, type DynamoDbLocal } from "#local/dynamodb-local.js";
import { DEFAULT_STREAM_POLL_MS } from "#local/stream-source.js";
import { forkChild, type Child } from "./ipc.js";
import type { SqsReady } from "./sqs-process.js";
import { runDrop, type DropResult, type DropSpec } from "./stream-drop.js";
import { runFlow, type FlowResult, type FlowSpec } from "./stream-flow.js";
import { poissonOffsets } from "./stream-figures.js";
import { renderDrop, renderFlow, summaryTable, targets, TARGET_P50_MS, TARGET_P99_MS } from "./stream-report.js";
import { EXCHANGE_WEIGHT_PER_MINUTE, RECONCILE_INTERVAL_SECONDS, TRACKING_INTERVAL_SECONDS, WEIGHT_HEADROOM } from "./stream-stack.js";
import { loadAverage, machine, runMain } from "./util.js";

/**
 * `npm run bench:stream`: live tracking from the exchange's trades stream, end to end. The
 * simulator (wall-time market, the exchange's 1,200 weight a minute enforced) is the exchange; the
 * system runs the listener, the dispatcher (every 60 s, so polling alone could never show a change
 * within seconds), the worker, the broadcaster and the local WebSocket gateway as `npm start` does,
 * on DynamoDB Local and the SQS server; a feed client measures each change from the trade's exchange
 * time to its `trade_event`. Prints figures, asserts nothing. Each scenario gets a fresh system.
 *
 * - latency: 200 tracked traders, an order every 1–2 s: the pipeline's latency at a light load.
 * - scale: 10,000 tracked traders (seeded with baselines), 1% of them trading a minute, the sweep
 *   reconciling alongside: every change delivered once, latency, the reconciliation rate, the most
 *   weight in any minute and the 429s.
 * - drop: the stream is cut and held down while a trader trades; reconnect time, and how the
 *   change is recorded (from the resubscription's trades, or by reconciliation).
 *
 * `npm run bench:stream -- scale` (or `latency,drop`, or BENCH_SCENARIOS=...) runs only those.
 * BENCH_STREAM_SECONDS (default 180) is the scale scenario's trading time; BENCH_STREAM_TRADERS
 * (default 10,000) its tracked traders.
 */

const SCALE_SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? "180");
const SCALE_TRADERS = Number(process.env.BENCH_STREAM_TRADERS ?? "10000");

const LATENCY: FlowSpec = {
  id: "latency",
  title: "latency: 200 tracked traders, one order every 1–2 s",
  traders: 200,
  simSeed: 401,
  offsets: (prng) => {
    let t = 0;
    return Array.from({ length: 40 }, () => (t += 1_000 + prng.int(1_001)));
  },
};

const SCALE: FlowSpec = {
  id: "scale",
  title: `scale: ${SCALE_TRADERS.toLocaleString("en-US")} tracked traders, 1% trading a minute for ${SCALE_SECONDS} s, reconciliation alongside`,
  traders: SCALE_TRADERS,
  simSeed: 402,
  offsets: (prng) => poissonOffsets(prng, SCALE_TRADERS / 100, SCALE_SECONDS),
};

const DROP: DropSpec = {
  id: "drop",
  title: "drop: the stream cut and held down while a tracked trader trades (200 tracked)",
  traders: 200,
  simSeed: 403,
  snapshotPausesMs: [2_000, 10_000],
  pushedOutPauseMs: 3_000,
  pushOutTrades: 15,
};

const IDS = ["latency", "scale", "drop"] as const;
type ScenarioId = (typeof IDS)[number];

const selected = (argv: readonly string[]): ScenarioId[] => {
  const asked = [...argv, ...(process.env.BENCH_SCENARIOS ? [process.env.BENCH_SCENARIOS] : [])].flatMap((a) => a.split(/[,|]/)).map((a) => a.trim()).filter(Boolean);
  const unknown = asked.filter((a) => !IDS.includes(a as ScenarioId));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")}: choose from ${IDS.join(", ")}`);
  return asked.length === 0 ? [...IDS] : IDS.filter((id) => asked.includes(id));
};


const main = async (): Promise<void> => {
  const ids = selected(process.argv.slice(2));
  const started = performance.now();
  const facts = machine();
  console.log("# Trades-stream benchmark");
  console.log(`node ${facts.node}, ${facts.cores} cores (${facts.cpu}), ${facts.memoryGb} GB, ${facts.platform}; load average at start ${facts.loadAverageAtStart.join(" ")}`);
  console.log(
    `Tracking every ${TRACKING_INTERVAL_SECONDS} s, reconciling within ${RECONCILE_INTERVAL_SECONDS} s, the exchange enforcing ${EXCHANGE_WEIGHT_PER_MINUTE} weight a minute ` +
      `(our budget ${(1 - WEIGHT_HEADROOM) * 100}% of it); DynamoDB Local's streams polled every ${DEFAULT_STREAM_POLL_MS} ms; stream discovery off.`,
  );
  console.log("Processes: this orchestrator (orders over IPC, the feed client); DynamoDB Local (java); the SQS server;");
  console.log("per scenario the simulator and the system (listener, dispatcher, worker, broadcaster, welcome, gateway). All share this machine's cores.\n");

  let dynamo: DynamoDbLocal | undefined;
  let sqsServer: Child<Record<string, never>, SqsReady> | undefined;
  const flows: FlowResult[] = [];
  let drop: DropResult | undefined;
  try {
    dynamo = await startDynamoDbLocal({ inMemory: true });
    sqsServer = await forkChild<Record<string, never>, SqsReady>("./sqs-process.ts");
    const services = { dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqsServer.ready.endpoint };
    for (const id of ids) {
      if (id === "drop") {
        drop = await runDrop(DROP, services);
        console.log(renderDrop(drop), "\n");
      } else {
        const result = await runFlow(id === "latency" ? LATENCY : SCALE, services);
        flows.push(result);
        console.log(renderFlow(result), "\n");
      }
    }
  } finally {
    await sqsServer?.stop();
    await dynamo?.stop();
  }

  // What the sweep reaches with 10,000 tracked: the scale scenario's measured rate, else the dispatcher's plan.
  const scale = flows.find((r) => r.spec.id === "scale");
  const planned = Math.max(
    Math.floor(trackingPollsPerInterval({ HL_WEIGHT_PER_MINUTE: EXCHANGE_WEIGHT_PER_MINUTE, HL_WEIGHT_HEADROOM: WEIGHT_HEADROOM, TRACKING_INTERVAL_SECONDS }) * RECONCILE_SHARE),
    Math.ceil((SCALE_TRADERS * TRACKING_INTERVAL_SECONDS) / RECONCILE_INTERVAL_SECONDS),
  );
  const reconcileBound = scale
    ? { perMinute: scale.exchange.reconcile.sweepPerMinute, tracked: scale.spec.traders, measured: true }
    : { perMinute: (planned * 60) / TRACKING_INTERVAL_SECONDS, tracked: SCALE_TRADERS, measured: false };

  console.log("## Summary (latency: trade's exchange time → trade_event at the feed client)");
  console.log(summaryTable(flows, drop));
  console.log(`\n${targets(flows, drop, reconcileBound)}`);
  const end = { loadAverageAtEnd: loadAverage(), totalS: Math.round((performance.now() - started) / 100) / 10 };
  console.log(`\nLoad average at end ${end.loadAverageAtEnd.join(" ")}. Total ${end.totalS} s`);
  console.log(
    `BENCH_JSON ${JSON.stringify({
      machine: { ...facts, ...end },
      settings: { trackingIntervalSeconds: TRACKING_INTERVAL_SECONDS, reconcileIntervalSeconds: RECONCILE_INTERVAL_SECONDS, weightPerMinute: EXCHANGE_WEIGHT_PER_MINUTE, streamPollMs: DEFAULT_STREAM_POLL_MS },
      targets: { p50Ms: TARGET_P50_MS, p99Ms: TARGET_P99_MS, weightPer60s: EXCHANGE_WEIGHT_PER_MINUTE, reconcileMinutes: RECONCILE_INTERVAL_SECONDS / 60 },
      flows,
      drop,
      reconcileBound,
    })}`,
  );
};

runMain(main);
