import { AppError } from "#commons/errors.js";
import type { LeaderboardRow } from "../leaderboard.js";

/**
 * The leaderboard score: one number in [0, 1] that ranks the traders of one window against each
 * other. It is relative on purpose (min-max across the traders scored together), so a score only
 * means something next to the other scores of the same snapshot and window.
 *
 * Who is scored: rows that are not bots and have at least MIN_ROUND_TRIPS counted round trips in
 * the window (a win rate over 2 trades is luck). The others get `score: null`.
 * Vaults (`is_vault`) are scored like everyone: their returns are the exchange's PnL over their
 * value (./pnl-flows.ts), so their depositors' money cannot raise ROI, drawdown or Sharpe.
 *
 * Five components, each first mapped so that higher is better and one outlier cannot squash the
 * others into a corner of the [min, max] range:
 *
 * - win rate, as is (already 0–1);
 * - 1 − max drawdown (0–1);
 * - payoff ratio (avg_risk_ratio) as log10, clamped to [0.1, 10] → [−1, 1], so 0.5 and 2 sit
 *   symmetrically around 1; a trader with wins and no loss (ratio +∞, shown as null with
 *   `profit_factor_infinite`) gets the cap;
 * - ROI as log10 of the growth factor 1 + roi, clamped to [0.1, 10] (−90 % … +900 %) → [−1, 1];
 * - consistency: the Sharpe ratio of daily returns, clamped to [−3, 3].
 *
 * Each component is then min-max normalised over the scored rows that have it: (x − min) /
 * (max − min). A row without it (null: no equity history, no win) gets 0 for it; when every row
 * that has it shares one value, those rows get 1. A component no scored row has (Sharpe needs 7
 * daily returns, so it never exists in the 1d window) is dropped rather than given to nobody. The
 * score is the weighted mean of the kept components (SCORE_WEIGHTS, equal today). The result does
 * not depend on the order of the rows.
 */

export const MIN_ROUND_TRIPS = 5;

const COMPONENTS = ["win_rate", "drawdown", "risk_ratio", "roi", "consistency"] as const;
type Component = (typeof COMPONENTS)[number];

export const SCORE_WEIGHTS: Record<Component, number> = { win_rate: 1, drawdown: 1, risk_ratio: 1, roi: 1, consistency: 1 };

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
/** log10 of a multiplicative figure, clamped to [0.1, 10]: −1 … 1. */
const log10Clamped = (x: number): number => Math.log10(clamp(x, 0.1, 10));
const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

const componentValues = (row: LeaderboardRow): Record<Component, number | null> => {
  const risk = finite(row.avg_risk_ratio);
  const roi = finite(row.roi);
  const drawdown = finite(row.max_drawdown);
  const sharpe = finite(row.sharpe);
  return {
    win_rate: finite(row.win_rate),
    drawdown: drawdown === null ? null : 1 - drawdown,
    risk_ratio: risk !== null ? log10Clamped(risk) : row.profit_factor_infinite ? 1 : null,
    roi: roi === null ? null : log10Clamped(1 + roi),
    consistency: sharpe === null ? null : clamp(sharpe, -3, 3),
  };
};

export const isScorable = (row: LeaderboardRow): boolean =>
  !row.is_bot && row.round_trips >= MIN_ROUND_TRIPS && row.win_rate !== null;

/** Scores the rows of ONE window; returns new rows in the same order. */
export const scoreRows = (rows: readonly LeaderboardRow[]): LeaderboardRow[] => {
  const windows = new Set(rows.map((r) => r.window));
  if (windows.size > 1) throw new AppError("MIXED_WINDOWS", `scoreRows takes one window, got ${[...windows].join(", ")}`);

  const values = rows.map((r) => (isScorable(r) ? componentValues(r) : null));
  const ranges = COMPONENTS.map((c) => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      const x = v?.[c] ?? null;
      if (x === null) continue;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return { component: c, min, max, present: min !== Infinity };
  }).filter((r) => r.present);
  const totalWeight = ranges.reduce((acc, r) => acc + SCORE_WEIGHTS[r.component], 0);

  return rows.map((row, i) => {
    const v = values[i];
    if (v === null || v === undefined || totalWeight === 0) return { ...row, score: null };
    let sum = 0;
    for (const { component, min, max } of ranges) {
      const x = v[component];
      const normalised = x === null ? 0 : max === min ? 1 : (x - min) / (max - min);
      sum += SCORE_WEIGHTS[component] * normalised;
    }
    return { ...row, score: sum / totalWeight };
  });
};
