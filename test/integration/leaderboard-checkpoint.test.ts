import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAddress, type Address } from "#domain/address.js";
import type { Fill } from "#domain/exchange.js";
import { initialSyncState } from "#domain/history/sync.js";
import { completeBefore } from "#domain/history/plan.js";
import { runLeaderboardJob, type HistorySource } from "#domain/leaderboard-job/job.js";
import { runTrader, type TraderRun } from "#domain/leaderboard-job/trader-run.js";
import { scoreRows } from "#domain/metrics/score.js";
import { rowsForTrader } from "#domain/metrics/trader-leaderboard.js";
import { METRIC_WINDOWS, type FundingPayment, type TraderHistory } from "#domain/metrics/types.js";
import type { TraderView } from "#domain/read-models.js";
import { equitySeries, listRoundTrips, realizedPnlSeries } from "#domain/trader-story/index.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { dataFreshness, freshnessRules } from "#domain/history/freshness.js";
import type { HistorySyncDeps } from "#domain/history/sync.js";
import { ledgerNeeded } from "#domain/metrics/trader-leaderboard.js";
import { createHistorySource } from "#app/leaderboard/history-source.js";
// bench/ has no import alias; its generator is the leaderboard benchmark's.
import { generateHistory } from "../../bench/leaderboard-fixtures.js";
import { testTables, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { fundingFor } from "../unit/metrics/checkpoint-histories.js";
import { roundTrip } from "../unit/metrics/fills.js";

/**
 * The leaderboard job reads a month of each trader, not his whole history (issue 16, finding 1):
 * from the second run on, it loads only the fills and payments after his metrics checkpoint's
 * horizon, and still writes exactly the rows, round trips and series a run over the whole history
 * gives. Over DynamoDB Local, through the real history and page stores, run after run as the
 * history grows, a late fill arrives behind the newest round trip, and the sync state is reset.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW0 = Date.UTC(2026, 5, 1, 12, 30);
const T: Address = parseAddress("0x00000000000000000000000000000000000c4e57");
const UPDATED = "2026-06-01T00:00:00.000Z";
const rules = freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 });

// 600 fills over 400 days with flips, partial closes, spot fills and funding: few enough changes
// of the realized PnL (< 2,000) that `all`'s series is never thinned and compares point for point.
const generated = generateHistory(7, 600, NOW0 + 3 * DAY, 400);
const FILLS: Fill[] = generated.fills;
const FUNDING: FundingPayment[] = fundingFor(FILLS, 7).filter((_, i) => i % 10 === 0);

describe("the leaderboard job past a metrics checkpoint", () => {
  let tables: TestTables;
  let view: TraderView;
  const stored = { fills: [] as Fill[], funding: [] as FundingPayment[] };
  const loads: { fills: number; after: number | undefined }[] = [];

  const historyStore = () => createDynamoHistoryStore(tables.doc, { fills: tables.names.fills, state: tables.names.state });
  const pages = () => createDynamoTraderPagesStore(tables.doc, tables.names.pages);

  /** Stores what happened up to `at` (as the sync would) and marks both streams caught up there. */
  const syncUpTo = async (at: number, extra: Fill[] = []) => {
    const fills = [...FILLS.filter((f) => f.time <= at && !stored.fills.includes(f)), ...extra];
    const funding = FUNDING.filter((p) => p.time <= at && !stored.funding.includes(p));
    if (fills.length > 0) await createDynamoFillStore(tables.doc, tables.names.fills).putFills(T, fills);
    if (funding.length > 0) await historyStore().putFunding(T, funding);
    stored.fills.push(...fills);
    stored.funding.push(...funding);
    const last = (times: number[]) => times.reduce((a, b) => Math.max(a, b), 0);
    const cursor = (time: number) => ({ cursor: time, seen: [], caughtUp: true, syncedAt: at });
    await historyStore().saveSyncState(T, {
      ...initialSyncState(),
      fills: cursor(last(stored.fills.map((f) => f.time))),
      funding: cursor(last(stored.funding.map((p) => p.time))),
      ledger: cursor(at),
      portfolioFetchedAt: at,
    });
  };

  /** A history source over the stored history that records how many fills each load read. */
  const source = (): HistorySource => ({
    sync: async () => null,
    load: async (trader, after) => {
      const history = await historyStore().loadTraderHistory(trader.address, { ...(after !== undefined && { after }) });
      loads.push({ fills: history.fills.length, after });
      return { address: trader.address, ...history, firstSeenAt: generated.firstSeenAt };
    },
    status: async (_trader, now) => {
      const state = await historyStore().getSyncState(T);
      return { freshness: dataFreshness(state, 0, now, rules), completeBefore: completeBefore(state, null) };
    },
  });

  const runAt = async (now: number): Promise<TraderRun> => {
    const { completeBefore: complete } = await source().status(view, now);
    return runTrader({ history: source(), pages: pages(), logger: recordingLogger().logger }, view, complete, now, UPDATED);
  };

  /** What a run over the whole stored history gives: rows, round trips and every window's series. */
  const whole = (): TraderHistory => ({
    address: T,
    fills: stored.fills,
    funding: stored.funding,
    ledger: [],
    portfolio: generated.portfolio,
    role: null,
    firstSeenAt: generated.firstSeenAt,
  });

  const expectAsWhole = async (run: TraderRun, now: number) => {
    const h = whole();
    expect(run.rows).toStrictEqual(rowsForTrader(h, now, UPDATED));
    expect(run.pagesFailed).toBe(false);
    const trips = await pages().roundTrips(T, { closedAfter: null, closedUntil: now, limit: 10_000 });
    expect(trips).toEqual(listRoundTrips(h.fills, "all", now, h.funding));
    for (const window of METRIC_WINDOWS) {
      const { realizedAfter: _cut, ...shown } = (await pages().equity(T, window))!;
      expect(shown, window).toEqual({ ...equitySeries({ portfolio: h.portfolio, fills: h.fills, funding: h.funding, window, now }), portfolioFetchedAt: h.portfolio!.fetchedAt });
    }
  };

  const prefixItems = async () =>
    (
      await tables.doc.send(
        new QueryCommand({ TableName: tables.names.pages, KeyConditionExpression: "trader_address = :a AND begins_with(sk, :p)", ExpressionAttributeValues: { ":a": T, ":p": "prefix#" } }),
      )
    ).Items ?? [];

  beforeAll(async () => {
    tables = await testTables("lbcheckpoint");
    const traders = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    await traders.addTrader({ address: T, source: "manual", at: NOW0 - 500 * DAY });
    view = (await createDynamoTraderDirectory(tables.doc, tables.names.traders).get(T))!;
    await historyStore().putPortfolio(T, generated.portfolio!);
    // Enough realized-PnL changes to check, few enough not to be thinned.
    expect(realizedPnlSeries(FILLS, "all", NOW0 + 3 * DAY, FUNDING).length).toBeLessThan(2_000);
  });

  it("builds from the whole history once, then reads only what came after the horizon, with the same results", async () => {
    await syncUpTo(NOW0);
    const first = await runAt(NOW0);
    expect(first.loaded).toEqual({ fills: stored.fills.length, after: null });
    await expectAsWhole(first, NOW0);

    await syncUpTo(NOW0 + HOUR);
    const second = await runAt(NOW0 + HOUR);
    const horizon = second.loaded.after!;
    // The day boundary 31 days back, less a millisecond: everything up to it is folded.
    expect(horizon).toBe(Math.floor((NOW0 + HOUR - 31 * DAY) / DAY) * DAY - 1);
    expect(second.loaded.fills).toBe(stored.fills.filter((f) => f.time > horizon).length);
    // A month of a 400-day history.
    expect(second.loaded.fills).toBeLessThan(stored.fills.length / 5);
    await expectAsWhole(second, NOW0 + HOUR);
  });

  it("moves the horizon a day later, replacing the realized PnL's prefix item", async () => {
    await syncUpTo(NOW0 + DAY + HOUR);
    const run = await runAt(NOW0 + DAY + HOUR);
    expect(run.loaded.after).toBe(Math.floor((NOW0 + HOUR - 31 * DAY) / DAY) * DAY - 1);
    await expectAsWhole(run, NOW0 + DAY + HOUR);
    const next = await runAt(NOW0 + DAY + 2 * HOUR);
    expect(next.loaded.after).toBe(Math.floor((NOW0 + DAY + 2 * HOUR - 31 * DAY) / DAY) * DAY - 1);
    await expectAsWhole(next, NOW0 + DAY + 2 * HOUR);
    // The moved-from prefix stays a day longer for readers of the old `all` item; the one before it is gone.
    const kept = (await prefixItems()).map((i) => String(i.sk));
    expect(kept).toHaveLength(2);
    const later = await runAt(NOW0 + 2 * DAY - HOUR);
    // It starts from the horizon `run` moved to, and moves it a day on again.
    expect(later.loaded.after).toBe(next.loaded.after);
    await expectAsWhole(later, NOW0 + 2 * DAY - HOUR);
    const after = (await prefixItems()).map((i) => String(i.sk));
    expect(after).toHaveLength(2);
    expect(after).toContain(kept[1]);
    expect(after).not.toContain(kept[0]);
  });

  it("rewrites the round trips after the horizon when a fill arrives behind the newest one, still without the whole history", async () => {
    const now = NOW0 + 2 * DAY;
    // A round trip on a coin never traded, closed five days ago: behind every round trip stored since.
    const late = roundTrip({ coin: "SOL", side: "long", sz: "3", px: "151.5", time: now - 5 * DAY, holdMs: HOUR, closedPnl: "4.125", fee: "0.0625" }).map((f, i) => ({
      ...f,
      tid: 9_000_000_000 + i,
    }));
    await syncUpTo(now, late);
    const run = await runAt(now);
    expect(run.loaded.after).not.toBeNull();
    await expectAsWhole(run, now);
    expect((await pages().roundTrips(T, { closedAfter: null, closedUntil: now, limit: 10_000 })).filter((rt) => rt.coin === "SOL")).toHaveLength(1);
  });

  it("loads the whole history again when the sync no longer holds everything up to the horizon, and carries on after", async () => {
    const now = NOW0 + 3 * DAY;
    await syncUpTo(now);
    // A sync state lost: its cursors start over, so older history may still arrive.
    await historyStore().saveSyncState(T, initialSyncState());
    const rebuilt = await runAt(now);
    expect(rebuilt.loaded.after).toBeNull();
    await expectAsWhole(rebuilt, now);
    // Caught up again: one more run from the whole history folds a new checkpoint, the next starts from it.
    await syncUpTo(now);
    const refolded = await runAt(now + HOUR);
    expect(refolded.loaded.after).toBeNull();
    await expectAsWhole(refolded, now + HOUR);
    const after = await runAt(now + 2 * HOUR);
    expect(after.loaded.after).not.toBeNull();
    await expectAsWhole(after, now + 2 * HOUR);
  });

  it("the history source reads the ledger only when the portfolio's own PnL cannot stand in for it", async () => {
    await historyStore().putLedger(T, generated.ledger);
    const source = createHistorySource({} as HistorySyncDeps, historyStore(), {}, rules);
    expect(ledgerNeeded(generated.portfolio)).toBe(false);
    expect((await source.load(view)).ledger).toEqual([]);
    // Without the PnL samples of a period, its returns take the ledger's flows out: read it.
    const { perpMonth, ...others } = generated.portfolio!.periods;
    await historyStore().putPortfolio(T, { ...generated.portfolio!, periods: { ...others, perpMonth: { accountValueHistory: perpMonth!.accountValueHistory, pnlHistory: [] } } });
    expect((await source.load(view)).ledger).toHaveLength(generated.ledger.length);
    await historyStore().putPortfolio(T, generated.portfolio!);
  });

  it("the job reads only the month after each checkpoint from its second run on", async () => {
    const now = NOW0 + 3 * DAY + 2 * HOUR;
    loads.length = 0;
    const job = () =>
      runLeaderboardJob({
        directory: createDynamoTraderDirectory(tables.doc, tables.names.traders),
        history: source(),
        score: scoreRows,
        snapshots: createDynamoLeaderboardStore(tables.doc, tables.names.state),
        pages: pages(),
        logger: recordingLogger().logger,
        now: () => now,
        concurrency: 2,
        syncDeadlineMs: 60_000,
      });
    const summary = await job();
    expect(summary).toMatchObject({ computed: 1, failed: 0, pagesFailed: 0, wholeHistories: 0 });
    expect(loads).toHaveLength(1);
    expect(loads[0]!.fills).toBeLessThan(stored.fills.length / 5);
    expect(summary.fillsLoaded).toBe(loads[0]!.fills);
  });
});
