import { BIG_SETTINGS } from "#commons/decimal.js";
import {
  addUnits,
  divideToPlaces,
  formatUnits,
  formatUnitsPlain,
  mulUnits,
  rescaleUnits,
  subUnits,
  unitsToNumber,
  type Units,
} from "#commons/exact.js";
import type { LeaderboardRow } from "../leaderboard.js";
import { botFlagAfter } from "./checkpoint-bot.js";
import type { MetricsCheckpoint } from "./checkpoint.js";
import { addFillSums, addTripSums, fillAdder, noFillSums, noTripSums, replay, tripAdder, type FillSums, type Replay, type TripSums } from "./trader-replay.js";
import { METRIC_WINDOWS, WINDOW_MS, type EquityMetrics, type MetricWindow, type TraderHistory } from "./types.js";

/**
 * One trader's leaderboard rows, one per window, from their fills (and equity figures computed
 * elsewhere). The figures are those of ./fill-metrics.ts (same definitions, same two populations:
 * fill figures sum the perp fills in the window, round-trip figures use the counted round trips
 * closed in it), computed differently because this runs for every tracked trader:
 *
 * - fills are deduplicated, sorted and their amounts read once per trader (./fill-amounts.ts),
 *   and those same amounts build the round trips and the fill sums; round trips stay unprinted
 *   (only the largest win and loss are ever shown);
 * - every window ends at `now`, so they are nested: one pass from the newest fill (and one from
 *   the newest round trip) backwards takes a snapshot of the running sums at each window's start;
 * - sums are exact scaled integers (#commons/exact.js): numbers while they fit, bigints beyond;
 * - the pass itself (./trader-replay.ts) may start from a metrics checkpoint instead of the first
 *   fill (./checkpoint.ts): the rows are the same, from the history after its horizon only.
 *
 * Window w covers the half-open interval (now − WINDOW_MS[w], now]: a fill at `now` counts, one at
 * exactly now − 24 h belongs to the previous day only. `all` is (−∞, now]. Fills after `now` are
 * left out of everything (round trips are built from fills up to `now`) except account age.
 *
 * Amounts print as plain decimals, never with an exponent; ratios are one division of exact
 * values as big.js does it (20 places, half up), then the nearest number.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---- windows -----------------------------------------------------------------------------------

/** A window and its exclusive start; windows sorted shortest first, i.e. latest start first. */
interface WindowStart {
  window: MetricWindow;
  after: number;
}

const windowStarts = (now: number): WindowStart[] =>
  METRIC_WINDOWS.map((window) => {
    const ms = WINDOW_MS[window];
    return { window, after: ms === null ? -Infinity : now - ms };
  }).sort((a, b) => b.after - a.after);

/**
 * Walks items 0..count−1 (oldest first) from the newest back, calling `add` on each, and
 * snapshots the running state when the walk leaves each window. `state` holds only numbers and
 * bigints, so a shallow copy is a snapshot.
 */
const nestedSums = <S>(
  count: number,
  timeOf: (i: number) => number,
  starts: readonly WindowStart[],
  state: S,
  add: (state: S, i: number) => void,
): Map<MetricWindow, S> => {
  const out = new Map<MetricWindow, S>();
  let w = 0;
  for (let i = count - 1; i >= 0; i--) {
    const time = timeOf(i);
    while (w < starts.length && time <= starts[w]!.after) out.set(starts[w++]!.window, { ...state });
    add(state, i);
  }
  while (w < starts.length) out.set(starts[w++]!.window, { ...state });
  return out;
};

// ---- rows --------------------------------------------------------------------------------------

/** a ÷ b of two amounts at one scale, as big.js divides (20 places, half up), then a number. */
const ratio = (a: Units, b: Units): number => {
  const q = divideToPlaces(a, b, BIG_SETTINGS.divDecimals);
  return unitsToNumber(q.units, q.scale);
};

/** Whole days, rounded down (a trader first seen 36 h ago is 1 day old), never negative. */
const accountAgeDays = (firstTime: number, now: number): number => Math.max(0, Math.floor((now - firstTime) / DAY));

export interface TraderRowsInput {
  history: Pick<TraderHistory, "address" | "fills" | "firstSeenAt" | "funding" | "role">;
  /** Per window, from ./equity.ts; missing or null leaves max_drawdown, roi and sharpe null. */
  equity: Partial<Record<MetricWindow, EquityMetrics | null>>;
  now: number;
  updatedAt: string;
}

/** One row per window, in METRIC_WINDOWS order, unscored (`score: null`: see ./score.ts). */
export const computeTraderRows = (input: TraderRowsInput): LeaderboardRow[] => traderRows(null, input);

/**
 * The rows from a checkpoint (null: none) and the history after its horizon, which must be at or
 * before every finite window's start (./checkpoint.ts checks): its sums then only add to `all`.
 */
export const traderRows = (base: MetricsCheckpoint | null, input: TraderRowsInput): LeaderboardRow[] =>
  rowsOfReplay(base, replay(base, input.history.fills, input.history.funding, input.now), input);

/**
 * The rows from a replay of `input.history` over `base` to `input.now` (./trader-replay.ts): what
 * the leaderboard job calls when the same replay also lists the trader's round trips.
 */
export const rowsOfReplay = (base: MetricsCheckpoint | null, r: Replay, { history, equity, now, updatedAt }: TraderRowsInput): LeaderboardRow[] => {
  const address = history.address.toLowerCase();
  // Account age is about the account, not the window: its earliest fill of any kind we hold.
  const accountAge = accountAgeDays(r.firstFillAt ?? history.firstSeenAt, now);
  const { perp, amounts, counted, pnl, tripScale, funding } = r;
  const scales = amounts.scales;
  const isBot = botFlagAfter(base?.bot ?? null, r.bot, perp);

  const starts = windowStarts(now);
  const fillSums = nestedSums<FillSums>(perp.length, (i) => perp[i]!.time, starts, noFillSums(), fillAdder(amounts));
  const tripSums = nestedSums<TripSums>(counted.length, (i) => counted[i]!.closed_at ?? 0, starts, noTripSums(), tripAdder(counted, pnl));
  const fundingSums = nestedSums<{ funding: Units }>(
    funding.payments.length,
    (i) => funding.payments[i]!.time,
    starts,
    { funding: 0 },
    (sums, i) => {
      sums.funding = addUnits(sums.funding, funding.units[i]!);
    },
  );
  // What came before the horizon belongs to the one window that reaches back past it.
  fillSums.set("all", addFillSums(fillSums.get("all")!, r.before.fills));
  tripSums.set("all", addTripSums(tripSums.get("all")!, r.before.trips));
  fundingSums.set("all", { funding: addUnits(fundingSums.get("all")!.funding, r.before.funding) });

  const tradingScale = Math.max(scales.closedPnl, scales.fee);
  const pnlScale = Math.max(tradingScale, funding.scale);
  const isVault = history.role === "vault";
  return METRIC_WINDOWS.map((window): LeaderboardRow => {
    const f = fillSums.get(window)!;
    const t = tripSums.get(window)!;
    const eq = equity[window] ?? null;
    const paid = fundingSums.get(window)!.funding;
    const trading = subUnits(rescaleUnits(f.closedPnl, tradingScale - scales.closedPnl), rescaleUnits(f.fees, tradingScale - scales.fee));
    const realized = addUnits(rescaleUnits(trading, pnlScale - tradingScale), rescaleUnits(paid, pnlScale - funding.scale));
    return {
      trader_id: address,
      trader_address: address,
      window,
      win_rate: t.trips === 0 ? null : t.wins / t.trips,
      total_volume_usd: formatUnitsPlain(f.volume, scales.volume),
      account_age_days: accountAge,
      // (Σwins / nWins) / (Σ|losses| / nLosses), as one division of exact products.
      avg_risk_ratio: t.wins === 0 || t.losses === 0 ? null : ratio(mulUnits(t.grossWins, t.losses), mulUnits(t.grossLosses, t.wins)),
      max_drawdown: eq?.max_drawdown ?? null,
      // Spelled as the round trip's realized_pnl is (formatUnits), without its "-" for the loss.
      max_profit_usd: t.wins === 0 ? null : formatUnits(t.best, tripScale),
      max_loss_usd: t.losses === 0 ? null : formatUnits(t.worst, tripScale),
      realized_pnl_usd: formatUnitsPlain(realized, pnlScale),
      trading_pnl_usd: formatUnitsPlain(trading, tradingScale),
      funding_usd: formatUnitsPlain(paid, funding.scale),
      fees_usd: formatUnitsPlain(f.fees, scales.fee),
      trades_count: f.count,
      round_trips: t.trips,
      avg_hold_hours: t.trips === 0 ? null : t.holdMs / t.trips / HOUR,
      roi: eq?.roi ?? null,
      sharpe: eq?.sharpe ?? null,
      profit_factor: t.losses === 0 ? null : ratio(t.grossWins, t.grossLosses),
      profit_factor_infinite: t.wins > 0 && t.losses === 0,
      score: null,
      is_bot: isBot,
      is_vault: isVault,
      updated_at: updatedAt,
    };
  });
};
