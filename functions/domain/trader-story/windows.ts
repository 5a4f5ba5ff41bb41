import { WINDOW_MS, type MetricWindow } from "../metrics/types.js";

/**
 * The leaderboard's windows (README "Windows"), for the trader page: a window ends at `now` and
 * holds the times with `now − length < time ≤ now`; `all` has no start. Times after `now` (a clock
 * ahead of ours) belong to no window.
 */

/** The exclusive start of `window` ending at `now`; null for `all`. */
export const windowStartsAfter = (window: MetricWindow, now: number): number | null => {
  const length = WINDOW_MS[window];
  return length === null ? null : now - length;
};

export const inWindow = (time: number, window: MetricWindow, now: number): boolean => {
  const after = windowStartsAfter(window, now);
  return time <= now && (after === null || time > after);
};
