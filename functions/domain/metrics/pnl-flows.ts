import { DecimalColumn, formatUnitsPlain, subUnits } from "#commons/exact.js";
import { equityPointsFor, periodFor } from "./equity.js";
import type { CashFlow, EquityPoint, MetricWindow, PortfolioHistory } from "./types.js";

/**
 * Which flows the returns of a window take out of its account-value curve: the exchange's own,
 * read off its `pnlHistory`, and the ledger's only when that cannot be read.
 *
 * `pnlHistory` is the period's cumulative PnL, sampled at the same times as `accountValueHistory`,
 * with deposits, withdrawals and transfers already left out by the exchange — all of them,
 * including those our ledger cannot see or read: a vault's depositors coming and going
 * (vault-side `vaultDeposit`/`vaultWithdraw`, see ./flows.ts) never show in the vault's own
 * flows, so a vault that lost money while depositors poured in looked like a winner (the recorded
 * vault: −$0.78M in its month by `pnlHistory`, +38.3 % ROI from its account value). So whatever
 * moved the account value in a sub-period without being PnL is money moved in or out:
 *
 *   F_i = (V_i − V_{i−1}) − (P_i − P_{i−1}),   stamped at t_i
 *
 * and ./equity.ts's r_i = (V_i − F_i − V_{i−1}) / V_{i−1} becomes ΔP_i / V_{i−1}: the exchange's
 * PnL over the capital at the sub-period's start. Drawdown and Sharpe chain the same returns.
 * The exchange's PnL includes funding, as our realized PnL does.
 *
 * Why the source and not only a check against the ledger: the ledger misses whole kinds of flows
 * (a vault's depositors; rewards and builder-dex transfers whose account is not stated), and a
 * check could only say "disagree" where this gives the right figure. The ledger is still read,
 * for a period whose PnL samples do not line up with its account values (missing, or at other
 * times): there the ledger's flows are the best we have.
 */

export interface ReturnInputs {
  points: EquityPoint[];
  flows: CashFlow[];
  /** Where the flows came from: the exchange's PnL, or the ledger. */
  source: "pnl" | "ledger";
}

/** The sample values by time, sorted, the later of two at one time (as equityPointsFor does). */
const byTime = (samples: readonly EquityPoint[]): Map<number, string> => {
  const map = new Map<number, string>();
  for (const [time, value] of samples) map.set(time, value);
  return map;
};

/**
 * The flows implied by `pnl` between the account-value samples `points` (sorted), or null when a
 * sample has no PnL sample at its time. Exact: both columns read at one scale.
 */
export const pnlImpliedFlows = (points: readonly EquityPoint[], pnl: readonly EquityPoint[]): CashFlow[] | null => {
  const pnlAt = byTime(pnl);
  const values = new DecimalColumn(points.length);
  const pnls = new DecimalColumn(points.length);
  for (let i = 0; i < points.length; i++) {
    const [time, value] = points[i]!;
    const p = pnlAt.get(time);
    if (p === undefined) return null;
    values.set(i, value);
    pnls.set(i, p);
  }
  const scale = Math.max(values.places, pnls.places);
  const flows: CashFlow[] = [];
  for (let i = 1; i < points.length; i++) {
    const moved = subUnits(values.get(i, scale), values.get(i - 1, scale));
    const earned = subUnits(pnls.get(i, scale), pnls.get(i - 1, scale));
    const flow = subUnits(moved, earned);
    if (flow === 0) continue;
    flows.push({ time: points[i]![0], usdc: formatUnitsPlain(flow, scale), kind: "pnlHistory", hash: "" });
  }
  return flows;
};

/** The account-value samples of `window` and the flows to take out of them (see above). */
export const returnInputsFor = (portfolio: PortfolioHistory, window: MetricWindow, ledgerFlows: CashFlow[]): ReturnInputs => {
  const points = equityPointsFor(portfolio, window);
  // The same period as the points, so both series were sampled together.
  const pnl = periodFor(portfolio, window)?.pnlHistory ?? [];
  const implied = points.length > 0 && pnl.length > 0 ? pnlImpliedFlows(points, pnl) : null;
  return implied === null ? { points, flows: ledgerFlows, source: "ledger" } : { points, flows: implied, source: "pnl" };
};
