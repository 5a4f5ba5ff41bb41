import type { Fill } from "../exchange.js";

/**
 * Shared shapes of the leaderboard metrics: what the history of a trader looks like once fetched
 * and stored, and what each part of the computation returns. Amounts are exact decimal strings.
 */

export const METRIC_WINDOWS = ["1d", "7d", "30d", "all"] as const;
export type MetricWindow = (typeof METRIC_WINDOWS)[number];

/** Window length in ms; `all` has no start. */
export const WINDOW_MS: Record<MetricWindow, number | null> = {
  "1d": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
  all: null,
};

/**
 * Money moved into (+) or out of (−) the trader's perp account, from `userNonFundingLedgerUpdates`:
 * deposits, withdrawals, transfers between accounts or users, spot↔perp class transfers. Not
 * trading results; taken out of the equity curve before drawdown and returns.
 */
export interface CashFlow {
  time: number;
  /** Signed USDC amount, exact decimal string: + into the perp account, − out of it. */
  usdc: string;
  /** The ledger delta type it came from (`deposit`, `withdraw`, `accountClassTransfer`, ...). */
  kind: string;
  hash: string;
}

/** One sample of the account's value, from `portfolio` `accountValueHistory` (ms, exact decimal). */
export type EquityPoint = readonly [time: number, value: string];

/**
 * `portfolio` as stored: each period's account value and cumulative PnL samples. Keys are the
 * exchange's period names (`day`, `week`, `month`, `allTime`, and the `perp*` variants).
 */
export interface PortfolioHistory {
  fetchedAt: number;
  periods: Record<string, { accountValueHistory: EquityPoint[]; pnlHistory: EquityPoint[] }>;
}

/** What the equity curve tells: computed by ./equity.ts. */
export interface EquityMetrics {
  /** Largest peak-to-trough fall of the flow-adjusted equity curve, 0–1; null with fewer than 2 samples. */
  max_drawdown: number | null;
  /** Time-weighted return, flows removed, sub-period returns chained; null with fewer than 2 samples. */
  roi: number | null;
  /** Mean ÷ standard deviation of daily returns × √365; null with fewer than 7 daily returns. */
  sharpe: number | null;
}

/**
 * One `userNonFundingLedgerUpdates` entry as stored: the exchange's delta kept as it came (its
 * fields differ per `type`), so that how flows are read can change without fetching again.
 */
export interface LedgerEntry {
  time: number;
  hash: string;
  delta: { type: string } & Record<string, unknown>;
}

/**
 * One `userFunding` payment as stored: `usdc` is signed for the trader (+ received, − paid), exact.
 * Funding is a trading result: it counts in realized PnL and in the round trip of its coin.
 */
export interface FundingPayment {
  time: number;
  coin: string;
  usdc: string;
}

/** Everything the metrics of one trader are computed from. */
export interface TraderHistory {
  address: string;
  /** Perp and spot fills as stored, any order, possibly with duplicates. */
  fills: Fill[];
  ledger: LedgerEntry[];
  portfolio: PortfolioHistory | null;
  /** Funding payments as stored, any order; absent: none stored (counted as none). */
  funding?: FundingPayment[];
  /** The exchange's `userRole` (`user`, `vault`, `subAccount`, `agent`, `missing`); absent or null: not asked yet. */
  role?: string | null;
  /** When we first saw the trader: account age falls back to it without any fill. */
  firstSeenAt: number;
}
