import type { AppLogger } from "#commons/logger.js";
import type { Address } from "../address.js";
import type { WeightBudget } from "../budget.js";
import { mapWithConcurrency } from "../concurrency.js";
import type { DataFreshness } from "../history/freshness.js";
import type { LeaderboardRow, LeaderboardWindow } from "../leaderboard.js";
import { METRIC_WINDOWS, type TraderHistory } from "../metrics/types.js";
import type { TraderDirectory, TraderView } from "../read-models.js";
import type { TraderPagesWriter } from "../trader-story/pages.js";
import { runTrader } from "./trader-run.js";

/**
 * The leaderboard job (scheduled, hourly by default): for every active trader, top up the stored
 * history from the exchange when it is stale, compute the metrics of every window from what is
 * stored, score each window across traders, and write one snapshot per window for the HTTP API.
 * From the same replay it brings each trader's page (round trips, equity series) up to date, so
 * the API never reads a whole history per request.
 *
 * Work stays bounded however long the histories grow: each trader's metrics checkpoint holds what
 * came before a horizon about a month back, so a run reads only the month after it
 * (./trader-run.ts). Memory stays flat however many traders there are: a trader's history is
 * loaded, turned into four rows and dropped before the next one is loaded (bounded parallelism).
 */

/** What the job needs from the history side (functions/domain/history). */
export interface HistorySource {
  /**
   * Fetches what is missing or stale; null when nothing was needed. Never throws for a budget
   * stop; `failedSources` names the sources (ledger, portfolio, fills) whose request failed;
   * `setAside` counts the entries the exchange sent that could not be read (stepped over).
   */
  sync(
    trader: TraderView,
    signal: AbortSignal,
  ): Promise<{ budgetStopped: boolean; failedSources?: string[]; setAside?: number } | null>;
  /** What is stored; with `after`, only the fills and funding payments with time > after. */
  load(trader: TraderView, after?: number): Promise<TraderHistory>;
  /**
   * Read after the sync: how current the trader's stored history is at `now`, and a time before
   * which all of it is stored (#domain/history/plan.js completeBefore; null: none known).
   */
  status(trader: TraderView, now: number): Promise<{ freshness: DataFreshness; completeBefore: number | null }>;
}

export interface LeaderboardJobDeps {
  directory: Pick<TraderDirectory, "list">;
  history: HistorySource;
  /** Scores the rows of one window across traders. */
  score: (rows: readonly LeaderboardRow[]) => LeaderboardRow[];
  snapshots: { writeSnapshot(window: LeaderboardWindow, rows: readonly LeaderboardRow[], updatedAt: string): Promise<unknown> };
  /** The trader pages' store (#domain/trader-story/pages.js). */
  pages: TraderPagesWriter;
  logger: AppLogger;
  now: () => number;
  /** Traders worked on at once. */
  concurrency: number;
  /** After this long (ms) no more exchange calls are started; metrics are still computed from what is stored. */
  syncDeadlineMs: number;
  /** Only read, to log the weight the run spent. */
  budget?: Pick<WeightBudget, "snapshot">;
}

export interface LeaderboardJobSummary {
  traders: number;
  synced: number;
  syncSkippedForTime: number;
  budgetStops: number;
  /** Traders with at least one history source that failed this run (the others were still synced). */
  sourceFailures: number;
  /** History entries the exchange sent this run that could not be read: set aside, each logged. */
  entriesSetAside: number;
  /** Traders whose history is stale (a source failing or not refreshed for too long); their rows say so. */
  staleTraders: number;
  /** staleTraders ÷ computed traders, 0–1 (0 without traders): what the stale-history alarm watches. */
  staleShare: number;
  computed: number;
  failed: number;
  /** Traders whose page could not be written this run (their rows still count; the page keeps its last build). */
  pagesFailed: number;
  /** Stored fills read for the metrics: only those after each trader's checkpoint, where he has one. */
  fillsLoaded: number;
  /** Traders read from their first fill (no usable checkpoint: a first run, a rebuild). */
  wholeHistories: number;
  rows: Record<LeaderboardWindow, number>;
  durationMs: number;
}

const PAGE = 500;

const listActive = async (directory: LeaderboardJobDeps["directory"]): Promise<TraderView[]> => {
  const traders: TraderView[] = [];
  let cursor: string | undefined;
  do {
    const page = await directory.list(PAGE, cursor);
    traders.push(...page.items.filter((t) => t.is_active));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return traders;
};

export const runLeaderboardJob = async (deps: LeaderboardJobDeps): Promise<LeaderboardJobSummary> => {
  const started = deps.now();
  const weightAtStart = deps.budget?.snapshot().totalByLane.history;
  const updatedAt = new Date(started).toISOString();
  const syncDeadline = AbortSignal.timeout(deps.syncDeadlineMs);
  // Most recently active first: exchange calls stop at the sync deadline (or when the history lane
  // of the budget runs dry), so the traders people are watching get fresh data first.
  const traders = (await listActive(deps.directory)).sort(
    (a, b) => (b.lastChangedAt ?? -1) - (a.lastChangedAt ?? -1) || (a.address < b.address ? -1 : 1),
  );
  const byWindow = new Map<LeaderboardWindow, LeaderboardRow[]>(METRIC_WINDOWS.map((w) => [w, []]));
  const summary: LeaderboardJobSummary = {
    traders: traders.length,
    synced: 0,
    syncSkippedForTime: 0,
    budgetStops: 0,
    sourceFailures: 0,
    entriesSetAside: 0,
    staleTraders: 0,
    staleShare: 0,
    computed: 0,
    failed: 0,
    pagesFailed: 0,
    fillsLoaded: 0,
    wholeHistories: 0,
    rows: Object.fromEntries(METRIC_WINDOWS.map((w) => [w, 0])) as Record<LeaderboardWindow, number>,
    durationMs: 0,
  };
  let lastProgress = started;

  await mapWithConcurrency(traders, deps.concurrency, async (trader) => {
    const address: Address = trader.address;
    try {
      if (syncDeadline.aborted) summary.syncSkippedForTime += 1;
      else {
        const synced = await deps.history.sync(trader, syncDeadline).catch((error: unknown) => {
          // Stale data beats no row: the metrics are computed from what is stored.
          deps.logger.warn("History sync failed; using stored history", { address, error });
          return null;
        });
        if (synced !== null) summary.synced += 1;
        if (synced?.budgetStopped) summary.budgetStops += 1;
        if ((synced?.failedSources?.length ?? 0) > 0) summary.sourceFailures += 1;
        summary.entriesSetAside += synced?.setAside ?? 0;
      }
      const { freshness, completeBefore } = await deps.history.status(trader, started);
      const run = await runTrader(deps, trader, completeBefore, started, updatedAt);
      for (const row of run.rows) byWindow.get(row.window)?.push({ ...row, data_status: freshness.status });
      if (freshness.status === "stale") summary.staleTraders += 1;
      summary.computed += 1;
      summary.fillsLoaded += run.loaded.fills;
      if (run.loaded.after === null) summary.wholeHistories += 1;
      if (run.pagesFailed) summary.pagesFailed += 1;
    } catch (error) {
      summary.failed += 1;
      deps.logger.warn("Leaderboard metrics failed for a trader; left out of this run", { address, error });
    }
    const now = deps.now();
    if (now - lastProgress >= 30_000) {
      lastProgress = now;
      deps.logger.info("Leaderboard job progress", { done: summary.computed + summary.failed, of: traders.length });
    }
  });

  for (const window of METRIC_WINDOWS) {
    const rows = deps.score(byWindow.get(window) ?? []);
    await deps.snapshots.writeSnapshot(window, rows, updatedAt);
    summary.rows[window] = rows.length;
  }
  summary.staleShare = summary.computed === 0 ? 0 : summary.staleTraders / summary.computed;
  summary.durationMs = deps.now() - started;
  deps.logger.info("Leaderboard job finished", {
    ...summary,
    ...(deps.budget !== undefined && { weightUsed: deps.budget.snapshot().totalByLane.history - (weightAtStart ?? 0) }),
  });
  return summary;
};
