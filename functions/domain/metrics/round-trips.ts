import { BIG_SETTINGS } from "#commons/decimal.js";
import {
  absUnits,
  DecimalColumn,
  addUnits,
  divideUnits,
  formatUnits,
  mulUnits,
  negUnits,
  rescaleUnits,
  subUnits,
  type Units,
} from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { compareFills, isPerpFill } from "../fills.js";

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
 * parsed once into exact scaled integers (#commons/exact.js), one scale per kind of amount for the
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

export interface RoundTrips {
  /** In the order they closed. */
  closed: RoundTrip[];
  /** At most one per coin, in order of first appearance of the coin. */
  open: RoundTrip[];
}

/** The fills' amounts, each string read once; a kind of amount is read at one scale, its most decimals. */
interface Amounts {
  sz: DecimalColumn;
  startPosition: DecimalColumn;
  px: DecimalColumn;
  fee: DecimalColumn;
  closedPnl: DecimalColumn;
  scales: Scales;
}

interface Scales {
  /** `sz` and `startPosition`: positions are sums of sizes. */
  size: number;
  px: number;
  fee: number;
  closedPnl: number;
  /** px × size. */
  volume: number;
  /** Flip fee shares: a quotient to big.js's 20 places (or the fees' own, if finer). */
  split: number;
}

const readAmounts = (fills: readonly Fill[]): Amounts => {
  const n = fills.length;
  const a = { sz: new DecimalColumn(n), startPosition: new DecimalColumn(n), px: new DecimalColumn(n), fee: new DecimalColumn(n), closedPnl: new DecimalColumn(n) };
  for (let i = 0; i < n; i++) {
    const f = fills[i]!;
    a.sz.set(i, f.sz);
    a.startPosition.set(i, f.startPosition);
    a.px.set(i, f.px);
    a.fee.set(i, f.fee);
    a.closedPnl.set(i, f.closedPnl);
  }
  const size = Math.max(a.sz.places, a.startPosition.places);
  const scales = {
    size,
    px: a.px.places,
    fee: a.fee.places,
    closedPnl: a.closedPnl.places,
    volume: a.px.places + size,
    split: Math.max(a.fee.places, BIG_SETTINGS.divDecimals),
  };
  return { ...a, scales };
};

interface Accumulator {
  coin: string;
  side: RoundTripSide;
  openedAt: number;
  lastFillAt: number;
  /** At scales.closedPnl. */
  closedPnl: Units;
  /** Whole fills' fees, at scales.fee. */
  fees: Units;
  /** Flip fills' shares of their fee, at scales.split. */
  splitFees: Units;
  /** At scales.volume. */
  volume: Units;
  fills: number;
  partialStart: boolean;
  missingFills: boolean;
}

interface CoinState {
  /** At scales.size. */
  position: Units;
  trip: Accumulator | null;
}

const sideOf = (position: Units): RoundTripSide => (position > 0 ? "long" : "short");

const sign = (x: Units): -1 | 0 | 1 => (x > 0 ? 1 : x < 0 ? -1 : 0);

const startTrip = (coin: string, position: Units, time: number, partialStart: boolean): Accumulator => ({
  coin,
  side: sideOf(position),
  openedAt: time,
  lastFillAt: time,
  closedPnl: 0,
  fees: 0,
  splitFees: 0,
  volume: 0,
  fills: 0,
  partialStart,
  missingFills: false,
});

/** Adds fill `i` whole (`size`: its sz, already read). */
const addFill = (trip: Accumulator, a: Amounts, i: number, time: number, size: Units): void => {
  const s = a.scales;
  trip.closedPnl = addUnits(trip.closedPnl, a.closedPnl.get(i, s.closedPnl));
  trip.fees = addUnits(trip.fees, a.fee.get(i, s.fee));
  trip.volume = addUnits(trip.volume, mulUnits(a.px.get(i, s.px), size));
  trip.fills += 1;
  trip.lastFillAt = time;
};

/** Adds a share of a flip fill: `size` of its sz, `fee` of its fee (at scales.split), `closedPnl` of its closedPnl. */
const addShare = (trip: Accumulator, time: number, px: Units, size: Units, fee: Units, closedPnl: Units): void => {
  trip.closedPnl = addUnits(trip.closedPnl, closedPnl);
  trip.splitFees = addUnits(trip.splitFees, fee);
  trip.volume = addUnits(trip.volume, mulUnits(px, size));
  trip.fills += 1;
  trip.lastFillAt = time;
};

const finish = (trip: Accumulator, closedAt: number | null, s: Scales): RoundTrip => {
  // Without flip shares the fees stay at their own scale: the common case, and the cheaper one.
  const feeScale = trip.splitFees === 0 ? s.fee : s.split;
  const fees = feeScale === s.fee ? trip.fees : addUnits(rescaleUnits(trip.fees, s.split - s.fee), trip.splitFees);
  const pnlScale = Math.max(s.closedPnl, feeScale);
  const realized = subUnits(rescaleUnits(trip.closedPnl, pnlScale - s.closedPnl), rescaleUnits(fees, pnlScale - feeScale));
  return {
    coin: trip.coin,
    side: trip.side,
    opened_at: trip.openedAt,
    closed_at: closedAt,
    realized_pnl: formatUnits(realized, pnlScale),
    fees: formatUnits(fees, feeScale),
    volume_usd: formatUnits(trip.volume, s.volume),
    fills: trip.fills,
    hold_ms: closedAt === null ? null : closedAt - trip.openedAt,
    partial_start: trip.partialStart,
    missing_fills: trip.missingFills,
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
  const a = readAmounts(sorted);
  const s = a.scales;
  const coins = new Map<string, CoinState>();
  const closed: RoundTrip[] = [];
  // Steps: one fill, or a self-trade pair applied together at the place of its first half.
  const paired = new Uint8Array(sorted.length);

  for (let i = 0; i < sorted.length; i++) {
    if (paired[i] === 1) continue;
    const first = sorted[i]!;
    const time = first.time;
    const partner = selfTradePartner(sorted, a, i, paired);
    if (partner >= 0) paired[partner] = 1;

    const start = a.startPosition.get(i, s.size);
    let state = coins.get(first.coin);
    if (state === undefined) {
      state = { position: start, trip: start === 0 ? null : startTrip(first.coin, start, time, true) };
      coins.set(first.coin, state);
    } else if (state.position !== start) {
      // Gap: trust the exchange's position.
      if (state.trip !== null) state.trip.missingFills = true;
      if (sign(state.position) !== sign(start)) {
        if (state.trip !== null) closed.push(finish(state.trip, state.trip.lastFillAt, s));
        state.trip = start === 0 ? null : startTrip(first.coin, start, time, true);
      }
      state.position = start;
    }

    if (partner >= 0) {
      // Self-trade: the position does not move; its money belongs to the round trip in progress.
      const trip = state.trip;
      if (trip !== null) {
        addFill(trip, a, i, time, a.sz.get(i, s.size));
        addFill(trip, a, partner, sorted[partner]!.time, a.sz.get(partner, s.size));
      }
      continue;
    }

    const size = a.sz.get(i, s.size);
    const before = state.position;
    const after = addUnits(before, first.side === "B" ? size : negUnits(size));
    state.position = after;
    if (before === 0) {
      state.trip = startTrip(first.coin, after, time, false);
      addFill(state.trip, a, i, time, size);
    } else if (sign(after) === sign(before) || after === 0) {
      // Add, partial close or full close: the whole fill is this round trip's.
      const trip = state.trip ?? (state.trip = startTrip(first.coin, before, time, true));
      addFill(trip, a, i, time, size);
      if (after === 0) {
        closed.push(finish(trip, time, s));
        state.trip = null;
      }
    } else {
      // Flip: |before| closes the old round trip, the rest opens the new one. The fee is split pro
      // rata by size, fee × |before| / sz rounded as big.js divides (20 places, half up); the
      // opening part takes the remainder, so the fill's fee is conserved exactly. closedPnl is all
      // the closing part's, since opening realizes nothing.
      const trip = state.trip ?? startTrip(first.coin, before, time, true);
      const px = a.px.get(i, s.px);
      const fee = a.fee.get(i, s.fee);
      const closeSize = absUnits(before);
      const closeFee = splitFee(fee, closeSize, size, s);
      addShare(trip, time, px, closeSize, closeFee, a.closedPnl.get(i, s.closedPnl));
      closed.push(finish(trip, time, s));
      state.trip = startTrip(first.coin, after, time, false);
      addShare(state.trip, time, px, subUnits(size, closeSize), subUnits(rescaleUnits(fee, s.split - s.fee), closeFee), 0);
    }
  }

  const openTrips = [...coins.values()].flatMap((c) => (c.trip === null ? [] : [finish(c.trip, null, s)]));
  // A gap closes a round trip at its last known fill, which can be earlier than closes already seen.
  closed.sort((x, y) => (x.closed_at ?? 0) - (y.closed_at ?? 0));
  return { closed, open: openTrips };
};

/**
 * fee × part / whole (fee at scales.fee, part and whole at scales.size) as big.js's `div` gives it,
 * rounded to `divDecimals` places, at scales.split.
 */
const splitFee = (fee: Units, part: Units, whole: Units, s: Scales): Units => {
  const places = BIG_SETTINGS.divDecimals;
  // value = fee·part / (whole·10^fee); in units of 10^-places: fee·part·10^(places−fee) / whole.
  const numerator = rescaleUnits(mulUnits(fee, part), Math.max(0, places - s.fee));
  const denominator = rescaleUnits(whole, Math.max(0, s.fee - places));
  return rescaleUnits(divideUnits(numerator, denominator), s.split - places);
};
