import { dec, decStr, sumDec, ZERO, type Decimal } from "#commons/decimal.js";
import type { Fill } from "../exchange.js";
import { isPerpFill } from "../fills.js";
import type { RoundTrip } from "./round-trips.js";

/**
 * The leaderboard figures that come from fills alone. Two populations, on purpose:
 *
 * - Fill figures (volume, trade count, realized PnL, fees) sum the perp fills whose time is in the
 *   window. They are facts of each fill, so every fill counts, including the closes of round trips
 *   we only partly know.
 * - Round-trip figures (win rate, risk ratio, profit factor, max profit/loss, hold time) use the
 *   closed round trips whose `closed_at` is in the window, minus `partial_start`/`missing_fills`
 *   ones, whose PnL and hold time are not fully known. A round trip with PnL exactly 0 is closed
 *   but neither a win nor a loss: it counts in the win-rate denominator only.
 *
 * Money is an exact decimal string; ratios are numbers, divided once from exact decimals.
 */

/** Half-open `[from, to)` in epoch milliseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface FillMetrics {
  total_volume_usd: string;
  /** Perp fills in the window. */
  trades_count: number;
  /** Winning ÷ closed round trips, 0–1; null with no closed round trip. */
  win_rate: number | null;
  /** Average win ÷ average |loss|; null without wins or without losses. */
  avg_risk_ratio: number | null;
  /** Gross wins ÷ gross |losses|; null without losses (see `profit_factor_infinite`) or without round trips. */
  profit_factor: number | null;
  /** True when there are wins and no losses: the ratio is +∞, which JSON cannot carry. */
  profit_factor_infinite: boolean;
  /** Largest winning round trip; null without wins. */
  max_profit_usd: string | null;
  /** Largest losing round trip as a positive amount; null without losses. */
  max_loss_usd: string | null;
  /** Σ closedPnl − Σ fee of the fills in the window. */
  realized_pnl_usd: string;
  fees_usd: string;
  /** Mean hold time of the counted round trips, hours; null without any. */
  avg_hold_hours: number | null;
  closed_round_trips: number;
  winning_round_trips: number;
  losing_round_trips: number;
}

const inWindow = (time: number, w: TimeWindow): boolean => time >= w.from && time < w.to;

const MS_PER_HOUR = 3_600_000;

/** Round trips whose PnL and hold time we fully know, closed in the window. */
export const countedRoundTrips = (closed: readonly RoundTrip[], window: TimeWindow): RoundTrip[] =>
  closed.filter(
    (rt) => rt.closed_at !== null && inWindow(rt.closed_at, window) && !rt.partial_start && !rt.missing_fills,
  );

const ratio = (numerator: Decimal, denominator: Decimal): number => numerator.div(denominator).toNumber();

export const computeFillMetrics = (
  fills: readonly Fill[],
  closedRoundTrips: readonly RoundTrip[],
  window: TimeWindow,
): FillMetrics => {
  const windowFills = fills.filter((f) => isPerpFill(f) && inWindow(f.time, window));
  const volume = windowFills.reduce((acc, f) => acc.plus(dec(f.px).times(f.sz)), ZERO);
  const fees = sumDec(windowFills.map((f) => f.fee));
  const closedPnl = sumDec(windowFills.map((f) => f.closedPnl));

  const trips = countedRoundTrips(closedRoundTrips, window);
  const pnls = trips.map((rt) => dec(rt.realized_pnl));
  const wins = pnls.filter((p) => p.gt(0));
  const losses = pnls.filter((p) => p.lt(0)).map((p) => p.abs());
  const grossWins = sumDec(wins);
  const grossLosses = sumDec(losses);
  const largest = (values: Decimal[]): string | null =>
    values.length === 0 ? null : decStr(values.reduce((m, v) => (v.gt(m) ? v : m)));

  const holdMs = trips.reduce((acc, rt) => acc + (rt.hold_ms ?? 0), 0);

  return {
    total_volume_usd: decStr(volume),
    trades_count: windowFills.length,
    win_rate: trips.length === 0 ? null : wins.length / trips.length,
    // (Σwins / nWins) / (Σ|losses| / nLosses), as one division of exact products.
    avg_risk_ratio:
      wins.length === 0 || losses.length === 0
        ? null
        : ratio(grossWins.times(losses.length), grossLosses.times(wins.length)),
    profit_factor: losses.length === 0 ? null : ratio(grossWins, grossLosses),
    profit_factor_infinite: wins.length > 0 && losses.length === 0,
    max_profit_usd: largest(wins),
    max_loss_usd: largest(losses),
    realized_pnl_usd: decStr(closedPnl.minus(fees)),
    fees_usd: decStr(fees),
    avg_hold_hours: trips.length === 0 ? null : holdMs / trips.length / MS_PER_HOUR,
    closed_round_trips: trips.length,
    winning_round_trips: wins.length,
    losing_round_trips: losses.length,
  };
};
