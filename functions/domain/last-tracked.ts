/**
 * `last_tracked_at` without a write per poll. An unchanged poll writes nothing, so the time is
 * derived: the dispatcher records each cycle, each worker message marks itself done, and a trader
 * who was active when the cycle was dispatched and has not failed since was polled in it.
 */
export interface TraderTrackingFacts {
  address: string;
  isActive: boolean;
  /** When the trader started being tracked (ms). */
  trackedSince: number;
  /** Last stored baseline or change (ms), if any. */
  lastChangedAt: number | null;
  /** Last recorded failure (ms), if any. */
  lastFailedAt: number | null;
}

export interface CycleFacts {
  dispatchedAt: number;
  lastCompletedAt: number | null;
  /** A reconciliation slice polled only the addresses from `first` to `last` (wrapping past the end when last < first). */
  slice?: { first: string; last: string };
}

const inSlice = (address: string, slice: CycleFacts["slice"]): boolean => {
  if (slice === undefined) return true;
  const { first, last } = slice;
  return first <= last ? address >= first && address <= last : address >= first || address <= last;
};

export const lastTrackedAt = (trader: TraderTrackingFacts, cycle: CycleFacts | null): number | null => {
  let best = trader.lastChangedAt;
  if (
    cycle !== null &&
    cycle.lastCompletedAt !== null &&
    trader.isActive &&
    trader.trackedSince <= cycle.dispatchedAt &&
    inSlice(trader.address, cycle.slice) &&
    // A failure after the dispatch means this trader's poll in that cycle did not succeed.
    !(trader.lastFailedAt !== null && trader.lastFailedAt >= cycle.dispatchedAt)
  ) {
    best = Math.max(best ?? 0, cycle.lastCompletedAt);
  }
  return best;
};
