import type { EquityPoint, FundingPayment, LedgerEntry, PortfolioHistory } from "../metrics/types.js";
import type { FundingUpdate, PortfolioPeriod } from "./ports.js";

/**
 * From the exchange's answers (already validated by the client) to the stored shapes. Only what
 * the metrics read is kept, so stored items stay small; a ledger delta is kept whole because its
 * fields differ per type and how flows are read may change.
 */

export const toLedgerEntry = (u: LedgerEntry): LedgerEntry => ({ time: u.time, hash: u.hash, delta: u.delta });

/** Within one millisecond a ledger entry is told apart by its transaction hash (stored under time + hash). */
export const ledgerKey = (e: LedgerEntry): string => e.hash;

/** A funding payment keeps what the metrics read: when, which coin, how much (signed for the trader). */
export const toFundingPayment = (u: FundingUpdate): FundingPayment => ({ time: u.time, coin: u.delta.coin, usdc: u.delta.usdc });

/**
 * Within one millisecond a payment is told apart by its coin: the exchange pays each position once
 * per funding time. (Not by hash: the exchange does not promise a distinct hash per payment.)
 */
export const fundingKey = (u: FundingUpdate): string => u.delta.coin;

const points = (list: readonly EquityPoint[]): EquityPoint[] => list.map(([time, value]) => [time, value] as const);

export const toPortfolioHistory = (
  answer: ReadonlyArray<readonly [string, PortfolioPeriod]>,
  fetchedAt: number,
): PortfolioHistory => {
  // fromEntries defines own properties, so no period name can reach the prototype.
  const periods = Object.fromEntries(
    answer.map(([name, p]) => [name, { accountValueHistory: points(p.accountValueHistory), pnlHistory: points(p.pnlHistory) }]),
  );
  return { fetchedAt, periods };
};
