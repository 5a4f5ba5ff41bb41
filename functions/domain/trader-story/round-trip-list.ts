import { formatUnits, formatUnitsPlain } from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { printRoundTrip } from "../metrics/round-trips.js";
import { replay, type Replay } from "../metrics/trader-replay.js";
import type { FundingPayment, MetricWindow } from "../metrics/types.js";
import { dexOfCoin } from "../perp-universe.js";
import { inWindow } from "./windows.js";

/**
 * The trader page's list of round trips: the very round trips the leaderboard counts
 * (../metrics/round-trips.ts, README "Round trips"), i.e. closed in the window and fully known
 * (neither `partial_start` nor `missing_fills`), so that the list and the leaderboard's
 * `round_trips` agree. Newest closed first; paged by the closing fill, which new fills never move.
 */

export interface ListedRoundTrip {
  coin: string;
  /** The coin's perp dex: `""` the main dex, else a builder dex's name. */
  dex: string;
  side: "LONG" | "SHORT";
  opened_at: number;
  closed_at: number;
  hold_ms: number;
  /** The largest absolute size the position reached, exact decimal. */
  max_size: string;
  volume_usd: string;
  /** Σ closedPnl − Σ fee of its fills, plus `funding`. */
  realized_pnl: string;
  /** Funding of its coin while it was open (../metrics/funding.ts), signed for the trader. */
  funding: string;
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

/**
 * Counted round trips of `fills` (any order, spot ignored, fills and funding after `now` left out)
 * closed in the window, newest first, their PnL with funding as the leaderboard counts it.
 */
export const listRoundTrips = (
  fills: readonly Fill[],
  window: MetricWindow,
  now: number,
  fundingPayments: readonly FundingPayment[] = [],
): ListedRoundTrip[] => listReplayed(replay(null, fills, fundingPayments, now)).filter((rt) => inWindow(rt.closed_at, window, now));

/**
 * The counted round trips a replay closed (../metrics/trader-replay.ts: after its checkpoint's
 * horizon, or all of them), newest first: the same replay gives the leaderboard rows, so the list
 * and the rows cannot disagree. A round trip opened before the horizon is carried whole by the checkpoint.
 */
export const listReplayed = (r: Replay): ListedRoundTrip[] => {
  const s = r.amounts.scales;
  const out = r.counted.map((units, i): ListedRoundTrip => {
    const closedAt = units.closed_at!;
    const trip = printRoundTrip(units, s);
    return {
      coin: trip.coin,
      dex: dexOfCoin(trip.coin),
      side: trip.side === "long" ? "LONG" : "SHORT",
      opened_at: trip.opened_at,
      closed_at: closedAt,
      hold_ms: trip.hold_ms ?? closedAt - trip.opened_at,
      max_size: formatUnitsPlain(units.maxSize, s.size),
      volume_usd: trip.volume_usd,
      realized_pnl: formatUnits(r.pnl[i]!, r.tripScale),
      funding: formatUnits(r.fundingOf(units, closedAt), r.funding.scale),
      fees: trip.fees,
      fills: trip.fills,
      close_tid: units.lastTid,
    };
  });
  return out.sort(newestFirst);
};
