import { dec, decStr, sign, ZERO, type Decimal } from "#commons/decimal.js";
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

interface Accumulator {
  coin: string;
  side: RoundTripSide;
  openedAt: number;
  lastFillAt: number;
  closedPnl: Decimal;
  fees: Decimal;
  volume: Decimal;
  fills: number;
  partialStart: boolean;
  missingFills: boolean;
}

interface CoinState {
  position: Decimal;
  trip: Accumulator | null;
}

const signedSize = (f: Fill): Decimal => (f.side === "B" ? dec(f.sz) : dec(f.sz).neg());

const sideOf = (position: Decimal): RoundTripSide => (position.gt(0) ? "long" : "short");

const startTrip = (coin: string, position: Decimal, time: number, partialStart: boolean): Accumulator => ({
  coin,
  side: sideOf(position),
  openedAt: time,
  lastFillAt: time,
  closedPnl: ZERO,
  fees: ZERO,
  volume: ZERO,
  fills: 0,
  partialStart,
  missingFills: false,
});

/** Adds (a share of) one fill: `size` of its `sz`, `fee` of its fee, `closedPnl` of its closedPnl. */
const add = (trip: Accumulator, f: Fill, size: Decimal | string, fee: Decimal | string, closedPnl: Decimal | string): void => {
  trip.closedPnl = trip.closedPnl.plus(closedPnl);
  trip.fees = trip.fees.plus(fee);
  trip.volume = trip.volume.plus(dec(f.px).times(size));
  trip.fills += 1;
  trip.lastFillAt = f.time;
};

const finish = (trip: Accumulator, closedAt: number | null): RoundTrip => ({
  coin: trip.coin,
  side: trip.side,
  opened_at: trip.openedAt,
  closed_at: closedAt,
  realized_pnl: decStr(trip.closedPnl.minus(trip.fees)),
  fees: decStr(trip.fees),
  volume_usd: decStr(trip.volume),
  fills: trip.fills,
  hold_ms: closedAt === null ? null : closedAt - trip.openedAt,
  partial_start: trip.partialStart,
  missing_fills: trip.missingFills,
});

/** Self-trade halves: same coin, millisecond and hash, opposite sides, equal size and startPosition. */
const isSelfTradePair = (a: Fill, b: Fill): boolean =>
  a.coin === b.coin &&
  a.time === b.time &&
  a.hash === b.hash &&
  a.side !== b.side &&
  dec(a.sz).eq(b.sz) &&
  dec(a.startPosition).eq(b.startPosition);

/** Sorted fills → steps of one fill, or of a self-trade pair applied together. */
const toSteps = (sorted: readonly Fill[]): Fill[][] => {
  const used = new Set<number>();
  const steps: Fill[][] = [];
  sorted.forEach((f, i) => {
    if (used.has(i)) return;
    used.add(i);
    for (let j = i + 1; j < sorted.length; j++) {
      const g = sorted[j];
      if (g === undefined || g.time !== f.time) break;
      if (!used.has(j) && isSelfTradePair(f, g)) {
        used.add(j);
        steps.push([f, g]);
        return;
      }
    }
    steps.push([f]);
  });
  return steps;
};

/**
 * Round trips of every perpetual coin in `fills` (spot fills are ignored). Fills may come in any
 * order: they are sorted oldest first with `compareFills` (ties in a millisecond by `tid`, which is
 * the exchange's execution order). They should already be deduplicated.
 */
export const buildRoundTrips = (fills: readonly Fill[]): RoundTrips => {
  const sorted = fills.filter(isPerpFill).sort(compareFills);
  const coins = new Map<string, CoinState>();
  const closed: RoundTrip[] = [];

  for (const step of toSteps(sorted)) {
    const first = step[0];
    if (first === undefined) continue;
    const start = dec(first.startPosition);
    let state = coins.get(first.coin);
    if (state === undefined) {
      state = { position: start, trip: start.eq(0) ? null : startTrip(first.coin, start, first.time, true) };
      coins.set(first.coin, state);
    } else if (!state.position.eq(start)) {
      // Gap: trust the exchange's position.
      if (state.trip !== null) state.trip.missingFills = true;
      if (sign(state.position) !== sign(start)) {
        if (state.trip !== null) closed.push(finish(state.trip, state.trip.lastFillAt));
        state.trip = start.eq(0) ? null : startTrip(first.coin, start, first.time, true);
      }
      state.position = start;
    }

    if (step.length === 2) {
      // Self-trade: the position does not move; its money belongs to the round trip in progress.
      const trip = state.trip;
      if (trip !== null) for (const f of step) add(trip, f, f.sz, f.fee, f.closedPnl);
      continue;
    }

    const before = state.position;
    const after = before.plus(signedSize(first));
    state.position = after;
    if (before.eq(0)) {
      state.trip = startTrip(first.coin, after, first.time, false);
      add(state.trip, first, first.sz, first.fee, first.closedPnl);
    } else if (sign(after) === sign(before) || after.eq(0)) {
      // Add, partial close or full close: the whole fill is this round trip's.
      const trip = state.trip ?? (state.trip = startTrip(first.coin, before, first.time, true));
      add(trip, first, first.sz, first.fee, first.closedPnl);
      if (after.eq(0)) {
        closed.push(finish(trip, first.time));
        state.trip = null;
      }
    } else {
      // Flip: |before| closes the old round trip, the rest opens the new one. The fee is split pro
      // rata by size (the opening part takes the remainder, so the fill's fee is conserved exactly);
      // closedPnl is all the closing part's, since opening realizes nothing.
      const trip = state.trip ?? startTrip(first.coin, before, first.time, true);
      const closeSize = before.abs();
      const openSize = dec(first.sz).minus(closeSize);
      const closeFee = dec(first.fee).times(closeSize).div(first.sz);
      add(trip, first, closeSize, closeFee, first.closedPnl);
      closed.push(finish(trip, first.time));
      state.trip = startTrip(first.coin, after, first.time, false);
      add(state.trip, first, openSize, dec(first.fee).minus(closeFee), ZERO);
    }
  }

  const openTrips = [...coins.values()].flatMap((s) => (s.trip === null ? [] : [finish(s.trip, null)]));
  // A gap closes a round trip at its last known fill, which can be earlier than closes already seen.
  closed.sort((a, b) => (a.closed_at ?? 0) - (b.closed_at ?? 0));
  return { closed, open: openTrips };
};
