import { decStr } from "#commons/decimal.js";
import type { EngineVenue } from "#domain/copy/engine-ports.js";
import { fillPaperOrder, newPaperLedger, paperEquity, type PaperLedger } from "#domain/copy/paper.js";
import type { VenueOrderResult } from "#domain/copy/ports.js";

/**
 * A paper follower's venue for one run: its ledger (CopyAccount.ledger, or a new one at
 * paper_balance_usd), filled at the run's mids ± max_slippage_bps with the taker fee
 * (#domain/copy/paper.js). The ledger changes only in memory: the engine commits it with the
 * orders' results, so a run that never commits has traded nothing, and a `pending` order found
 * by the next run was never applied (resolve → unknown).
 */
export interface PaperVenueOptions {
  ledger: PaperLedger | undefined;
  balanceUsd: string;
  /** The run's mids: fills and equity are at them. */
  mids: Readonly<Record<string, string>>;
  /**
   * The marks the last run valued the positions at: a position in a coin that has no mid now (its
   * dex's mids missing, delisted) is valued at its last one, not left to fail every run.
   */
  lastMarks?: Readonly<Record<string, string>>;
  slippageBps: number;
  takerFeeRate: string;
}

export const createPaperVenue = (options: PaperVenueOptions): EngineVenue => {
  let ledger = options.ledger ?? newPaperLedger(options.balanceUsd);
  const markOf = (mids: Readonly<Record<string, string>>, coin: string): string | undefined => mids[coin] ?? options.mids[coin];

  return {
    ledger: () => ledger,
    async account() {
      const positions: Record<string, { szi: string; entryPx: string }> = {};
      for (const [coin, p] of Object.entries(ledger.positions)) positions[coin] = { szi: p.szi, entryPx: p.entryPx };
      return { positions, equityUsd: decStr(paperEquity(ledger, { ...options.lastMarks, ...options.mids })) };
    },
    async place(orders, mids) {
      return orders.map((order): VenueOrderResult => {
        const mid = markOf(mids, order.coin);
        if (mid === undefined) return { status: "rejected", error: `no mid price for ${order.coin}`, retryable: true };
        const { ledger: after, fill } = fillPaperOrder(ledger, order, mid, { slippageBps: options.slippageBps, takerFeeRate: options.takerFeeRate });
        // Reduce-only with nothing to reduce: the exchange cancels such an IOC.
        if (fill === null) return { status: "cancelled", oid: null };
        ledger = after;
        return { status: "filled", oid: null, filledSize: fill.size, avgPrice: fill.price, feeUsd: fill.fee, closedPnlUsd: fill.closedPnl };
      });
    },
    async resolve() {
      return { status: "unknown" };
    },
  };
};
