import type { HistorySyncState } from "./ports.js";

/**
 * Which parts of a trader's history are due. This is what keeps a leaderboard run over 10,000
 * traders inside the weight budget: a trader without new activity and with a fresh portfolio and
 * ledger costs no request at all.
 */

export interface FreshnessOptions {
  /** Refetch the portfolio (and the ledger with it) once it is older than this. Default 4 h. */
  portfolioMaxAgeMs?: number;
  /** Refetch the ledger once its last sync is older than this. Default: `portfolioMaxAgeMs`. */
  ledgerMaxAgeMs?: number;
}

export const DEFAULT_PORTFOLIO_MAX_AGE_MS = 4 * 3_600_000;

export interface SyncPlan {
  fills: boolean;
  ledger: boolean;
  portfolio: boolean;
}

const olderThan = (at: number | null, now: number, maxAgeMs: number): boolean => at === null || now - at > maxAgeMs;

/**
 * - fills: until the backfill has caught up, and whenever the trader had activity (a position
 *   event) after fills last caught up; `lastActivityAt` undefined means "unknown", so check.
 * - portfolio: when older than its max age.
 * - ledger: until caught up, when older than its max age, and whenever the portfolio is
 *   refreshed, so the flows always cover the equity curve they are taken out of.
 */
export const planSync = (
  state: HistorySyncState | null,
  lastActivityAt: number | null | undefined,
  now: number,
  options: FreshnessOptions = {},
): SyncPlan => {
  const portfolioMaxAge = options.portfolioMaxAgeMs ?? DEFAULT_PORTFOLIO_MAX_AGE_MS;
  const ledgerMaxAge = options.ledgerMaxAgeMs ?? portfolioMaxAge;
  if (state === null) return { fills: true, ledger: true, portfolio: true };
  const { fills, ledger } = state;
  const activitySinceSync =
    lastActivityAt === undefined ||
    (lastActivityAt !== null && (fills.syncedAt === null || lastActivityAt > fills.syncedAt));
  const portfolio = olderThan(state.portfolioFetchedAt, now, portfolioMaxAge);
  return {
    fills: !fills.caughtUp || activitySinceSync,
    ledger: !ledger.caughtUp || olderThan(ledger.syncedAt, now, ledgerMaxAge) || portfolio,
    portfolio,
  };
};

/** Whether a sync would call the exchange at all. `lastActivityAt` null: the trader never had an event. */
export const needsSync = (
  state: HistorySyncState | null,
  lastActivityAt: number | null | undefined,
  now: number,
  options: FreshnessOptions = {},
): boolean => {
  const plan = planSync(state, lastActivityAt, now, options);
  return plan.fills || plan.ledger || plan.portfolio;
};
