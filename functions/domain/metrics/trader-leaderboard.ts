import type { LeaderboardRow } from "../leaderboard.js";
import { computeEquityMetrics } from "./equity.js";
import { cashFlowsFromLedger } from "./flows.js";
import { returnInputsFor } from "./pnl-flows.js";
import { computeTraderRows } from "./trader-metrics.js";
import { METRIC_WINDOWS, type EquityMetrics, type MetricWindow, type PortfolioHistory, type TraderHistory } from "./types.js";

/**
 * One trader's leaderboard rows, one per window, unscored: the fill and round-trip figures from
 * the fills, drawdown/ROI/Sharpe from the equity history with the money moved in and out taken out
 * (read off the exchange's own PnL, else the ledger: ./pnl-flows.ts).
 */
export const rowsForTrader = (history: TraderHistory, now: number, updatedAt: string): LeaderboardRow[] =>
  computeTraderRows({ history, equity: equityMetricsFor(history), now, updatedAt });

/** Drawdown, ROI and Sharpe of every window, from the portfolio and the ledger; none without a portfolio. */
export const equityMetricsFor = (history: Pick<TraderHistory, "address" | "portfolio" | "ledger">): Partial<Record<MetricWindow, EquityMetrics | null>> => {
  const equity: Partial<Record<MetricWindow, EquityMetrics | null>> = {};
  if (history.portfolio === null) return equity;
  const flows = cashFlowsFromLedger(history.ledger, history.address);
  // The exchange's own period for the window (perpDay for 1d, ...) is used whole: it ends when
  // the portfolio was fetched (at most HISTORY_MAX_AGE_HOURS ago), and cutting it at now − 1 d
  // would drop the hours between the fetch and this run.
  const whole = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };
  for (const window of METRIC_WINDOWS) {
    const inputs = returnInputsFor(history.portfolio, window, flows);
    equity[window] = computeEquityMetrics(inputs.points, inputs.flows, whole);
  }
  return equity;
};

/**
 * Whether equityMetricsFor needs the ledger for this portfolio: only for a window of two or more
 * account-value samples whose PnL samples do not line up with them (./pnl-flows.ts). Elsewhere the
 * exchange's own PnL gives the flows, and the job skips reading the ledger.
 */
export const ledgerNeeded = (portfolio: PortfolioHistory | null): boolean =>
  portfolio !== null &&
  METRIC_WINDOWS.some((window) => {
    const inputs = returnInputsFor(portfolio, window, []);
    return inputs.source === "ledger" && inputs.points.length >= 2;
  });
