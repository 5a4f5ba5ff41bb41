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
  /** Refetch funding payments once their last sync is older than this. Default: `portfolioMaxAgeMs`. */
  fundingMaxAgeMs?: number;
  /** Ask the trader's role again once older than this. Default 7 days. */
  roleMaxAgeMs?: number;
  /** Tracking's share of the fills; without it every activity means a fetch. */
  trackedFills?: TrackedFills | null;
}

export const DEFAULT_PORTFOLIO_MAX_AGE_MS = 4 * 3_600_000;
/**
 * `userRole` costs 60 weight (three ordinary requests) and an address does not stop being a vault,
 * so it is asked once and then weekly (a `missing` address may have become a user since).
 */
export const DEFAULT_ROLE_MAX_AGE_MS = 7 * 86_400_000;

/**
 * What tracking has stored of the trader's fills (functions/domain/tracking.ts): on every position
 * change the worker fetches the fills since its cursor and stores them before it moves the cursor,
 * so every perp fill from the baseline (`from`) to the cursor (`to`) is in the fill store.
 */
export interface TrackedFills {
  /** When tracking took its baseline (our clock); its fills coverage starts at the exchange's time of that poll. */
  from: number;
  /** The tracker's fills cursor: fills up to here were fetched (exchange time). */
  to: number;
}

/**
 * How long after the baseline the history must have caught up for the two to join: covers the
 * difference between our clock (`from`) and the exchange's (the coverage's real start), with room.
 */
export const TRACKING_JOIN_MARGIN_MS = 5 * 60_000;

export interface SyncPlan {
  fills: boolean;
  ledger: boolean;
  portfolio: boolean;
  funding: boolean;
  role: boolean;
}

const olderThan = (at: number | null, now: number, maxAgeMs: number): boolean => at === null || now - at > maxAgeMs;

/**
 * The activity is already in the fill store: the history caught up after tracking began (so the
 * two cover the whole timeline between them) and tracking fetched the fills of the latest change.
 * Asking the exchange again would only return what tracking stored, at 20+ weight a trader.
 */
const coveredByTracking = (
  state: HistorySyncState,
  lastActivityAt: number | null | undefined,
  tracked: TrackedFills | null | undefined,
): boolean =>
  tracked != null &&
  joinsTracking(state, tracked) &&
  lastActivityAt !== undefined &&
  (lastActivityAt === null || lastActivityAt <= tracked.to);

/** The history caught up after tracking began: between them they hold every fill up to the tracker's cursor. */
const joinsTracking = (state: HistorySyncState, tracked: TrackedFills): boolean =>
  state.fills.caughtUp && state.fills.syncedAt !== null && state.fills.syncedAt >= tracked.from + TRACKING_JOIN_MARGIN_MS;

/**
 * A time before which every fill and funding payment of the trader is stored, as far as the
 * exchange serves them (null: none known): what a metrics checkpoint may fold, since nothing
 * older can arrive later. Each stream is paged forward from the oldest, so everything before its
 * cursor is stored (more may come at the cursor's own millisecond), and once it caught up,
 * everything before the moment it did (less a margin for the two clocks: a trader without a
 * payment for months still has a recent bound); tracking holds the fills from its baseline to its
 * cursor, which joins on when the history caught up after it began.
 */
export const completeBefore = (state: HistorySyncState | null, tracked: TrackedFills | null): number | null => {
  if (state === null) return null;
  const synced = streamCompleteBefore(state.fills);
  const fills = tracked !== null && joinsTracking(state, tracked) ? Math.max(synced, tracked.to) : synced;
  return Math.min(fills, streamCompleteBefore(state.funding));
};

const streamCompleteBefore = (c: HistorySyncState["fills"]): number =>
  c.caughtUp && c.syncedAt !== null ? Math.max(c.cursor, c.syncedAt - TRACKING_JOIN_MARGIN_MS) : c.cursor;

/**
 * - fills: until the backfill has caught up, and whenever the trader had activity (a position
 *   event) after fills last caught up that tracking has not already stored (see
 *   coveredByTracking); `lastActivityAt` undefined means "unknown", so check.
 * - portfolio: when older than its max age.
 * - ledger: until caught up, when older than its max age, and whenever the portfolio is
 *   refreshed, so the flows always cover the equity curve they are taken out of.
 * - funding: until caught up, and when older than its max age. An open position is paid funding
 *   every hour without any fill, so activity cannot tell when it is due; its age can.
 * - role: when never asked, or older than its max age.
 */
export const planSync = (
  state: HistorySyncState | null,
  lastActivityAt: number | null | undefined,
  now: number,
  options: FreshnessOptions = {},
): SyncPlan => {
  const portfolioMaxAge = options.portfolioMaxAgeMs ?? DEFAULT_PORTFOLIO_MAX_AGE_MS;
  const ledgerMaxAge = options.ledgerMaxAgeMs ?? portfolioMaxAge;
  const fundingMaxAge = options.fundingMaxAgeMs ?? portfolioMaxAge;
  const roleMaxAge = options.roleMaxAgeMs ?? DEFAULT_ROLE_MAX_AGE_MS;
  if (state === null) return { fills: true, ledger: true, portfolio: true, funding: true, role: true };
  const { fills, ledger, funding } = state;
  const activitySinceSync =
    lastActivityAt === undefined ||
    (lastActivityAt !== null && (fills.syncedAt === null || lastActivityAt > fills.syncedAt));
  const portfolio = olderThan(state.portfolioFetchedAt, now, portfolioMaxAge);
  return {
    fills: !fills.caughtUp || (activitySinceSync && !coveredByTracking(state, lastActivityAt, options.trackedFills)),
    ledger: !ledger.caughtUp || olderThan(ledger.syncedAt, now, ledgerMaxAge) || portfolio,
    portfolio,
    funding: !funding.caughtUp || olderThan(funding.syncedAt, now, fundingMaxAge),
    role: olderThan(state.role?.fetchedAt ?? null, now, roleMaxAge),
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
  return plan.fills || plan.ledger || plan.portfolio || plan.funding || plan.role;
};
