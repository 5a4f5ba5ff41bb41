import { absUnits, addUnits, negUnits, type Units } from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import type { FillAmounts } from "../metrics/fill-amounts.js";
import { selfTradePartner, type RoundTripSide } from "../metrics/round-trips.js";

/**
 * What the trader page shows of a round trip beyond what ../metrics/round-trips.ts tracks: the
 * largest size the position reached, and the fill that closed it (a stable key for paging).
 *
 * The leaderboard builds round trips for every fill of every trader, so rather than make that
 * hot path carry two more figures, this replays the same steps on the position alone: the first
 * `startPosition` of each coin, self-trade pairs as one step that leaves the position unchanged,
 * gaps (a `startPosition` that disagrees with ours) trusted and ending the round trip when they
 * change the side, flips closing one round trip and opening the next. Each step that ends a round
 * trip there ends one here, so the results line up one for one with roundTripUnits' `closed`.
 */

export interface RoundTripExtent {
  coin: string;
  side: RoundTripSide;
  opened_at: number;
  closed_at: number;
  /** The largest |position| during the round trip, in units of 10^-scales.size. */
  maxSize: Units;
  /** tid of the fill that closed it (its last known fill when a gap ended it). */
  closeTid: number;
}

interface OpenExtent {
  side: RoundTripSide;
  opened_at: number;
  maxSize: Units;
  lastFillAt: number;
  lastTid: number;
}

const sign = (x: Units): -1 | 0 | 1 => (x > 0 ? 1 : x < 0 ? -1 : 0);

const open = (position: Units, time: number, tid: number): OpenExtent => ({
  side: position > 0 ? "long" : "short",
  opened_at: time,
  maxSize: absUnits(position),
  lastFillAt: time,
  lastTid: tid,
});

const reach = (trip: OpenExtent, position: Units, time: number, tid: number): void => {
  const size = absUnits(position);
  if (size > trip.maxSize) trip.maxSize = size;
  trip.lastFillAt = time;
  trip.lastTid = tid;
};

/**
 * The closed round trips of `sorted` (perp fills, deduplicated, sorted with `compareFills`, read
 * into `a` by readFillAmounts) in the order of roundTripUnits' `closed`: by closing time, ties in
 * the order they closed.
 */
export const closedRoundTripExtents = (sorted: readonly Fill[], a: FillAmounts): RoundTripExtent[] => {
  const s = a.scales;
  const coins = new Map<string, { position: Units; trip: OpenExtent | null }>();
  const closed: RoundTripExtent[] = [];
  const paired = new Uint8Array(sorted.length);
  const end = (coin: string, trip: OpenExtent, closedAt: number, tid: number): void => {
    closed.push({ coin, side: trip.side, opened_at: trip.opened_at, closed_at: closedAt, maxSize: trip.maxSize, closeTid: tid });
  };

  for (let i = 0; i < sorted.length; i++) {
    if (paired[i] === 1) continue;
    const fill = sorted[i]!;
    const { coin, time, tid } = fill;
    const partner = selfTradePartner(sorted, a, i, paired);
    if (partner >= 0) paired[partner] = 1;

    const start = a.startPosition.get(i, s.size);
    let state = coins.get(coin);
    if (state === undefined) {
      state = { position: start, trip: start === 0 ? null : open(start, time, tid) };
      coins.set(coin, state);
    } else if (state.position !== start) {
      // Gap: the exchange's position is the truth.
      if (sign(state.position) !== sign(start)) {
        if (state.trip !== null) end(coin, state.trip, state.trip.lastFillAt, state.trip.lastTid);
        state.trip = start === 0 ? null : open(start, time, tid);
      } else if (state.trip !== null) {
        reach(state.trip, start, state.trip.lastFillAt, state.trip.lastTid);
      }
      state.position = start;
    }

    if (partner >= 0) {
      if (state.trip !== null) reach(state.trip, state.position, time, sorted[partner]!.tid);
      continue;
    }

    const size = a.sz.get(i, s.size);
    const before = state.position;
    const after = addUnits(before, fill.side === "B" ? size : negUnits(size));
    state.position = after;
    if (before === 0) {
      state.trip = open(after, time, tid);
    } else if (sign(after) === sign(before) || after === 0) {
      const trip = state.trip ?? (state.trip = open(before, time, tid));
      reach(trip, after, time, tid);
      if (after === 0) {
        end(coin, trip, time, tid);
        state.trip = null;
      }
    } else {
      end(coin, state.trip ?? open(before, time, tid), time, tid);
      state.trip = open(after, time, tid);
    }
  }

  // As roundTripUnits orders them: a gap ends a round trip at its last known fill.
  return closed.sort((x, y) => x.closed_at - y.closed_at);
};
