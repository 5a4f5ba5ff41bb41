import type { HistorySource, HistorySyncState } from "./ports.js";

/**
 * How current a trader's figures are: when each history source last synced, which of them have
 * been failing, and one status a user can read at a glance. The leaderboard job computes every
 * figure from the stored history, so a source that stopped syncing leaves the figures stale while
 * they still look fine; this says so.
 *
 * `maxAgeMs` is the refresh age of portfolio and ledger (HISTORY_MAX_AGE_HOURS); `failingForMs`
 * is three leaderboard runs (3 × LEADERBOARD_INTERVAL_SECONDS). A source is stale:
 * - when its requests have failed for at least `failingForMs` (failing once is noise: the next run
 *   retries; three runs in a row is not);
 * - portfolio, ledger and funding, when their last sync is older than twice `maxAgeMs` (due after
 *   one `maxAgeMs`, and not refreshed in as long again: starved of weight or time, or failing);
 * - fills and funding, while their backfill has not caught up twice `maxAgeMs` after the trader
 *   was first seen.
 * The role (is it a vault?) counts only when failing: it is asked once and then weekly.
 * A trader never synced is `pending` until twice `maxAgeMs` after first seen, then stale.
 */

export type FreshnessStatus = "fresh" | "pending" | "stale";

export interface DataFreshness {
  status: FreshnessStatus;
  /** Last sync that caught up (ms); null before the first. */
  fillsSyncedAt: number | null;
  ledgerSyncedAt: number | null;
  fundingSyncedAt: number | null;
  portfolioFetchedAt: number | null;
  /** Sources that are stale, with the rule above; empty unless `status` is stale. */
  staleSources: HistorySource[];
  /** Since when each failing source has failed (ms). */
  failingSince: Partial<Record<HistorySource, number>>;
}

const SOURCES: readonly HistorySource[] = ["fills", "ledger", "funding", "portfolio", "role"];
/** The time-paged sources and the portfolio: what a trader never synced is missing. */
const SYNCED: readonly HistorySource[] = ["fills", "ledger", "funding", "portfolio"];

export interface FreshnessRules {
  maxAgeMs: number;
  failingForMs: number;
}

/** The rules from the settings every function shares. */
export const freshnessRules = (settings: { HISTORY_MAX_AGE_HOURS: number; LEADERBOARD_INTERVAL_SECONDS: number }): FreshnessRules => ({
  maxAgeMs: settings.HISTORY_MAX_AGE_HOURS * 3_600_000,
  failingForMs: 3 * settings.LEADERBOARD_INTERVAL_SECONDS * 1_000,
});

/** The rules of the settings' defaults (#commons/config.js; a unit test holds the two together). */
export const DEFAULT_FRESHNESS_RULES: FreshnessRules = freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 });

export const dataFreshness = (
  state: HistorySyncState | null,
  firstSeenAt: number,
  now: number,
  { maxAgeMs, failingForMs }: FreshnessRules,
): DataFreshness => {
  const starved = now - firstSeenAt >= 2 * maxAgeMs;
  if (state === null) {
    return {
      status: starved ? "stale" : "pending",
      fillsSyncedAt: null,
      ledgerSyncedAt: null,
      fundingSyncedAt: null,
      portfolioFetchedAt: null,
      staleSources: starved ? [...SYNCED] : [],
      failingSince: {},
    };
  }
  const olderThanTwice = (at: number | null): boolean => at === null ? starved : now - at >= 2 * maxAgeMs;
  const stale = new Set<HistorySource>();
  for (const source of SOURCES) {
    const since = state.failingSince[source];
    if (since !== undefined && now - since >= failingForMs) stale.add(source);
  }
  if (olderThanTwice(state.portfolioFetchedAt)) stale.add("portfolio");
  if (olderThanTwice(state.ledger.syncedAt)) stale.add("ledger");
  if (olderThanTwice(state.funding.syncedAt)) stale.add("funding");
  if (!state.fills.caughtUp && starved) stale.add("fills");
  if (!state.funding.caughtUp && starved) stale.add("funding");
  const incomplete = !state.fills.caughtUp || !state.ledger.caughtUp || !state.funding.caughtUp || state.portfolioFetchedAt === null;
  return {
    status: stale.size > 0 ? "stale" : incomplete ? "pending" : "fresh",
    fillsSyncedAt: state.fills.syncedAt,
    ledgerSyncedAt: state.ledger.syncedAt,
    fundingSyncedAt: state.funding.syncedAt,
    portfolioFetchedAt: state.portfolioFetchedAt,
    staleSources: SOURCES.filter((s) => stale.has(s)),
    failingSince: { ...state.failingSince },
  };
};
