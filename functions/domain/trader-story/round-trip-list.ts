import { formatUnitsPlain } from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { dedupeFills, isPerpFill } from "../fills.js";
import { readFillAmounts } from "../metrics/fill-amounts.js";
import { buildRoundTrips } from "../metrics/round-trips.js";
import type { MetricWindow } from "../metrics/types.js";
import { closedRoundTripExtents } from "./round-trip-extents.js";
import { inWindow } from "./windows.js";

/**
 * The trader page's list of round trips: the very round trips the leaderboard counts
 * (../metrics/round-trips.ts, README "Round trips"), i.e. closed in the window and fully known
 * (neither `partial_start` nor `missing_fills`), so that the list and the leaderboard's
 * `round_trips` agree. Newest closed first; paged by the closing fill, which new fills never move.
 */

export interface ListedRoundTrip {
  coin: string;
  side: "LONG" | "SHORT";
  opened_at: number;
  closed_at: number;
  hold_ms: number;
  /** The largest absolute size the position reached, exact decimal. */
  max_size: string;
  volume_usd: string;
  /** Σ closedPnl − Σ fee of its fills. */
  realized_pnl: string;
  fees: string;
  fills: number;
  /** tid of the fill that closed it: with closed_at, its place in the list. */
  close_tid: number;
}

/** Where a page ends: the last round trip it holds. */
export interface RoundTripPosition {
  closedAt: number;
  closeTid: number;
}

/** Newest first: by closing time, then by the closing fill's tid (the exchange's execution order). */
const newestFirst = (x: ListedRoundTrip, y: ListedRoundTrip): number => y.closed_at - x.closed_at || y.close_tid - x.close_tid;

/** Counted round trips of `fills` (any order, spot ignored, fills after `now` left out) closed in the window, newest first. */
export const listRoundTrips = (fills: readonly Fill[], window: MetricWindow, now: number): ListedRoundTrip[] => {
  const sorted = dedupeFills(fills).filter((f) => f.time <= now && isPerpFill(f));
  const { closed } = buildRoundTrips(sorted);
  const amounts = readFillAmounts(sorted);
  const extents = closedRoundTripExtents(sorted, amounts);
  const out: ListedRoundTrip[] = [];
  for (const [i, trip] of closed.entries()) {
    const extent = extents[i];
    if (
      extent === undefined ||
      extent.coin !== trip.coin ||
      extent.side !== trip.side ||
      extent.opened_at !== trip.opened_at ||
      extent.closed_at !== trip.closed_at
    ) {
      throw new Error(`Round trip ${i} (${trip.coin}, closed at ${trip.closed_at}) has no matching extent: the two replays disagree`);
    }
    if (trip.partial_start || trip.missing_fills || trip.closed_at === null || !inWindow(trip.closed_at, window, now)) continue;
    out.push({
      coin: trip.coin,
      side: trip.side === "long" ? "LONG" : "SHORT",
      opened_at: trip.opened_at,
      closed_at: trip.closed_at,
      hold_ms: trip.hold_ms ?? trip.closed_at - trip.opened_at,
      max_size: formatUnitsPlain(extent.maxSize, amounts.scales.size),
      volume_usd: trip.volume_usd,
      realized_pnl: trip.realized_pnl,
      fees: trip.fees,
      fills: trip.fills,
      close_tid: extent.closeTid,
    });
  }
  return out.sort(newestFirst);
};

/**
 * One page of a newest-first list: the `limit` round trips after `after` (strictly older in the
 * list's order), and where the next page starts, or null at the end. A position that is no longer
 * in the list still pages correctly: the list is ordered by it, not by index.
 */
export const pageRoundTrips = (
  list: readonly ListedRoundTrip[],
  limit: number,
  after?: RoundTripPosition,
): { items: ListedRoundTrip[]; next: RoundTripPosition | null } => {
  const start =
    after === undefined
      ? 0
      : list.findIndex((rt) => rt.closed_at < after.closedAt || (rt.closed_at === after.closedAt && rt.close_tid < after.closeTid));
  if (start < 0) return { items: [], next: null };
  const items = list.slice(start, start + limit);
  const last = items.at(-1);
  return {
    items,
    next: start + limit < list.length && last !== undefined ? { closedAt: last.closed_at, closeTid: last.close_tid } : null,
  };
};
