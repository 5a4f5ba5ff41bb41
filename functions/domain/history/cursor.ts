import type { StreamCursor } from "./ports.js";

/**
 * Paging a time-ordered history (fills, ledger) the way the exchange allows: each request returns
 * at most one page of items with `time >= startTime`, oldest first. Pure, so every edge is tested
 * without a network.
 */

export const initialCursor = (): StreamCursor => ({ cursor: 0, seen: [], caughtUp: false, syncedAt: null });

export interface PageStep<T> {
  next: StreamCursor;
  /** Items of the page not stored before (those at the cursor's millisecond may have been). */
  fresh: T[];
  /** The page was short: nothing newer exists right now. */
  caughtUp: boolean;
  /**
   * Set when a full page was all one millisecond: asking from that time again would return the
   * same page forever, so the cursor moves 1 ms past it and whatever else happened in that
   * millisecond cannot be read (the API offers no finer position than time).
   */
  skippedMillisecond?: number;
}

/**
 * Moves `state` past one page. `key` identifies an item within its millisecond (tid, hash).
 * `received` is how many items the exchange sent, when some of them are not in `page` (entries set
 * aside without a time): whether the page was full depends on what was sent.
 */
export const advanceCursor = <T extends { time: number }>(
  state: StreamCursor,
  page: readonly T[],
  pageSize: number,
  key: (item: T) => string,
  received: number = page.length,
): PageStep<T> => {
  const seen = new Set(state.seen);
  // Anything older than the cursor was stored by an earlier page; the API should not send it anyway.
  const fresh = page.filter((i) => i.time > state.cursor || (i.time === state.cursor && !seen.has(key(i))));
  if (page.length === 0) return { next: { ...state, caughtUp: true }, fresh, caughtUp: true };

  // Min and max rather than first and last: correctness must not hang on the page's order.
  let first = Infinity;
  let last = -Infinity;
  for (const i of page) {
    first = Math.min(first, i.time);
    last = Math.max(last, i.time);
  }
  const full = received >= pageSize;
  // The API never answers with only older items; if it did, no request from here could progress.
  if (last < state.cursor) return { next: { ...state, caughtUp: true }, fresh, caughtUp: true };
  if (full && first === last) {
    return {
      next: { ...state, cursor: last + 1, seen: [], caughtUp: false },
      fresh,
      caughtUp: false,
      skippedMillisecond: last,
    };
  }
  const atLast = page.filter((i) => i.time === last).map(key);
  const nextSeen = last === state.cursor ? [...new Set([...state.seen, ...atLast])] : [...new Set(atLast)];
  return { next: { ...state, cursor: last, seen: nextSeen, caughtUp: !full }, fresh, caughtUp: !full };
};
