import { BIG_SETTINGS } from "#commons/decimal.js";
import {
  absUnits,
  addUnits,
  divideToPlaces,
  formatUnits,
  mulUnits,
  negUnits,
  rescaleUnits,
  subUnits,
  type Scaled,
  type Units,
} from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { compareFills, isPerpFill } from "../fills.js";
import { readFillAmounts, type AmountScales as Scales, type FillAmounts as Amounts } from "./fill-amounts.js";

/**
 * Round trips: the life of a position in one coin, from the fill that takes its size away from 0
 * to the fill that brings it back. A flip ("Long > Short") closes one round trip and opens the
 * next in the same fill; partial closes stay inside their round trip.
 *
 * The position is tracked from the first fill's `startPosition` plus each fill's signed size
 * (B = +sz, A = −sz), with two corrections that real fills need (both seen in the 2023 recording):
 *
 * - Self-trades. When an account trades with itself the exchange reports two fills in the same
 *   millisecond and transaction (same hash), opposite sides, same size, and BOTH carry the position
 *   before the trade as `startPosition`. Applied one after the other they could fake a flip and back
 *   (a zero-length round trip that would count as a close). Their net size is 0, so we apply the
 *   pair as one step that leaves the position unchanged; their closedPnl and fees are real money
 *   booked by the exchange and go to the round trip open at that moment (none if flat).
 * - Gaps. A fill whose `startPosition` differs from our running position means fills are missing
 *   (e.g. the other half of a self-trade fell outside the page we have). We trust the exchange:
 *   the position is reset to `startPosition`, the round trip in progress is flagged
 *   `missing_fills`, and if the reset changes the side (or flattens it), that round trip ends at
 *   its last known fill and a new one opens, flagged `partial_start` when it is not flat.
 *
 * A round trip already open at the first fill we have of its coin (`startPosition` ≠ 0) is
 * `partial_start`: the fills that opened it, their fees and part of its PnL are unknown, so its
 * realized PnL and hold time would be wrong; metrics leave such round trips (and `missing_fills`
 * ones) out of win rate, profit and hold figures.
 *
 * Arithmetic: this runs for every fill of every trader the leaderboard ranks, so amounts are
 * parsed once into exact scaled integers (./fill-amounts.ts), one scale per kind of amount for the
 * whole call (the most decimals seen), and only the results are printed. The figures are those
 * big.js gave, digit for digit, including the flip fee split (a division to 20 places).
 */

export type RoundTripSide = "long" | "short";

export interface RoundTrip {
  coin: string;
  side: RoundTripSide;
  /** Time of the first fill we have of it (the real opening when not `partial_start`). */
  opened_at: number;
  /** Time of the fill that brought the size back to 0 (or its last known fill after a gap); null while open. */
  closed_at: number | null;
  /** Σ closedPnl − Σ fee of its fills (its share of a flip fill), exact decimal string. */
  realized_pnl: string;
  fees: string;
  /** Σ px × sz of its fills (its share of a flip fill). */
  volume_usd: string;
  /** Fills that touched it; a flip fill counts in both round trips it belongs to. */
  fills: number;
  /** closed_at − opened_at in milliseconds; null while open. */
  hold_ms: number | null;
  /** Already open at the first fill we have: its opening fills are unknown. */
  partial_start: boolean;
  /** Fills are missing somewhere in its life (see gaps above). */
  missing_fills: boolean;
}

export interface RoundTrips<T = RoundTrip> {
  /** In the order they closed. */
  closed: T[];
  /** At most one per coin, in order of first appearance of the coin. */
  open: T[];
}

/**
 * A round trip with its amounts still exact scaled integers, as it is built. buildRoundTrips
 * prints them; the leaderboard reads them as they are, printing only the few amounts it shows.
 */
export interface RoundTripUnits extends Omit<RoundTrip, "realized_pnl" | "fees" | "volume_usd"> {
  lastFillAt: number;
  /** tid of its last fill: the one that closed it, or its last known one when a gap ended it. */
  lastTid: number;
  /** The largest |position| it reached, at scales.size (the trader page shows it). */
  maxSize: Units;
  /** At scales.closedPnl. */
  closedPnl: Units;
  /** At feeScale: scales.fee, or finer once a flip fill's share of its fee needs more decimals. */
  fees: Units;
  feeScale: number;
  /** At scales.volume. */
  volume: Units;
}

/**
 * Where one coin stands between two fills: its position and the round trip in progress. What a
 * metrics checkpoint (./checkpoint.ts) keeps of a coin, so a later replay continues it exactly.
 */
export interface CoinState {
  /** At scales.size. */
  position: Units;
  trip: RoundTripUnits | null;
}

const sideOf = (position: Units): RoundTripSide => (position > 0 ? "long" : "short");

const sign = (x: Units): -1 | 0 | 1 => (x > 0 ? 1 : x < 0 ? -1 : 0);

const startTrip = (coin: string, position: Units, time: number, tid: number, partialStart: boolean, s: Scales): RoundTripUnits => ({
  coin,
  side: sideOf(position),
  opened_at: time,
  closed_at: null,
  fills: 0,
  hold_ms: null,
  partial_start: partialStart,
  missing_fills: false,
  lastFillAt: time,
  lastTid: tid,
  maxSize: absUnits(position),
  closedPnl: 0,
  fees: 0,
  feeScale: s.fee,
  volume: 0,
});

/** Adds (a share of) fill `tid`: `size` of its sz at `px`, `fee` (at `feeScale`) of its fee, `closedPnl` of its closedPnl. */
const add = (trip: RoundTripUnits, time: number, tid: number, px: Units, size: Units, fee: Units, feeScale: number, closedPnl: Units): void => {
  trip.closedPnl = addUnits(trip.closedPnl, closedPnl);
  if (feeScale > trip.feeScale) {
    trip.fees = rescaleUnits(trip.fees, feeScale - trip.feeScale);
    trip.feeScale = feeScale;
  }
  trip.fees = addUnits(trip.fees, rescaleUnits(fee, trip.feeScale - feeScale));
  trip.volume = addUnits(trip.volume, mulUnits(px, size));
  trip.fills += 1;
  trip.lastFillAt = time;
  trip.lastTid = tid;
};

/** The position moved to `position` within the round trip. */
const reach = (trip: RoundTripUnits, position: Units): void => {
  const size = absUnits(position);
  if (size > trip.maxSize) trip.maxSize = size;
};

/** Adds fill `i` (sorted[i]) whole; `size` is its sz, already read. */
const addWhole = (trip: RoundTripUnits, sorted: readonly Fill[], a: Amounts, i: number, size: Units): void => {
  const s = a.scales;
  const fill = sorted[i]!;
  add(trip, fill.time, fill.tid, a.px.get(i, s.px), size, a.fee.get(i, s.fee), s.fee, a.closedPnl.get(i, s.closedPnl));
};

/** Ends a round trip at `closedAt` (its closing fill, or its last known fill after a gap). */
const close = (trip: RoundTripUnits, closedAt: number): RoundTripUnits => {
  trip.closed_at = closedAt;
  trip.hold_ms = closedAt - trip.opened_at;
  return trip;
};

/** Its realized PnL, Σ closedPnl − Σ fee, in units of 10^-scale (at least realizedScale's). */
export const realizedUnits = (trip: RoundTripUnits, s: Scales, scale: number): Units =>
  subUnits(rescaleUnits(trip.closedPnl, scale - s.closedPnl), rescaleUnits(trip.fees, scale - trip.feeScale));

/** The fewest decimals that hold a round trip's realized PnL exactly. */
export const realizedScale = (trip: RoundTripUnits, s: Scales): number => Math.max(s.closedPnl, trip.feeScale);

/** Its amounts as exact decimal strings, as buildRoundTrips returns it. */
export const printRoundTrip = (trip: RoundTripUnits, s: Scales): RoundTrip => {
  const pnlScale = realizedScale(trip, s);
  return {
    coin: trip.coin,
    side: trip.side,
    opened_at: trip.opened_at,
    closed_at: trip.closed_at,
    realized_pnl: formatUnits(realizedUnits(trip, s, pnlScale), pnlScale),
    fees: formatUnits(trip.fees, trip.feeScale),
    volume_usd: formatUnits(trip.volume, s.volume),
    fills: trip.fills,
    hold_ms: trip.hold_ms,
    partial_start: trip.partial_start,
    missing_fills: trip.missing_fills,
  };
};

/**
 * The other half of a self-trade starting at sorted[i] (same coin, millisecond and hash, opposite
 * side, equal size and startPosition), or -1. Fills already paired are skipped.
 */
const selfTradePartner = (sorted: readonly Fill[], a: Amounts, i: number, paired: Uint8Array): number => {
  const f = sorted[i]!;
  const scale = a.scales.size;
  for (let j = i + 1; j < sorted.length; j++) {
    const g = sorted[j]!;
    if (g.time !== f.time) break;
    if (
      paired[j] === 0 &&
      g.coin === f.coin &&
      g.hash === f.hash &&
      g.side !== f.side &&
      a.sz.get(j, scale) === a.sz.get(i, scale) &&
      a.startPosition.get(j, scale) === a.startPosition.get(i, scale)
    ) {
      return j;
    }
  }
  return -1;
};

/**
 * Round trips of every perpetual coin in `fills` (spot fills are ignored). Fills may come in any
 * order: they are sorted oldest first with `compareFills` (ties in a millisecond by `tid`, which is
 * the exchange's execution order). They should already be deduplicated.
 */
export const buildRoundTrips = (fills: readonly Fill[]): RoundTrips => {
  const sorted = fills.filter(isPerpFill).sort(compareFills);
  const a = readFillAmounts(sorted);
  const { closed, open } = roundTripUnits(sorted, a);
  return { closed: closed.map((t) => printRoundTrip(t, a.scales)), open: open.map((t) => printRoundTrip(t, a.scales)) };
};

/**
 * buildRoundTrips, unprinted, for a caller that holds the perp fills already deduplicated, sorted
 * with `compareFills` and read (`a` from readFillAmounts(sorted)), and needs their amounts for more.
 *
 * `coins` is where each coin stood before the first of these fills (empty: nothing before them),
 * its amounts at a.scales; it is advanced in place and returned, so a replay can go on from it.
 */
export const roundTripUnits = (
  sorted: readonly Fill[],
  a: Amounts,
  coins = new Map<string, CoinState>(),
): RoundTrips<RoundTripUnits> & { coins: Map<string, CoinState> } => {
  const s = a.scales;
  const closed: RoundTripUnits[] = [];
  // Steps: one fill, or a self-trade pair applied together at the place of its first half.
  const paired = new Uint8Array(sorted.length);

  for (let i = 0; i < sorted.length; i++) {
    if (paired[i] === 1) continue;
    const first = sorted[i]!;
    const { time, tid } = first;
    const partner = selfTradePartner(sorted, a, i, paired);
    if (partner >= 0) paired[partner] = 1;

    const start = a.startPosition.get(i, s.size);
    let state = coins.get(first.coin);
    if (state === undefined) {
      state = { position: start, trip: start === 0 ? null : startTrip(first.coin, start, time, tid, true, s) };
      coins.set(first.coin, state);
    } else if (state.position !== start) {
      // Gap: trust the exchange's position.
      if (state.trip !== null) state.trip.missing_fills = true;
      if (sign(state.position) !== sign(start)) {
        if (state.trip !== null) closed.push(close(state.trip, state.trip.lastFillAt));
        state.trip = start === 0 ? null : startTrip(first.coin, start, time, tid, true, s);
      } else if (state.trip !== null) {
        reach(state.trip, start);
      }
      state.position = start;
    }

    if (partner >= 0) {
      // Self-trade: the position does not move; its money belongs to the round trip in progress.
      const trip = state.trip;
      if (trip !== null) {
        addWhole(trip, sorted, a, i, a.sz.get(i, s.size));
        addWhole(trip, sorted, a, partner, a.sz.get(partner, s.size));
      }
      continue;
    }

    const size = a.sz.get(i, s.size);
    const before = state.position;
    const after = addUnits(before, first.side === "B" ? size : negUnits(size));
    state.position = after;
    if (before === 0) {
      state.trip = startTrip(first.coin, after, time, tid, false, s);
      addWhole(state.trip, sorted, a, i, size);
    } else if (sign(after) === sign(before) || after === 0) {
      // Add, partial close or full close: the whole fill is this round trip's.
      const trip = state.trip ?? (state.trip = startTrip(first.coin, before, time, tid, true, s));
      addWhole(trip, sorted, a, i, size);
      reach(trip, after);
      if (after === 0) {
        closed.push(close(trip, time));
        state.trip = null;
      }
    } else {
      // Flip: |before| closes the old round trip, the rest opens the new one. The fee is split pro
      // rata by size; closedPnl is all the closing part's, since opening realizes nothing.
      const trip = state.trip ?? startTrip(first.coin, before, time, tid, true, s);
      const px = a.px.get(i, s.px);
      const closeSize = absUnits(before);
      const [closeFee, openFee] = splitFee(a.fee.get(i, s.fee), closeSize, size, s);
      add(trip, time, tid, px, closeSize, closeFee.units, closeFee.scale, a.closedPnl.get(i, s.closedPnl));
      closed.push(close(trip, time));
      state.trip = startTrip(first.coin, after, time, tid, false, s);
      add(state.trip, time, tid, px, subUnits(size, closeSize), openFee.units, openFee.scale, 0);
    }
  }

  const open = [...coins.values()].flatMap((c) => (c.trip === null ? [] : [c.trip]));
  // A gap closes a round trip at its last known fill, which can be earlier than closes already seen.
  closed.sort((x, y) => (x.closed_at ?? 0) - (y.closed_at ?? 0));
  return { closed, open, coins };
};

/**
 * A flip fill's fee (at scales.fee) split pro rata by size: fee × part / whole for the closing
 * part, as big.js divides (to 20 decimal places, half up), and the remainder for the opening part,
 * so the fill's fee is conserved exactly.
 */
const splitFee = (fee: Units, part: Units, whole: Units, s: Scales): [Scaled, Scaled] => {
  // In fee units (10^-scales.fee), big.js's 20 decimal places are 20 − scales.fee of them.
  const share = divideToPlaces(mulUnits(fee, part), whole, BIG_SETTINGS.divDecimals - s.fee);
  const scale = s.fee + share.scale;
  return [
    { units: share.units, scale },
    { units: subUnits(rescaleUnits(fee, share.scale), share.units), scale },
  ];
};
