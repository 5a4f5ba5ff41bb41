import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores } from "#api/index.js";
import { createHistorySource } from "#app/leaderboard/history-source.js";
import { freshnessRules } from "#domain/history/freshness.js";
import { createLeaderboardHandler } from "#app/leaderboard/handler.js";
import type { Address } from "#domain/address.js";
import type { LeaderboardJobSummary } from "#domain/leaderboard-job/job.js";
import { scoreRows } from "#domain/metrics/score.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient } from "#hyperliquid/client.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { testTables, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { serveApp, type Served } from "../support/serve.js";

/**
 * Scripted trades on the simulator → the leaderboard job (history sync through the real client
 * and DynamoDB Local, metrics, snapshots) → GET /api/v1/leaderboard over a real socket. The
 * expected figures are worked out by hand below from the trades and the simulator's documented
 * conventions: a crossed (taker) fill pays 0.045% of its notional; closedPnl = (exit − entry) × size.
 */

const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000b2" as Address;
const C = "0x00000000000000000000000000000000000000c3" as Address;

/** One long round trip of 1 BTC: buy at `open`, sell at `close`. */
const roundTrip = (sim: Simulator, user: Address, open: string, close: string) => {
  sim.execute({ user, coin: "BTC", size: "1", px: open, time: sim.now() + 60_000 });
  sim.execute({ user, coin: "BTC", size: "-1", px: close, time: sim.now() + 60_000 });
};

// A: +10, −5, +20 before fees. Fees 0.045% of 100 per open; of 110, 95, 120 per close.
//    round trips: 10 − 0.045 − 0.0495 = 9.9055; −5 − 0.045 − 0.04275 = −5.08775; 20 − 0.045 − 0.054 = 19.901
//    realized 24.71875, fees 0.28125, volume 625, win rate 2/3, max profit 19.901, max loss 5.08775,
//    payoff ((9.9055 + 19.901) / 2) / 5.08775 = 2.92923..., profit factor 29.8065 / 5.08775 = 5.85847...
// B: −10, −1: −10.0855 and −1.08955; realized −11.17505, win rate 0, no max profit, max loss 10.0855.
// C: +50: 50 − 0.045 − 0.0675 = 49.8875; win rate 1, no loss: profit factor null and infinite.
interface Expected {
  win_rate: number;
  avg_risk_ratio: number | null;
  profit_factor: number | null;
  [field: string]: unknown;
}
const EXPECTED: Record<Address, Expected> = {
  [A]: { win_rate: 2 / 3, realized_pnl_usd: "24.71875", fees_usd: "0.28125", total_volume_usd: "625", max_profit_usd: "19.901", max_loss_usd: "5.08775", trades_count: 6, round_trips: 3, avg_risk_ratio: 14.90325 / 5.08775, profit_factor: 29.8065 / 5.08775, profit_factor_infinite: false },
  [B]: { win_rate: 0, realized_pnl_usd: "-11.17505", fees_usd: "0.17505", total_volume_usd: "389", max_profit_usd: null, max_loss_usd: "10.0855", trades_count: 4, round_trips: 2, avg_risk_ratio: null, profit_factor: 0, profit_factor_infinite: false },
  [C]: { win_rate: 1, realized_pnl_usd: "49.8875", fees_usd: "0.1125", total_volume_usd: "250", max_profit_usd: "49.8875", max_loss_usd: null, trades_count: 2, round_trips: 1, avg_risk_ratio: null, profit_factor: null, profit_factor_infinite: true },
};

describe("leaderboard job, end to end", () => {
  let sim: Simulator;
  let tables: TestTables;
  let server: Served | undefined;
  let base: string;
  let summary: LeaderboardJobSummary;

  beforeAll(async () => {
    sim = createSimulator({ seed: 11, weightPerMinute: Infinity }); // our budget below is raised beyond the exchange's rule
    const url = await sim.start();
    tables = await testTables("lbjob");
    for (const user of [A, B, C]) sim.deposit(user, "10000");
    roundTrip(sim, A, "100", "110");
    roundTrip(sim, A, "100", "95");
    roundTrip(sim, A, "100", "120");
    roundTrip(sim, B, "100", "90");
    roundTrip(sim, B, "100", "99");
    roundTrip(sim, C, "100", "150");
    sim.advance(60_000);

    const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    for (const address of [A, B, C]) await traders.addTrader({ address, source: "manual", at: sim.now() - 3_600_000 });
    const exchange = createHyperliquidClient({
      baseUrl: url,
      budget: createWeightBudget({ limitPerMinute: 1_000_000, discoveryShare: 0.25, historyShare: 0.25 }),
      timeoutMs: 2_000,
      maxRetries: 2,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
    });
    const historyStore = createDynamoHistoryStore(tables.doc, { fills: tables.names.fills, state: tables.names.state });
    const now = () => sim.now();
    const job = createLeaderboardHandler({
      directory: createDynamoTraderDirectory(tables.doc, tables.names.traders),
      history: createHistorySource(
        { exchange, store: historyStore, fills: createDynamoFillStore(tables.doc, tables.names.fills), now },
        historyStore,
        { maxPages: 6 },
        freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 }),
      ),
      score: scoreRows,
      snapshots: createDynamoLeaderboardStore(tables.doc, tables.names.state),
      pages: createDynamoTraderPagesStore(tables.doc, tables.names.pages),
      logger: recordingLogger().logger,
      now,
      concurrency: 2,
      syncDeadlineMs: 60_000,
    });
    summary = await job({});

    const app = createApiApp({
      ...createDynamoApiStores(tables.client, tables.doc, tables.names),
      checks: [],
      adminApiKey: "k".repeat(32),
      logger: recordingLogger().logger,
      limits: { rateLimit: false },
    });
    server = await serveApp(app);
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await sim?.stop();
  });

  const leaderboard = async (query: string) => {
    const res = await fetch(`${base}/api/v1/leaderboard?${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { leaderboard: Record<string, unknown>[]; window: string; updated_at: string };
  };

  it("syncs, computes and stores every active trader", () => {
    expect(summary).toMatchObject({ traders: 3, synced: 3, computed: 3, failed: 0, pagesFailed: 0, rows: { "1d": 3, "7d": 3, "30d": 3, all: 3 } });
    // Every source synced in this run: no trader's history is stale, and each row says so.
    expect(summary).toMatchObject({ staleTraders: 0, staleShare: 0, entriesSetAside: 0, sourceFailures: 0 });
  });

  it("ranks by win rate, then by realized PnL, in both orders", async () => {
    const byWin = await leaderboard("sort_by=win_rate");
    expect(byWin.leaderboard.map((r) => r.trader_address)).toEqual([C, A, B]);
    const byPnlAsc = await leaderboard("sort_by=realized_pnl_usd&order=asc");
    expect(byPnlAsc.leaderboard.map((r) => r.trader_address)).toEqual([B, A, C]);
    const byVolume = await leaderboard("sort_by=total_volume_usd&window=1d");
    expect(byVolume.window).toBe("1d");
    expect(byVolume.leaderboard.map((r) => r.trader_address)).toEqual([A, B, C]);
  });

  it("serves the values worked out by hand from the trades, in every window", async () => {
    for (const window of ["1d", "7d", "30d", "all"]) {
      const { leaderboard: rows } = await leaderboard(`window=${window}`);
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        const expected: Expected | undefined = EXPECTED[row.trader_address as keyof typeof EXPECTED];
        if (expected === undefined) throw new Error(`unexpected trader ${String(row.trader_address)}`);
        const { win_rate, avg_risk_ratio, profit_factor, ...exact } = expected;
        expect(row).toMatchObject({ ...exact, window, is_bot: false, account_age_days: 0, trader_id: row.trader_address });
        expect(row.win_rate).toBeCloseTo(win_rate, 12);
        if (avg_risk_ratio === null) expect(row.avg_risk_ratio).toBeNull();
        else expect(row.avg_risk_ratio).toBeCloseTo(avg_risk_ratio, 12);
        if (profit_factor === null) expect(row.profit_factor).toBeNull();
        else expect(row.profit_factor).toBeCloseTo(profit_factor, 12);
        // Fewer than 5 round trips: not scored (README, Score).
        expect(row.score).toBeNull();
      }
    }
  });

  it("shows each window's row on the trader's own page", async () => {
    const res = await fetch(`${base}/traders/${A}`);
    expect(res.status).toBe(200);
    const { metrics } = (await res.json()) as { metrics: Record<string, Record<string, unknown>> };
    expect(Object.keys(metrics).sort()).toEqual(["1d", "30d", "7d", "all"]);
    for (const row of Object.values(metrics)) expect(row.data_status).toBe("fresh");
    expect(metrics.all).toMatchObject({ window: "all", realized_pnl_usd: "24.71875", round_trips: 3 });
  });

  it("filters by trades and volume", async () => {
    const busy = await leaderboard("min_trades=4&sort_by=trades_count");
    expect(busy.leaderboard.map((r) => r.trader_address)).toEqual([A, B]);
    const big = await leaderboard("min_volume_usd=300");
    expect(big.leaderboard.map((r) => r.trader_address).sort()).toEqual([A, B]);
  });
});
