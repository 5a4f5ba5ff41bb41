import { Logger } from "@aws-lambda-powertools/logger";
import { createDocumentClient } from "#commons/clients/dynamodb.js";
import { freshnessRules } from "#domain/history/freshness.js";
import { initialSyncState } from "#domain/history/sync.js";
import { runLeaderboardJob, type LeaderboardJobSummary } from "#domain/leaderboard-job/job.js";
import type { Address } from "#domain/address.js";
import { isPerpFill } from "#domain/fills.js";
import { scoreRows } from "#domain/metrics/score.js";
import type { FundingPayment } from "#domain/metrics/types.js";
import { createHistorySource } from "#app/leaderboard/history-source.js";
import { localDynamoClient } from "#local/aws.js";
import { startDynamoDbLocal, type DynamoDbLocal } from "#local/dynamodb-local.js";
import { createTables, type TableNames } from "#local/tables.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { ALL_TABLES } from "#store/tables.js";
import { generateHistory } from "./leaderboard-fixtures.js";
import { loadAverage, quietSdkNodeWarning } from "./util.js";

/**
 * `npm run bench:leaderboard -- --job [--traders=N --fills=M]`: the real leaderboard job over
 * DynamoDB Local, for traders with a year of history each (M fills over 365 days, funding every
 * 8 hours on each coin), run three times: the first run (no checkpoint: the whole history), an
 * hour later (from each trader's checkpoint) and a day later (the horizon moves). Prints, per run,
 * the fills read, the read and write capacity units DynamoDB reports (ReturnConsumedCapacity) and
 * the wall time. The history sync has nothing to fetch: what is measured is the job's own work.
 */

const REGION = "us-east-1";
/** Warnings and errors only: the job's own progress lines would drown the figures. */
const quiet = new Logger({ serviceName: "bench-leaderboard-job", logLevel: "WARN" });
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Funding on every coin the trader holds fills of, every 8 hours over the year. */
const fundingOf = (fills: readonly { coin: string; time: number }[], now: number): FundingPayment[] => {
  const coins = [...new Set(fills.map((f) => f.coin))];
  const out: FundingPayment[] = [];
  for (let t = now - 365 * DAY, k = 0; t <= now; t += 8 * HOUR, k++) {
    for (const coin of coins) out.push({ time: t, coin, usdc: `${k % 3 === 0 ? "-" : ""}0.${String(1 + ((k * 7919) % 99_999)).padStart(5, "0")}` });
  }
  return out;
};

/** The commands that consume read capacity (the document client's and the low-level names). */
const READS = new Set(["Get", "GetItem", "Query", "Scan", "BatchGet", "BatchGetItem"]);

interface Consumed {
  read: number;
  write: number;
}

export const runJobBenchmark = async (traders: number, fills: number): Promise<void> => {
  quietSdkNodeWarning();
  const now = Date.UTC(2026, 10, 26, 12);
  console.log("# Leaderboard job benchmark (DynamoDB Local)");
  console.log(`load average at start ${loadAverage().join(" ")}`);
  console.log(`${traders} traders × ${fills.toLocaleString("en-US")} perp fills over 365 days, funding every 8 h per coin\n`);
  let dynamo: DynamoDbLocal | undefined;
  try {
    dynamo = await startDynamoDbLocal({ inMemory: true });
    const names = Object.fromEntries(ALL_TABLES.map((d) => [d.id, `bench-job-${d.id}`])) as TableNames;
    const client = localDynamoClient({ endpoint: dynamo.endpoint, region: REGION });
    const consumed: Consumed = { read: 0, write: 0 };
    // Every call asks DynamoDB what it consumed; the job's calls are counted per run below.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "TOTAL";
        const out = await next(args);
        const reported = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const reads = READS.has((context.commandName ?? "").replace(/Command$/, ""));
        for (const c of Array.isArray(reported) ? reported : reported === undefined ? [] : [reported]) {
          const units = (c as { CapacityUnits?: number }).CapacityUnits ?? 0;
          if (reads) consumed.read += units;
          else consumed.write += units;
        }
        return out;
      },
      { step: "initialize", name: "countCapacity" },
    );
    await createTables(client, names);
    const doc = createDocumentClient(client);
    const historyStore = createDynamoHistoryStore(doc, { fills: names.fills, state: names.state });
    const fillStore = createDynamoFillStore(doc, names.fills);
    const traderStore = createDynamoTraderStore(doc, { traders: names.traders, events: names.events });

    const seeding = performance.now();
    let stored = 0;
    for (let i = 0; i < traders; i++) {
      const h = generateHistory(i, fills, now, 365);
      const address = h.address as Address;
      const perp = h.fills.filter(isPerpFill);
      const funding = fundingOf(perp, now);
      await traderStore.addTrader({ address, source: "manual", at: now - 400 * DAY });
      await fillStore.putFills(address, perp);
      await historyStore.putFunding(address, funding);
      await historyStore.putPortfolio(address, h.portfolio!);
      await historyStore.putLedger(address, h.ledger);
      const cursor = (time: number) => ({ cursor: time, seen: [], caughtUp: true, syncedAt: now });
      await historyStore.saveSyncState(address, {
        ...initialSyncState(),
        fills: cursor(Math.max(...perp.map((f) => f.time))),
        funding: cursor(Math.max(...funding.map((p) => p.time))),
        ledger: cursor(now),
        portfolioFetchedAt: now,
        role: { role: "user", fetchedAt: now },
      });
      stored += perp.length + funding.length;
    }
    console.log(`Seeded ${stored.toLocaleString("en-US")} fills and payments in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);

    const source = createHistorySource({ exchange: undefined as never, store: historyStore, fills: fillStore, now: () => now }, historyStore, {}, freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 }));
    const run = async (at: number): Promise<LeaderboardJobSummary & Consumed & { wallS: number }> => {
      consumed.read = 0;
      consumed.write = 0;
      const started = performance.now();
      const summary = await runLeaderboardJob({
        directory: createDynamoTraderDirectory(doc, names.traders),
        // Nothing is due: the bench measures the job's reads and writes, not the exchange's.
        history: { ...source, sync: async () => null },
        score: scoreRows,
        snapshots: createDynamoLeaderboardStore(doc, names.state),
        pages: createDynamoTraderPagesStore(doc, names.pages),
        logger: quiet,
        now: () => at,
        concurrency: 4,
        syncDeadlineMs: 60_000,
      });
      return { ...summary, ...consumed, wallS: (performance.now() - started) / 1000 };
    };

    const rows: [string, Awaited<ReturnType<typeof run>>][] = [];
    rows.push(["first run (no checkpoint yet)", await run(now)]);
    rows.push(["an hour later", await run(now + HOUR)]);
    rows.push(["a day later (horizon moves)", await run(now + DAY + HOUR)]);
    console.log("| run | traders read whole | fills read | read units | write units | wall |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const [name, r] of rows) {
      console.log(`| ${name} | ${r.wholeHistories} | ${r.fillsLoaded.toLocaleString("en-US")} | ${Math.round(r.read).toLocaleString("en-US")} | ${Math.round(r.write).toLocaleString("en-US")} | ${r.wallS.toFixed(1)} s |`);
    }
    const [first, second] = [rows[0]![1], rows[1]![1]];
    console.log(`\nFrom the checkpoint: ${(first.fillsLoaded / Math.max(1, second.fillsLoaded)).toFixed(1)}× fewer fills read, ${(first.read / Math.max(1, second.read)).toFixed(1)}× fewer read units than the first run`);
    console.log(`BENCH_JSON ${JSON.stringify({ traders, fills, runs: rows.map(([name, r]) => ({ name, whole: r.wholeHistories, fillsLoaded: r.fillsLoaded, readUnits: r.read, writeUnits: r.write, wallS: r.wallS })) })}`);
  } finally {
    await dynamo?.stop();
  }
};
