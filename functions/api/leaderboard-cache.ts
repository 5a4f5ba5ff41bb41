import type {
  LeaderboardOrder,
  LeaderboardSnapshot,
  LeaderboardSortField,
  LeaderboardStore,
} from "#domain/leaderboard.js";

/**
 * Snapshots change once per metrics run, so each process keeps what it read for `ttlMs`: one
 * DynamoDB read per ordering per TTL, however many clients ask. Concurrent misses share one read.
 * A missing snapshot is cached too (it is the common state until the metrics job runs).
 */
export interface LeaderboardCache {
  get(sortBy: LeaderboardSortField, order: LeaderboardOrder): Promise<LeaderboardSnapshot | null>;
  /** Drops everything; returns how many orderings were cached. */
  clear(): number;
}

export const createLeaderboardCache = (store: LeaderboardStore, ttlMs: number, now: () => number): LeaderboardCache => {
  const entries = new Map<string, { value: Promise<LeaderboardSnapshot | null>; expires: number }>();
  return {
    get(sortBy, order) {
      const key = `${sortBy}#${order}`;
      const hit = entries.get(key);
      if (hit !== undefined && hit.expires > now()) return hit.value;
      const value = store.snapshot(sortBy, order);
      entries.set(key, { value, expires: now() + ttlMs });
      // A failed read must not be served from the cache until it expires.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
    clear() {
      const n = entries.size;
      entries.clear();
      return n;
    },
  };
};
