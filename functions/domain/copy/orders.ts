import { dec, decStr, sign, ZERO, type Decimal } from "#commons/decimal.js";
import { MIN_ORDER_NOTIONAL_USD, roundSizeDown, slippageLimitPrice } from "#domain/copy/exchange-rules.js";

/**
 * The orders that move one coin of the follower from its actual position to its target: IOC
 * limits at mid ± max_slippage_bps. What cannot be sent (below a lot, below the $10 minimum, or an
 * opening refused for a stale signal) is returned as `carried`, the signed size still to trade,
 * so the next reconciliation sees it instead of it being lost.
 */

export interface PlannedOrder {
  coin: string;
  isBuy: boolean;
  /** Absolute size, rounded down to the coin's szDecimals. */
  size: string;
  limitPrice: string;
  reduceOnly: boolean;
  /** 0 for a single order or a flip's close, 1 for a flip's open: part of the cloid. */
  leg: 0 | 1;
}

export type SkipReason = "stale_signal" | "below_minimum_notional";

export interface OrderPlanInput {
  coin: string;
  targetSzi: string;
  actualSzi: string;
  mid: string;
  szDecimals: number;
  maxSlippageBps: number;
  /** How old the signal is; absent for a reconciliation no leader event started. */
  signalAgeSeconds?: number;
  maxSignalAgeSeconds?: number;
}

export interface OrderPlan {
  orders: PlannedOrder[];
  /** target − actual − what the orders trade, signed: still to trade later. */
  carried: string;
  skipped: { leg: 0 | 1; reason: SkipReason }[];
}

export const planOrders = (input: OrderPlanInput): OrderPlan => {
  const target = dec(input.targetSzi);
  const actual = dec(input.actualSzi);
  const delta = target.minus(actual);
  const plan: OrderPlan = { orders: [], carried: "0", skipped: [] };
  if (delta.eq(0)) return plan;
  const stale =
    input.maxSignalAgeSeconds !== undefined && input.signalAgeSeconds !== undefined && input.signalAgeSeconds > input.maxSignalAgeSeconds;
  const mid = dec(input.mid);

  /**
   * One order of `signedSize`, or the reason it is not sent; returns what it trades (signed). A
   * reduce-only order that closes the whole position is sent whatever it is worth: the exchange
   * holds only opening and partial orders to the $10 minimum, so a position (or a flip's old side)
   * worth less is closed, not left behind.
   */
  const send = (signedSize: Decimal, reduceOnly: boolean, leg: 0 | 1): Decimal => {
    if (stale && !reduceOnly) {
      plan.skipped.push({ leg, reason: "stale_signal" });
      return ZERO;
    }
    const isBuy = signedSize.gt(0);
    const size = roundSizeDown(signedSize.abs(), input.szDecimals);
    const limitPrice = slippageLimitPrice(mid, input.maxSlippageBps, isBuy, input.szDecimals);
    const wholeClose = reduceOnly && size.eq(actual.abs());
    if (size.eq(0) || (!wholeClose && size.times(limitPrice).lt(MIN_ORDER_NOTIONAL_USD))) {
      plan.skipped.push({ leg, reason: "below_minimum_notional" });
      return ZERO;
    }
    plan.orders.push({ coin: input.coin, isBuy, size: decStr(size), limitPrice: decStr(limitPrice), reduceOnly, leg });
    return isBuy ? size : size.neg();
  };

  let traded: Decimal;
  const actualSide = sign(actual);
  if (actualSide !== 0 && sign(target) === -actualSide) {
    // A flip: close (reduce-only, so a partly filled or stale leg can never overshoot), then open.
    traded = send(actual.neg(), true, 0).plus(send(target, false, 1));
  } else {
    // Same side or flat on one end: shrinking |position| (or closing) is reduce-only.
    traded = send(delta, target.abs().lt(actual.abs()), 0);
  }
  plan.carried = decStr(delta.minus(traded));
  return plan;
};
