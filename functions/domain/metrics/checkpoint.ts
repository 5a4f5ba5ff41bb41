import { addUnits, formatUnitsPlain, parseUnits, rescaleUnits, subUnits, type Units } from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { isPerpFill } from "../fills.js";
import type { LeaderboardRow } from "../leaderboard.js";
import { foldBot, type CheckpointBot } from "./checkpoint-bot.js";
import type { AmountScales } from "./fill-amounts.js";
import type { RoundTripSide } from "./round-trips.js";
import { traderRows, type TraderRowsInput } from "./trader-metrics.js";
import { addFillSums, addTripSums, fillAdder, noFillSums, noTripSums, replay, tripAdder } from "./trader-replay.js";
import { WINDOW_MS, type FundingPayment } from "./types.js";

/**
 * Metrics checkpoints: a trader's history up to a horizon H, folded into what his leaderboard
 * rows need of it, so that a run reads only what came after H.
 *
 * H is a time in ms, inclusive: the checkpoint holds every fill and funding payment with time ≤ H,
 * and none after. Cutting at a millisecond (not between two fills of one) keeps each
 * millisecond's fills together, so a self-trade pair (two fills of one transaction, same
 * millisecond) is never split, and the fills of a millisecond are replayed in tid order as one
 * pass over the whole history does.
 *
 * Why the rows from a checkpoint plus the fills and funding after H are exactly those of the whole
 * history (test/unit/metrics/checkpoint.test.ts checks it, field for field):
 * - every figure is a sum, a count or a maximum over fills, payments or round trips, and each of
 *   those falls on one side of H: fills and payments by their time; a counted round trip by its
 *   closing fill (a round trip a gap ends "at its last known fill" is never counted);
 * - the windows 1d, 7d, 30d start at or after H (rowsFromCheckpoint refuses otherwise), so the
 *   checkpoint's sums only add to `all`;
 * - the replay after H starts from each coin's position and round trip in progress at H (side,
 *   opening time, flags, running closedPnl, fees, volume, fill count, largest size, the funding it
 *   accrued) and applies the same rules (./round-trips.ts) to the same fills: flips, self-trades
 *   and gaps after H come out as they would have;
 * - amounts are exact decimal strings, read back at scales at least those they were summed at
 *   (`scales`), and every printed figure depends only on values, never on scales;
 * - the bot rule looks at the 7 days before the newest fill, the one part that is not a sum: the
 *   checkpoint carries that week in detail while a later run may still reach back into it, and
 *   drops it once none can (./checkpoint-bot.ts).
 * Its size is bounded by the number of coins, plus one week of activity for a trader whose newest
 * fill is within a week of H (or whose later fills the fold was not shown), whatever the number of fills.
 *
 * What invalidates a checkpoint: a fill or a funding payment with time ≤ H that it did not fold
 * (a backfill of older history, a late write): the caller must rebuild it from scratch. A change
 * of the metric rules does too: `version` says which rules made it.
 *
 * How a job uses it: keep one per trader; load only the fills and payments with time > H; compute
 * the rows with rowsFromCheckpoint; once a day advance H to about now − 31 d rounded down to a
 * day with foldCheckpoint, giving it the fills and payments it loaded (those in (H, new H] are
 * folded; the later fills only let it drop the bot week). Work per run is then the last ~31 days
 * of each trader, not his whole history.
 */

export const CHECKPOINT_VERSION = 1;

/** A round trip in progress at H; amounts are exact decimal strings at the checkpoint's scales. */
export interface CheckpointTrip {
  side: RoundTripSide;
  opened_at: number;
  fills: number;
  partial_start: boolean;
  missing_fills: boolean;
  lastFillAt: number;
  lastTid: number;
  maxSize: string;
  closedPnl: string;
  fees: string;
  /** Decimals its fees are kept at (a flip's share of a fee can have more than any fill's fee). */
  feeScale: number;
  volume: string;
  /** Funding of its coin in (opened_at, H]. */
  funding: string;
}

export interface CheckpointCoin {
  coin: string;
  position: string;
  trip: CheckpointTrip | null;
}

/** Plain JSON: numbers, exact decimal strings, arrays. */
export interface MetricsCheckpoint {
  version: typeof CHECKPOINT_VERSION;
  /** H: every fill and payment with time ≤ horizon is folded in, none after. */
  horizon: number;
  /** Earliest fill of any kind folded; null without any. */
  firstFillAt: number | null;
  /** The scales its amounts were summed at: a replay reads them at these or finer. */
  scales: AmountScales & { funding: number; trip: number };
  /** Perp fills with time ≤ H: Σ px × sz, Σ fee, Σ closedPnl. */
  fills: { count: number; volume: string; fees: string; closedPnl: string };
  /** Counted round trips closed at or before H, PnL with funding (./trader-replay.ts TripSums). */
  trips: { trips: number; wins: number; losses: number; grossWins: string; grossLosses: string; best: string; worst: string; holdMs: number };
  /** Σ funding with time ≤ H. */
  funding: string;
  /** Every perp coin traded, in order of first appearance. */
  coins: CheckpointCoin[];
  /** The bot rule's last week of activity, while a later run may need it (./checkpoint-bot.ts). */
  bot: CheckpointBot;
}

/**
 * `previous` (null: the beginning) advanced to `upTo`: the fills and payments in (previous.horizon,
 * upTo] are folded in; those at or before the horizon are the checkpoint's already (see above for
 * a backfill); perp fills after `upTo` say whether the bot week can go (./checkpoint-bot.ts).
 * A checkpoint that let it go on the strength of a later fill must be shown one again when new
 * perp fills are folded into it (a job gives every fold the fills it loaded); it throws otherwise.
 */
export const foldCheckpoint = (
  previous: MetricsCheckpoint | null,
  fills: readonly Fill[],
  funding: readonly FundingPayment[],
  upTo: number,
): MetricsCheckpoint => {
  if (previous !== null) checkVersion(previous);
  if (previous !== null && upTo < previous.horizon) throw new RangeError(`cannot fold back from ${previous.horizon} to ${upTo}`);
  let later: number | null = null;
  for (const f of fills) if (f.time > upTo && isPerpFill(f) && (later === null || f.time > later)) later = f.time;
  const r = replay(previous, fills.filter((f) => f.time <= upTo), funding, upTo);
  const s = r.amounts.scales;
  const fillSums = noFillSums();
  const addFill = fillAdder(r.amounts);
  for (let i = 0; i < r.perp.length; i++) addFill(fillSums, i);
  const tripSums = noTripSums();
  const addTrip = tripAdder(r.counted, r.pnl);
  for (let i = 0; i < r.counted.length; i++) addTrip(tripSums, i);
  const f = addFillSums(r.before.fills, fillSums);
  const t = addTripSums(r.before.trips, tripSums);
  const paid = r.funding.units.reduce<Units>((sum, u) => addUnits(sum, u), r.before.funding);
  const fundingScale = r.funding.scale;
  const print = (units: Units, scale: number): string => formatUnitsPlain(units, scale);
  const trip = (units: Units): string => print(units, r.tripScale);
  return {
    version: CHECKPOINT_VERSION,
    horizon: upTo,
    firstFillAt: r.firstFillAt,
    scales: { ...s, funding: fundingScale, trip: r.tripScale },
    fills: { count: f.count, volume: print(f.volume, s.volume), fees: print(f.fees, s.fee), closedPnl: print(f.closedPnl, s.closedPnl) },
    trips: { ...t, grossWins: trip(t.grossWins), grossLosses: trip(t.grossLosses), best: trip(t.best), worst: trip(t.worst) },
    funding: print(paid, fundingScale),
    coins: [...r.coins].map(([coin, c]) => ({
      coin,
      position: print(c.position, s.size),
      trip:
        c.trip === null
          ? null
          : {
              side: c.trip.side,
              opened_at: c.trip.opened_at,
              fills: c.trip.fills,
              partial_start: c.trip.partial_start,
              missing_fills: c.trip.missing_fills,
              lastFillAt: c.trip.lastFillAt,
              lastTid: c.trip.lastTid,
              maxSize: print(c.trip.maxSize, s.size),
              closedPnl: print(c.trip.closedPnl, s.closedPnl),
              fees: print(c.trip.fees, c.trip.feeScale),
              feeScale: c.trip.feeScale,
              volume: print(c.trip.volume, s.volume),
              funding: print(r.fundingOf(c.trip, null), fundingScale),
            },
    })),
    bot: foldBot(previous?.bot ?? null, r.bot, r.perp, upTo, later),
  };
};

/** The longest finite window: a checkpoint's horizon must be at or before its start. */
const LONGEST_WINDOW_MS = Math.max(...Object.values(WINDOW_MS).filter((ms): ms is number => ms !== null));

/** Whether rows at `now` may start from the checkpoint: its horizon at or before the longest finite window's start. */
export const servesWindowsAt = (checkpoint: MetricsCheckpoint, now: number): boolean => checkpoint.horizon <= now - LONGEST_WINDOW_MS;

/**
 * The trader's rows (as computeTraderRows gives them for the whole history) from `checkpoint` and
 * `input.history`'s fills and funding after its horizon (earlier ones are ignored). The horizon must
 * be at or before now − 30 d, the start of the longest finite window.
 */
export const rowsFromCheckpoint = (checkpoint: MetricsCheckpoint, input: TraderRowsInput): LeaderboardRow[] => {
  checkVersion(checkpoint);
  if (!servesWindowsAt(checkpoint, input.now)) {
    throw new RangeError(`checkpoint horizon ${checkpoint.horizon} is after the start of the longest window (${input.now - LONGEST_WINDOW_MS})`);
  }
  return traderRows(checkpoint, input);
};

const checkVersion = (checkpoint: MetricsCheckpoint): void => {
  if (checkpoint.version !== CHECKPOINT_VERSION) throw new RangeError(`metrics checkpoint version ${String(checkpoint.version)}, expected ${CHECKPOINT_VERSION}`);
};

/**
 * The realized PnL of everything the checkpoint folded (Σ closedPnl − Σ fee of its perp fills +
 * Σ funding), as `all`'s realized_pnl_usd had it at the horizon: where a chart counted on from H starts.
 */
export const checkpointRealized = (checkpoint: MetricsCheckpoint): { units: Units; scale: number } => {
  const { closedPnl, fee, funding } = checkpoint.scales;
  const scale = Math.max(closedPnl, fee, funding);
  const at = (value: string, from: number): Units => rescaleUnits(parseUnits(value, from), scale - from);
  return {
    units: addUnits(subUnits(at(checkpoint.fills.closedPnl, closedPnl), at(checkpoint.fills.fees, fee)), at(checkpoint.funding, funding)),
    scale,
  };
};
