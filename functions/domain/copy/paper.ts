import { dec, decStr, sign, ZERO, type Decimal } from "#commons/decimal.js";
import { slippageBound } from "#domain/copy/exchange-rules.js";

/**
 * Paper trading: a follower's orders filled against the mid at signal time ± the configured
 * slippage (always the worse side: a buy pays above the mid, a sell gets below it), with a taker
 * fee, kept in a ledger that computes like an exchange account: the entry price is the weighted
 * average on adds, unchanged on reductions, and the fill price on a flip's new side.
 */

export const DEFAULT_TAKER_FEE_RATE = "0.00045";

export interface PaperPosition {
  szi: string;
  entryPx: string;
}

export interface PaperLedger {
  /** The starting balance (paper_balance_usd); never changes, PnL and fees are kept apart. */
  balanceUsd: string;
  positions: Readonly<Record<string, PaperPosition>>;
  /** Σ closed PnL of reductions, before fees (as the exchange's closedPnl). */
  realizedPnlUsd: string;
  feesUsd: string;
}

export interface PaperOrder {
  coin: string;
  isBuy: boolean;
  size: string;
  reduceOnly: boolean;
  /** The IOC limit (orders.ts rounds the slippage bound toward the mid): no fill is worse than it. */
  limitPrice?: string;
}

export interface PaperFill {
  coin: string;
  isBuy: boolean;
  size: string;
  price: string;
  fee: string;
  closedPnl: string;
}

export const newPaperLedger = (balanceUsd: string): PaperLedger => ({ balanceUsd, positions: {}, realizedPnlUsd: "0", feesUsd: "0" });

export interface PaperFillOptions {
  slippageBps: number;
  takerFeeRate?: string;
}

/** Fills `order` in full (an IOC against an infinitely deep mid), or not at all when reduce-only has nothing to reduce. */
export const fillPaperOrder = (
  ledger: PaperLedger,
  order: PaperOrder,
  mid: string,
  options: PaperFillOptions,
): { ledger: PaperLedger; fill: PaperFill | null } => {
  const held = ledger.positions[order.coin];
  const before = dec(held?.szi ?? "0");
  let size = dec(order.size);
  if (order.reduceOnly) {
    // Reduce-only trades only against the position, and never past zero.
    const reduces = before.gt(0) ? !order.isBuy : before.lt(0) ? order.isBuy : false;
    if (!reduces) return { ledger, fill: null };
    if (size.gt(before.abs())) size = before.abs();
  }
  if (size.lte(0)) return { ledger, fill: null };
  // Paper assumes the full configured slippage on every fill, but as a real IOC never past its limit.
  const price = withinLimit(slippageBound(dec(mid), options.slippageBps, order.isBuy), order);
  const fee = price.times(size).times(options.takerFeeRate ?? DEFAULT_TAKER_FEE_RATE);
  const traded = order.isBuy ? size : size.neg();
  const after = before.plus(traded);
  const entry = dec(held?.entryPx ?? "0");

  let closedPnl = ZERO;
  let entryAfter: Decimal;
  if (before.eq(0) || sign(before) === sign(traded)) {
    // Opening or adding: the entry is the size-weighted average of the old entry and this price.
    entryAfter = before.abs().times(entry).plus(size.times(price)).div(after.abs());
  } else {
    const closed = size.lt(before.abs()) ? size : before.abs();
    closedPnl = price.minus(entry).times(closed).times(sign(before));
    // A reduction keeps the entry; a flip opens the remainder at this price.
    entryAfter = sign(after) === sign(before) ? entry : price;
  }

  const positions: Record<string, PaperPosition> = { ...ledger.positions };
  if (after.eq(0)) delete positions[order.coin];
  else positions[order.coin] = { szi: decStr(after), entryPx: decStr(entryAfter) };
  return {
    ledger: {
      balanceUsd: ledger.balanceUsd,
      positions,
      realizedPnlUsd: decStr(dec(ledger.realizedPnlUsd).plus(closedPnl)),
      feesUsd: decStr(dec(ledger.feesUsd).plus(fee)),
    },
    fill: { coin: order.coin, isBuy: order.isBuy, size: decStr(size), price: decStr(price), fee: decStr(fee), closedPnl: decStr(closedPnl) },
  };
};

const withinLimit = (price: Decimal, order: PaperOrder): Decimal => {
  if (order.limitPrice === undefined) return price;
  const limit = dec(order.limitPrice);
  return order.isBuy ? (limit.lt(price) ? limit : price) : limit.gt(price) ? limit : price;
};

/** (mark − entry) × szi per coin: a short gains when the price falls. */
export const paperUnrealizedPnl = (ledger: PaperLedger, marks: Readonly<Record<string, string>>): Decimal =>
  Object.entries(ledger.positions).reduce<Decimal>((sum, [coin, p]) => {
    const mark = marks[coin];
    if (mark === undefined) throw new RangeError(`no mark price for ${coin}`);
    return sum.plus(dec(mark).minus(p.entryPx).times(p.szi));
  }, ZERO);

/** balance + realized PnL − fees + unrealized PnL at the marks. */
export const paperEquity = (ledger: PaperLedger, marks: Readonly<Record<string, string>>): Decimal =>
  dec(ledger.balanceUsd).plus(ledger.realizedPnlUsd).minus(ledger.feesUsd).plus(paperUnrealizedPnl(ledger, marks));
