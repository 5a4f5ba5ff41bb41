import os from "node:os";
import { rowsForTrader } from "#domain/metrics/trader-leaderboard.js";
import { scoreRows } from "#domain/metrics/score.js";
import { METRIC_WINDOWS, type MetricWindow } from "#domain/metrics/types.js";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { generateHistory } from "./leaderboard-fixtures.js";
import { runJobBenchmark } from "./leaderboard-job.js";
import { ms, percentile } from "./percentile.js";
import { runMain } from "./util.js";

/**
 * `npm run bench:leaderboard [-- --traders=N --fills=M]`: the leaderboard job's computation for
 * 10,000 traders × 2,000 generated fills (plus ledger and equity history each), in this one
 * process, as one Lambda invocation would do it: one trader's history at a time becomes its rows
 * for every window, then each window is scored across traders. Prints wall time, CPU time and peak
 * memory; asserts nothing. Generating the histories is timed apart: the job reads them from
 * DynamoDB instead. With `--job`, the job itself over DynamoDB Local (./leaderboard-job.ts).
 */

const TARGET_S = 60;
const TARGET_MEMORY_MIB = 1024;

const flag = (name: string, fallback: number): number => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer`);
  return value;
};

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

const main = async (): Promise<void> => {
  // The job itself over DynamoDB Local: what a run reads, from the first and from checkpoints.
  if (process.argv.includes("--job")) return runJobBenchmark(flag("traders", 10), flag("fills", 20_000));
  const traders = flag("traders", 10_000);
  const fills = flag("fills", 2_000);
  const now = Date.UTC(2026, 10, 26);
  const updatedAt = new Date(now).toISOString();
  console.log("# Leaderboard metrics benchmark");
  console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${traders.toLocaleString("en-US")} traders × ${fills.toLocaleString("en-US")} perp fills (+5 spot fills, 6 ledger entries, 4 equity series each)\n`);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const byWindow = new Map<MetricWindow, LeaderboardRow[]>(METRIC_WINDOWS.map((w) => [w, []]));
  const perTraderMs: number[] = [];
  let generateMs = 0;
  let computeMs = 0;
  // CPU time of the computation alone: on a shared machine it moves less than wall time does.
  let computeCpuS = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < traders; i++) {
    const g = performance.now();
    const history = generateHistory(i, fills, now);
    const cpu = process.cpuUsage();
    const c = performance.now();
    for (const row of rowsForTrader(history, now, updatedAt)) byWindow.get(row.window)!.push(row);
    const done = performance.now();
    computeCpuS += cpuSeconds(process.cpuUsage(cpu));
    generateMs += c - g;
    computeMs += done - c;
    perTraderMs.push(done - c);
    if ((i + 1) % 1_000 === 0) {
      process.stdout.write(`  ${(i + 1).toLocaleString("en-US")} traders, ${((performance.now() - wallStart) / 1000).toFixed(1)} s\n`);
      // Let the sampler run between chunks of synchronous work.
      await new Promise((r) => setImmediate(r));
    }
  }
  const scoreStart = performance.now();
  let scored = 0;
  for (const window of METRIC_WINDOWS) scored += scoreRows(byWindow.get(window)!).filter((r) => r.score !== null).length;
  const scoreMs = performance.now() - scoreStart;
  const wallS = (performance.now() - wallStart) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(cpuStart));
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const peakMiB = peakRss / 2 ** 20;
  const metricsS = (computeMs + scoreMs) / 1000;

  console.log(`\nMetrics (rows for ${METRIC_WINDOWS.length} windows per trader, then scoring): ${metricsS.toFixed(1)} s`);
  console.log(`- per trader: median ${ms(percentile(perTraderMs, 50))} ms, p99 ${ms(percentile(perTraderMs, 99))} ms`);
  console.log(`- CPU of the per-trader rows: ${computeCpuS.toFixed(1)} s (${((computeCpuS / computeMs) * 1000).toFixed(2)} of their wall time)`);
  console.log(`- scoring ${METRIC_WINDOWS.length} windows: ${(scoreMs / 1000).toFixed(2)} s; ${scored.toLocaleString("en-US")} scored rows`);
  console.log(`Generating the histories (not part of the job): ${(generateMs / 1000).toFixed(1)} s`);
  console.log(`Whole run: wall ${wallS.toFixed(1)} s, CPU ${cpu.toFixed(1)} s (CPU/wall ${(cpu / wallS).toFixed(2)}), peak RSS ${peakMiB.toFixed(0)} MiB`);
  console.log("\n## Targets (reported, not asserted)");
  console.log(`- metrics under ${TARGET_S} s: ${metricsS.toFixed(1)} s → ${metricsS < TARGET_S ? "met" : "NOT met"}`);
  console.log(`- peak memory under ${TARGET_MEMORY_MIB} MiB: ${peakMiB.toFixed(0)} MiB → ${peakMiB < TARGET_MEMORY_MIB ? "met" : "NOT met"}`);
  console.log(
    `BENCH_JSON ${JSON.stringify({ traders, fills, metricsS, computeCpuS, generateS: generateMs / 1000, scoreS: scoreMs / 1000, wallS, cpuS: cpu, peakRssMiB: peakMiB, perTraderMedianMs: ms(percentile(perTraderMs, 50)) })}`,
  );
};

runMain(main);
