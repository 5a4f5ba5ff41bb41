/**
 * PRE-OPTIMISATION REFERENCE — do not use outside tests.
 *
 * This is `buildRoundTrips` exactly as it was before it moved to scaled-integer arithmetic
 * (big.js for every operation). It is kept only so that ./round-trips-differential.test.ts can
 * check that the fast implementation returns the very same round trips, string for string.
 * Do not "fix" or optimise it: its value is in being the old behaviour, unchanged.
 */
import { dec, decStr, sign, ZERO, type Decimal } from "#commons/decimal.js";
import type { Fill } from "#domain/exchange.js";
import { compareFills, isPerpFill } from "#domain/fills.js";
import type { RoundTrip, RoundTripSide, RoundTrips } from "#domain/metrics/round-trips.js";

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
export const referenceBuildRoundTrips = (fills: readonly Fill[]): RoundTrips => {
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
