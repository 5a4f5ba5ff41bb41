import type { Lane } from "./exchange.js";

/**
 * The exchange's weight budget as the rest of the code sees it (a port). Hyperliquid allows a
 * fixed weight per minute per egress IP; every request is paid for before it is sent.
 * Tracking has priority: beyond a small floor each, other lanes only get what tracking leaves.
 */
export interface WeightBudget {
  /**
   * Waits until `weight` may be spent by `lane`, then spends it. Rejects with BudgetTimeoutError
   * after `maxWaitMs`. `urgent` goes ahead of the lane's other waiters (not of its urgent ones).
   */
  take(lane: Lane, weight: number, opts?: { maxWaitMs?: number; signal?: AbortSignal; urgent?: boolean }): Promise<void>;
  /** Spends `weight` only if it is available right now; never waits. */
  tryTake(lane: Lane, weight: number): boolean;
  /** Records weight already spent whose size was only known from the response (per-item surcharges). Never waits. */
  charge(lane: Lane, weight: number): void;
  /** The exchange answered 429: send more slowly for a few seconds (never stop). */
  backoff(): void;
  snapshot(): BudgetSnapshot;
}

export interface BudgetSnapshot {
  limitPerMinute: number;
  /** While paced after a 429: the weight per minute currently allowed; null when not paced. */
  pacedPerMinute: number | null;
  /** Weight spent in the current window, per lane. */
  usedByLane: Record<Lane, number>;
  /** Total weight spent since the process started, per lane. */
  totalByLane: Record<Lane, number>;
  /** Number of 429 back-offs so far. */
  backoffs: number;
}
