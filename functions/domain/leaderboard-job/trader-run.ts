import type { AppLogger } from "#commons/logger.js";
import type { LeaderboardRow } from "../leaderboard.js";
import type { Fill } from "../exchange.js";
import { foldCheckpoint, servesWindowsAt, type MetricsCheckpoint } from "../metrics/checkpoint.js";
import { equityMetricsFor } from "../metrics/trader-leaderboard.js";
import { rowsOfReplay } from "../metrics/trader-metrics.js";
import { replay } from "../metrics/trader-replay.js";
import type { FundingPayment, TraderHistory } from "../metrics/types.js";
import type { TraderView } from "../read-models.js";
import { planTraderPages, type PagesMarker, type TraderPagesWriter } from "../trader-story/pages.js";

/**
 * One trader's share of a leaderboard run: his rows and his page, from the history after his
 * metrics checkpoint (../metrics/checkpoint.ts) rather than the whole of it.
 *
 * The checkpoint lives in the page marker (../trader-story/pages.ts), so rows, page and checkpoint
 * always describe the same cut. A run trusts it only while nothing at or before its horizon H can
 * still arrive (H before the history's `completeBefore`: the history sync pages each stream
 * forward from the oldest, and tracking joins on); otherwise — a re-track whose backfill has not
 * caught up, a reset sync state, a checkpoint too large to store, an unreadable one — the run loads
 * the whole history and folds a new checkpoint from scratch. Once a day H moves to the start of the
 * day 31 days back (never past what is complete), so a run reads about a month of each trader.
 */

const DAY = 86_400_000;
/** How far behind `now` a horizon stays: past the longest finite window (30 d), moving once a day. */
export const CHECKPOINT_LAG_MS = 31 * DAY;

/** Where the horizon should be at `now`: the day boundary 31 days back, before anything not yet complete; null: nowhere yet. */
export const horizonTarget = (now: number, completeBefore: number | null): number | null =>
  completeBefore === null || completeBefore <= 0 ? null : Math.min(Math.floor((now - CHECKPOINT_LAG_MS) / DAY) * DAY - 1, completeBefore - 1);

/** The stored checkpoint, if a run may start from it. */
const usable = (checkpoint: MetricsCheckpoint | null, completeBefore: number | null, now: number): MetricsCheckpoint | null =>
  checkpoint !== null && completeBefore !== null && checkpoint.horizon < completeBefore && servesWindowsAt(checkpoint, now) ? checkpoint : null;

/**
 * Where a run leaves the checkpoint: `base` itself until `target` passes its horizon, else `base`
 * folded on to `target` with the fills and payments the run loaded (those after `base`'s horizon).
 */
export const nextCheckpoint = (
  base: MetricsCheckpoint | null,
  fills: readonly Fill[],
  funding: readonly FundingPayment[],
  target: number | null,
): MetricsCheckpoint | null => (target === null || (base !== null && target <= base.horizon) ? base : foldCheckpoint(base, fills, funding, target));

export interface TraderRunDeps {
  history: {
    load(trader: TraderView, after?: number): Promise<TraderHistory>;
  };
  pages: TraderPagesWriter;
  logger: AppLogger;
}

export interface TraderRun {
  /** One per window, unscored. */
  rows: LeaderboardRow[];
  /** The page (and with it the checkpoint) was not brought up to date; the rows still count. */
  pagesFailed: boolean;
  /** The fills the run read, and from where (null: the whole history). */
  loaded: { fills: number; after: number | null };
}

export const runTrader = async (
  deps: TraderRunDeps,
  trader: TraderView,
  completeBefore: number | null,
  now: number,
  updatedAt: string,
): Promise<TraderRun> => {
  const address = trader.address;
  let marker: PagesMarker | null = null;
  let pagesReadable = true;
  try {
    marker = await deps.pages.readMarker(address);
  } catch (error) {
    // The rows do not need the page: computed from the whole history, the page left as it is.
    pagesReadable = false;
    deps.logger.warn("Trader page marker unreadable; whole history loaded, page left as it is", { address, error });
  }
  const target = horizonTarget(now, completeBefore);

  /** The run from `base` (null: the whole history); null when the page needs the whole history after all. */
  const attempt = async (base: MetricsCheckpoint | null): Promise<TraderRun | null> => {
    const history = await deps.history.load(trader, base?.horizon);
    const funding = history.funding ?? [];
    const replayed = replay(base, history.fills, funding, now);
    const rows = rowsOfReplay(base, replayed, { history, equity: equityMetricsFor(history), now, updatedAt });
    const loaded = { fills: history.fills.length, after: base?.horizon ?? null };
    if (!pagesReadable) return { rows, pagesFailed: true, loaded };
    const next = nextCheckpoint(base, history.fills, funding, target);
    const moved = base !== null && next !== null && next.horizon !== base.horizon;
    const basePrefix = moved ? await deps.pages.readPrefix(address, base.horizon) : null;
    const plan = planTraderPages({ fills: history.fills, funding, portfolio: history.portfolio, base, replay: replayed, next, basePrefix }, now, marker);
    if (plan === null) return null;
    try {
      await deps.pages.apply(address, plan);
      return { rows, pagesFailed: false, loaded };
    } catch (error) {
      deps.logger.warn("Trader page not updated; it keeps its last build", { address, error });
      return { rows, pagesFailed: true, loaded };
    }
  };

  const base = usable(marker?.checkpoint ?? null, completeBefore, now);
  if (base !== null) {
    try {
      const run = await attempt(base);
      if (run !== null) return run;
    } catch (error) {
      // A checkpoint that cannot be carried on is rebuilt, never trusted half-way.
      deps.logger.warn("Metrics checkpoint not usable; whole history loaded", { address, horizon: base.horizon, error });
    }
  }
  const whole = await attempt(null);
  if (whole === null) throw new Error(`trader page of ${address} could not be planned from the whole history`);
  return whole;
};
