import { addUnits, formatUnitsPlain, rescaleUnits, subUnits, type Units } from "#commons/exact.js";
import type { Fill } from "../exchange.js";
import { dedupeFills, isPerpFill } from "../fills.js";
import { readFillAmounts } from "../metrics/fill-amounts.js";
import { readFunding } from "../metrics/funding.js";
import type { EquityPoint, FundingPayment, MetricWindow, PortfolioHistory } from "../metrics/types.js";
import { inWindow, windowStartsAfter } from "./windows.js";

/**
 * The trader page's charts over one window: the account value and PnL curves the exchange sampled
 * (`portfolio`), and the cumulative realized PnL of the trader's own fills. Values are exact
 * decimal strings; `t` is epoch milliseconds; every series is strictly ascending in `t`.
 */

export interface SeriesPoint {
  t: number;
  v: string;
}

/** Longer series are thinned to this many points (see thinSeries). */
export const MAX_SERIES_POINTS = 2_000;

/**
 * The `portfolio` period charted for each window: the combined perp + spot account, as the
 * exchange's own UI shows it. (The leaderboard's ROI and drawdown prefer the `perp*` periods,
 * because the cash flows they take out are those of the perp account.)
 */
export const PORTFOLIO_PERIODS: Readonly<Record<MetricWindow, string>> = {
  "1d": "day",
  "7d": "week",
  "30d": "month",
  all: "allTime",
};

/** Sorted by time; when the exchange repeats a time, the later sample wins (as in metrics/equity.ts). */
const ascending = (samples: readonly EquityPoint[]): SeriesPoint[] => {
  const byTime = new Map<number, string>();
  for (const [t, v] of samples) byTime.set(t, v);
  return [...byTime].sort(([a], [b]) => a - b).map(([t, v]) => ({ t, v }));
};

/** The account value and PnL samples of the period matching `window`; empty without a portfolio or that period. */
export const portfolioSeries = (
  portfolio: PortfolioHistory | null,
  window: MetricWindow,
): { account_value: SeriesPoint[]; pnl: SeriesPoint[] } => {
  const period = portfolio?.periods[PORTFOLIO_PERIODS[window]];
  if (period === undefined) return { account_value: [], pnl: [] };
  return { account_value: ascending(period.accountValueHistory), pnl: ascending(period.pnlHistory) };
};

/**
 * Cumulative realized PnL (Σ closedPnl − Σ fee + Σ funding, as the leaderboard's
 * `realized_pnl_usd`) over the perp fills and funding payments in the window, summed exactly. One
 * point per millisecond holding a fill with closedPnl ≠ 0 or fee ≠ 0 or a funding payment ≠ 0,
 * valued after everything of that millisecond (a chart needs distinct times), preceded by "0" at
 * the window's start: for `all`, which has no start, 1 ms before the first such change. Empty
 * when nothing in the window moved it.
 */
export const realizedPnlSeries = (
  fills: readonly Fill[],
  window: MetricWindow,
  now: number,
  funding: readonly FundingPayment[] = [],
): SeriesPoint[] => {
  const points = realizedSteps(fills, funding, (t) => inWindow(t, window, now), now, { units: 0, scale: 0 });
  if (points.length === 0) return [];
  const start = windowStartsAfter(window, now) ?? points[0]!.t - 1;
  return [{ t: start, v: "0" }, ...points];
};

/** An exact amount: units × 10^-scale. */
export interface ScaledAmount {
  units: Units;
  scale: number;
}

/**
 * The `all` window's cumulative realized PnL cut at `after` (a metrics checkpoint's horizon), for
 * a job that no longer reads what came before: the steps of the perp fills and payments in
 * (after, now], counted on from `total`, the realized PnL of everything up to `after`. No leading
 * "0": joinRealized puts the two parts together.
 */
export const realizedPnlSeriesAfter = (
  fills: readonly Fill[],
  funding: readonly FundingPayment[],
  after: number,
  now: number,
  total: ScaledAmount,
): SeriesPoint[] => realizedSteps(fills, funding, (t) => t > after && t <= now, now, total);

/**
 * realizedPnlSeries(…, "all") from its part up to a horizon (`before`, as realizedPnlSeries gave
 * it then, leading "0" included) and realizedPnlSeriesAfter's part past it: the same points,
 * with the leading "0" before the first step when nothing moved before the horizon.
 */
export const joinRealized = (before: readonly SeriesPoint[], after: readonly SeriesPoint[]): SeriesPoint[] =>
  before.length > 0 || after.length === 0 ? [...before, ...after] : [{ t: after[0]!.t - 1, v: "0" }, ...after];

/** One point per millisecond that moved the realized PnL, valued after it, counted on from `start`. */
const realizedSteps = (
  fills: readonly Fill[],
  funding: readonly FundingPayment[],
  keep: (time: number) => boolean,
  now: number,
  start: ScaledAmount,
): SeriesPoint[] => {
  const counted = dedupeFills(fills).filter((f) => isPerpFill(f) && keep(f.time));
  const a = readFillAmounts(counted);
  const s = a.scales;
  const paid = readFunding(funding.filter((p) => keep(p.time)), now);
  const scale = Math.max(s.closedPnl, s.fee, paid.scale, start.scale);
  // Each change once, at one scale: fills (closedPnl − fee) and funding payments, merged by time.
  const changes: { t: number; units: Units }[] = [];
  for (let i = 0; i < counted.length; i++) {
    const closedPnl = a.closedPnl.get(i, s.closedPnl);
    const fee = a.fee.get(i, s.fee);
    if (closedPnl === 0 && fee === 0) continue;
    changes.push({ t: counted[i]!.time, units: subUnits(rescaleUnits(closedPnl, scale - s.closedPnl), rescaleUnits(fee, scale - s.fee)) });
  }
  for (let i = 0; i < paid.payments.length; i++) {
    if (paid.units[i] !== 0) changes.push({ t: paid.payments[i]!.time, units: rescaleUnits(paid.units[i]!, scale - paid.scale) });
  }
  // Stable: fills keep their execution order within a millisecond; only the total after it is shown.
  changes.sort((x, y) => x.t - y.t);
  const points: SeriesPoint[] = [];
  let total: Units = rescaleUnits(start.units, scale - start.scale);
  for (const { t, units } of changes) {
    total = addUnits(total, units);
    const v = formatUnitsPlain(total, scale);
    if (points.at(-1)?.t === t) points[points.length - 1] = { t, v };
    else points.push({ t, v });
  }
  return points;
};

/**
 * At most `max` points (at least 2): the first, the last and evenly spaced ones between, by
 * index. The exchange samples evenly in time, so that is evenly in time too; a realized-PnL
 * series keeps its shape but may lose single steps. Shorter series come back as they are.
 */
export const thinSeries = <T>(points: readonly T[], max = MAX_SERIES_POINTS): T[] => {
  const n = points.length;
  if (n <= max) return points.slice();
  const keep = Math.max(2, Math.floor(max));
  // Index steps are (n − 1) / (keep − 1) > 1, so the rounded indices are distinct and increasing.
  return Array.from({ length: keep }, (_, i) => points[Math.round((i * (n - 1)) / (keep - 1))]!);
};

export interface EquitySeries {
  account_value: SeriesPoint[];
  pnl: SeriesPoint[];
  realized_pnl: SeriesPoint[];
}

/** Everything the equity chart of one window shows, each series thinned to MAX_SERIES_POINTS. */
export const equitySeries = (input: {
  portfolio: PortfolioHistory | null;
  fills: readonly Fill[];
  /** Funding payments of the trader; they count in realized PnL. */
  funding?: readonly FundingPayment[];
  window: MetricWindow;
  now: number;
}): EquitySeries => {
  const curves = portfolioSeries(input.portfolio, input.window);
  return {
    account_value: thinSeries(curves.account_value),
    pnl: thinSeries(curves.pnl),
    realized_pnl: thinSeries(realizedPnlSeries(input.fills, input.window, input.now, input.funding)),
  };
};
