import { addUnits, mulUnits, negUnits, parseUnits, rescaleUnits, type Units } from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { dedupeFills, isPerpFill } from "../fills.js";
import type { BotActivity } from "./bots.js";
import { carryBotActivity } from "./checkpoint-bot.js";
import type { MetricsCheckpoint } from "./checkpoint.js";
import { readFillAmounts, type FillAmounts } from "./fill-amounts.js";
import { readFunding, type FundingAmounts } from "./funding.js";
import { realizedScale, realizedUnits, roundTripUnits, type CoinState, type RoundTripUnits } from "./round-trips.js";
import type { FundingPayment } from "./types.js";

/**
 * One pass over a trader's fills and funding after a point of his history (a metrics checkpoint,
 * ./checkpoint.ts, or the beginning): the round trips go on from where the checkpoint left each
 * coin, and its sums are read at the scales of this pass. Both the leaderboard rows
 * (./trader-metrics.ts) and the next checkpoint are made from it, so the round-trip, funding and
 * bot rules have one implementation whichever way the history is cut.
 */

// ---- sums --------------------------------------------------------------------------------------

/** Σ over fills; each amount at its column's scale (FillAmounts.scales: volume, fee, closedPnl). */
export interface FillSums {
  count: number;
  volume: Units;
  fees: Units;
  closedPnl: Units;
}

export const fillAdder = (a: FillAmounts) => {
  const s = a.scales;
  return (sums: FillSums, i: number): void => {
    sums.volume = addUnits(sums.volume, mulUnits(a.px.get(i, s.px), a.sz.get(i, s.size)));
    sums.fees = addUnits(sums.fees, a.fee.get(i, s.fee));
    sums.closedPnl = addUnits(sums.closedPnl, a.closedPnl.get(i, s.closedPnl));
    sums.count += 1;
  };
};

/** Over counted round trips; amounts at one scale, the finest of their realized PnLs. */
export interface TripSums {
  trips: number;
  wins: number;
  losses: number;
  grossWins: Units;
  /** Positive. */
  grossLosses: Units;
  /** The largest win; 0 without any. */
  best: Units;
  /** The largest |loss|; 0 without any. */
  worst: Units;
  holdMs: number;
}

/** Same rule as fill-metrics' countedRoundTrips: PnL and hold time fully known. */
const isCounted = (rt: RoundTripUnits): boolean => rt.closed_at !== null && !rt.partial_start && !rt.missing_fills;

export const tripAdder = (trips: readonly RoundTripUnits[], pnl: readonly Units[]) => (sums: TripSums, i: number): void => {
  sums.trips += 1;
  sums.holdMs += trips[i]!.hold_ms ?? 0;
  const value = pnl[i]!;
  if (value > 0) {
    sums.wins += 1;
    sums.grossWins = addUnits(sums.grossWins, value);
    if (value > sums.best) sums.best = value;
  } else if (value < 0) {
    const loss = negUnits(value);
    sums.losses += 1;
    sums.grossLosses = addUnits(sums.grossLosses, loss);
    if (loss > sums.worst) sums.worst = loss;
  }
};

/** a + b of two sums over disjoint parts of a history (same scales). */
export const addFillSums = (a: FillSums, b: FillSums): FillSums => ({
  count: a.count + b.count,
  volume: addUnits(a.volume, b.volume),
  fees: addUnits(a.fees, b.fees),
  closedPnl: addUnits(a.closedPnl, b.closedPnl),
});

export const addTripSums = (a: TripSums, b: TripSums): TripSums => ({
  trips: a.trips + b.trips,
  wins: a.wins + b.wins,
  losses: a.losses + b.losses,
  grossWins: addUnits(a.grossWins, b.grossWins),
  grossLosses: addUnits(a.grossLosses, b.grossLosses),
  best: a.best > b.best ? a.best : b.best,
  worst: a.worst > b.worst ? a.worst : b.worst,
  holdMs: a.holdMs + b.holdMs,
});

export const noFillSums = (): FillSums => ({ count: 0, volume: 0, fees: 0, closedPnl: 0 });
export const noTripSums = (): TripSums => ({ trips: 0, wins: 0, losses: 0, grossWins: 0, grossLosses: 0, best: 0, worst: 0, holdMs: 0 });

// ---- replay ------------------------------------------------------------------------------------

export interface Replay {
  /** Earliest fill of any kind, the checkpoint's included; null without any. */
  firstFillAt: number | null;
  /** Perp fills in (horizon, upTo], deduplicated and sorted. */
  perp: Fill[];
  amounts: FillAmounts;
  /** Round trips closed by these fills, in the order they closed. */
  closed: RoundTripUnits[];
  /** Where each coin stands after them (amounts at amounts.scales). */
  coins: Map<string, CoinState>;
  /** The closed round trips that count (./fill-metrics.ts), and each one's PnL, funding included, at tripScale. */
  counted: RoundTripUnits[];
  pnl: Units[];
  tripScale: number;
  /** Funding payments in (horizon, upTo]. */
  funding: FundingAmounts;
  /** Funding of a round trip's coin after its opening, to `upTo` (null: to the end), at funding.scale: what the checkpoint carried of it, plus these payments. */
  fundingOf(trip: RoundTripUnits, upTo: number | null): Units;
  /** The checkpoint's sums at the scales above; zero without one. */
  before: { fills: FillSums; trips: TripSums; funding: Units };
  /** The bot rule's activity, the checkpoint's carried over these fills; null when it dropped what these need (./checkpoint-bot.ts). */
  bot: BotActivity | null;
}

/**
 * Replays `fills` and `funding` after `base.horizon` (all of them without a base) up to `upTo`.
 * Fills and payments at or before the horizon are the checkpoint's already and are left out; fills
 * after `upTo` only count for the account's age.
 */
export const replay = (base: MetricsCheckpoint | null, fills: readonly Fill[], payments: readonly FundingPayment[] | undefined, upTo: number): Replay => {
  const horizon = base?.horizon ?? -Infinity;
  const sorted = dedupeFills(base === null ? fills : fills.filter((f) => f.time > horizon));
  const first = sorted[0]?.time ?? null;
  const firstFillAt = base?.firstFillAt == null ? first : first === null ? base.firstFillAt : Math.min(first, base.firstFillAt);
  const perp = sorted.filter((f) => f.time <= upTo && isPerpFill(f));

  const amounts = readFillAmounts(perp, base?.scales);
  const s = amounts.scales;
  const funding = readFunding(base === null ? payments : payments?.filter((p) => p.time > horizon), upTo, base?.scales.funding);
  const carried = new Map<RoundTripUnits, Units>();
  const coins = new Map<string, CoinState>();
  for (const c of base?.coins ?? []) {
    const t = c.trip;
    let trip: RoundTripUnits | null = null;
    if (t !== null) {
      const feeScale = Math.max(s.fee, t.feeScale);
      trip = {
        coin: c.coin,
        side: t.side,
        opened_at: t.opened_at,
        closed_at: null,
        fills: t.fills,
        hold_ms: null,
        partial_start: t.partial_start,
        missing_fills: t.missing_fills,
        lastFillAt: t.lastFillAt,
        lastTid: t.lastTid,
        maxSize: parseUnits(t.maxSize, s.size),
        closedPnl: parseUnits(t.closedPnl, s.closedPnl),
        fees: parseUnits(t.fees, feeScale),
        feeScale,
        volume: parseUnits(t.volume, s.volume),
      };
      carried.set(trip, parseUnits(t.funding, funding.scale));
    }
    coins.set(c.coin, { position: parseUnits(c.position, s.size), trip });
  }
  const { closed } = roundTripUnits(perp, amounts, coins);

  // Funding is part of each round trip's PnL (./funding.ts): the payments of its coin while it was open.
  const fundingOf = (trip: RoundTripUnits, end: number | null): Units =>
    addUnits(carried.get(trip) ?? 0, funding.ofCoin(trip.coin, trip.opened_at, end));
  const counted = closed.filter(isCounted);
  let tripScale = Math.max(s.closedPnl, funding.scale, base?.scales.trip ?? 0);
  for (const rt of counted) tripScale = Math.max(tripScale, realizedScale(rt, s));
  const pnl = counted.map((rt) => addUnits(realizedUnits(rt, s, tripScale), rescaleUnits(fundingOf(rt, rt.closed_at), tripScale - funding.scale)));

  const before = { fills: noFillSums(), trips: noTripSums(), funding: 0 as Units };
  if (base !== null) {
    const f = base.fills;
    const t = base.trips;
    before.fills = { count: f.count, volume: parseUnits(f.volume, s.volume), fees: parseUnits(f.fees, s.fee), closedPnl: parseUnits(f.closedPnl, s.closedPnl) };
    const at = (x: string): Units => parseUnits(x, tripScale);
    before.trips = { ...t, grossWins: at(t.grossWins), grossLosses: at(t.grossLosses), best: at(t.best), worst: at(t.worst) };
    before.funding = parseUnits(base.funding, funding.scale);
  }
  const bot = carryBotActivity(base?.bot ?? null, perp, closed);
  return { firstFillAt, perp, amounts, closed, coins, counted, pnl, tripScale, funding, fundingOf, before, bot };
};
