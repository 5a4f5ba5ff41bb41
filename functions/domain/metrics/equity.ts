import { addUnits, DecimalColumn, subUnits, unitsToNumber, type Units } from "#commons/exact.js";
import type { CashFlow, EquityMetrics, EquityPoint, MetricWindow, PortfolioHistory } from "./types.js";

/**
 * What the equity curve tells, with deposits and withdrawals taken out. Which flows those are (the
 * ones implied by the exchange's pnlHistory, else the ledger's) is ./pnl-flows.ts's choice.
 *
 * The curve is the `portfolio` account value, sampled every ~2 hours (day, week) to weekly (all
 * time). Between two samples (a sub-period) the account earned
 *
 *   r_i = (V_i − F_i − V_{i−1}) / V_{i−1},   F_i = Σ flows with time in (t_{i−1}, t_i]
 *
 * which treats the sub-period's flows as arriving at its end: the flow is removed from the end
 * value and earns nothing in the sub-period it lands in. Chaining the r_i (a time-weighted return)
 * makes the result independent of how much money was in the account, which is the point: a deposit
 * is not a gain, a withdrawal is not a loss, and a large late deposit does not drown the track record.
 *
 * Edges, and why:
 * - Only samples in `[from, to)` count, like every other metric window.
 * - A flow exactly at a sample time belongs to the sub-period ending at that sample: we take a
 *   sample to be the account's value after everything stamped up to its millisecond.
 * - A flow at or before the first sample in the window is ignored: it is already inside V_0. A flow
 *   after the last sample is ignored too: no sample shows its effect yet.
 * - A sub-period starting at V_{i−1} ≤ 0 is skipped: there was no capital to earn a return on (the
 *   all-time curve of a new account starts at 0.0, and the first deposit would otherwise be an
 *   infinite return).
 * - A sub-period return below −100% counts as −100%. It happens when a deposit made inside a
 *   sub-period is lost in it too (flows are credited at the end); the account was wiped out, and a
 *   factor 1 + r below 0 would flip the sign of everything chained after it. Once the index is 0 it
 *   stays 0: a time-weighted return does not recover from a total loss.
 * - Fewer than 2 samples, or no sub-period with a positive start: all three figures are null.
 *
 * Precision: values and flows are exact decimals (scaled integers, #commons/exact.js); each r_i is
 * the exact gain over the start value, both rounded once to numbers, then chained as a JS number.
 * The chained index carries a relative error of about 1e-16 per sub-period, far below what is shown.
 */

const PERIODS: Record<MetricWindow, readonly [perp: string, fallback: string]> = {
  "1d": ["perpDay", "day"],
  "7d": ["perpWeek", "week"],
  "30d": ["perpMonth", "month"],
  all: ["perpAllTime", "allTime"],
};

/** The `portfolio` period a window reads: the perp one, else the combined one (see equityPointsFor). */
export const periodFor = (portfolio: PortfolioHistory, window: MetricWindow): PortfolioHistory["periods"][string] | undefined => {
  const [perp, fallback] = PERIODS[window];
  return portfolio.periods[perp] ?? portfolio.periods[fallback];
};

/**
 * The account-value samples of the `portfolio` period matching a window. The perp period comes
 * first because the flows we remove are those of the perp account; the combined (perp + spot)
 * period is only a fallback for responses without it, where spot↔perp transfers then show up as
 * flows although they do not change the combined value. Sorted by time; when the exchange repeats a
 * time, the later sample wins, as it is the later write.
 */
export const equityPointsFor = (portfolio: PortfolioHistory, window: MetricWindow): EquityPoint[] => {
  const period = periodFor(portfolio, window);
  if (!period) return [];
  const history = period.accountValueHistory;
  // The exchange sends them in order, without repeats: then there is nothing to sort or drop.
  let ordered = true;
  for (let i = 1; i < history.length && ordered; i++) ordered = history[i - 1]![0] < history[i]![0];
  if (ordered) return history.slice();
  const byTime = new Map<number, string>();
  for (const [time, value] of period.accountValueHistory) byTime.set(time, value);
  return [...byTime].sort((a, b) => a[0] - b[0]).map(([time, value]): EquityPoint => [time, value]);
};

const NONE: EquityMetrics = { max_drawdown: null, roi: null, sharpe: null };

const DAY_MS = 86_400_000;
const MIN_DAILY_RETURNS = 7;
/**
 * Daily returns closer together than this are equal: a curve growing by the same fraction every
 * day has a deviation of float noise (~1e-17), which would give an absurd Sharpe ratio.
 */
const ZERO_DEVIATION = 1e-12;

interface SubPeriodReturn {
  /** Time of the sample that ends the sub-period. */
  end: number;
  r: number;
}

export const computeEquityMetrics = (
  points: readonly EquityPoint[],
  flows: readonly CashFlow[],
  window: { from: number; to: number },
): EquityMetrics => {
  const samples = points.filter(([t]) => t >= window.from && t < window.to).sort((a, b) => a[0] - b[0]);
  if (samples.length < 2) return NONE;
  const returns = subPeriodReturns(samples, flows);
  if (returns.length === 0) return NONE;

  let index = 1;
  let peak = 1;
  let maxDrawdown = 0;
  for (const { r } of returns) {
    index *= 1 + r;
    peak = Math.max(peak, index);
    maxDrawdown = Math.max(maxDrawdown, (peak - index) / peak);
  }
  return {
    max_drawdown: Math.min(Math.max(maxDrawdown, 0), 1),
    roi: index - 1,
    sharpe: sharpeOfDailyReturns(dailyReturns(returns)),
  };
};

const subPeriodReturns = (samples: readonly EquityPoint[], flows: readonly CashFlow[]): SubPeriodReturn[] => {
  const returns: SubPeriodReturn[] = [];
  // Flows by time, walked once alongside the samples (both sorted).
  const sorted = [...flows].sort((a, b) => a.time - b.time);
  // Every amount read once, exactly, at one scale; a flow is only read (and only throws if
  // malformed) when it falls in a sub-period.
  const values = new DecimalColumn(samples.length);
  for (let i = 0; i < samples.length; i++) values.set(i, samples[i]![1]);
  const amounts = new DecimalColumn(sorted.length);
  for (let i = 0; i < sorted.length; i++) amounts.set(i, sorted[i]!.usdc);
  const scale = Math.max(values.places, amounts.places);
  let next = 0;
  let before = values.get(0, scale);
  for (let i = 1; i < samples.length; i++) {
    const start = samples[i - 1]![0];
    const end = samples[i]![0];
    while (next < sorted.length && sorted[next]!.time <= start) next++;
    let flow: Units = 0;
    while (next < sorted.length && sorted[next]!.time <= end) flow = addUnits(flow, amounts.get(next++, scale));
    const after = values.get(i, scale);
    if (before > 0) {
      // The gain is exact; the ratio is a float anyway (it is chained in floats next): the two
      // exact amounts, each rounded once to the nearest number, divided once.
      const gain = subUnits(subUnits(after, flow), before);
      const r = unitsToNumber(gain, scale) / unitsToNumber(before, scale);
      returns.push({ end, r: Math.max(r, -1) });
    }
    before = after;
  }
  return returns;
};

/**
 * Sub-period returns chained per UTC day of their end; a day without one has no daily return (it
 * is not a 0% day: nothing was sampled). The exchange samples the week every ~2 h and the month
 * about daily, so those are true daily returns; the all-time curve is sampled weekly, so each of its
 * "daily" returns spans a week and √365 overstates its ratio by about √7. Rank Sharpe by 7d or 30d.
 */
const dailyReturns = (returns: readonly SubPeriodReturn[]): number[] => {
  const growthByDay = new Map<number, number>();
  for (const { end, r } of returns) {
    const day = Math.floor(end / DAY_MS);
    growthByDay.set(day, (growthByDay.get(day) ?? 1) * (1 + r));
  }
  return [...growthByDay.values()].map((growth) => growth - 1);
};

/** Mean ÷ sample standard deviation (n − 1) × √365; null below 7 returns or without deviation. */
const sharpeOfDailyReturns = (daily: readonly number[]): number | null => {
  const n = daily.length;
  if (n < MIN_DAILY_RETURNS) return null;
  const mean = daily.reduce((acc, r) => acc + r, 0) / n;
  const variance = daily.reduce((acc, r) => acc + (r - mean) ** 2, 0) / (n - 1);
  const deviation = Math.sqrt(variance);
  if (deviation < ZERO_DEVIATION) return null;
  return (mean / deviation) * Math.sqrt(365);
};
