import { dec, decStr, sumDec, ZERO } from "#commons/decimal.js";
import type { VenueOrderResult } from "#domain/copy/ports.js";
import { divDown } from "#domain/copy/exact-div.js";
import type { Fill } from "#domain/exchange.js";
import type { OrderStatusResponse } from "#hyperliquid/schemas.js";

/**
 * What the exchange's own records say about the follower's orders: the fee and closed PnL of an
 * order's fills (userFillsByTime, by oid), and an `orderStatus` answer as a VenueOrderResult.
 */

export interface FillTotals {
  size: string;
  /** Size-weighted average price (8 decimals, rounded down), or null without fills. */
  avgPrice: string | null;
  feeUsd: string;
  closedPnlUsd: string;
}

/** Totals of the fills of one order; null when none of `fills` belongs to it. */
export const fillTotals = (fills: readonly Fill[], oid: number): FillTotals | null => {
  const mine = fills.filter((f) => f.oid === oid);
  if (mine.length === 0) return null;
  const size = sumDec(mine.map((f) => f.sz));
  const notional = mine.reduce((acc, f) => acc.plus(dec(f.px).times(f.sz)), ZERO);
  return {
    size: decStr(size),
    avgPrice: size.gt(0) ? decStr(divDown(notional, size).round(8, 0)) : null,
    feeUsd: decStr(sumDec(mine.map((f) => f.fee))),
    closedPnlUsd: decStr(sumDec(mine.map((f) => f.closedPnl))),
  };
};

/** The statuses of an order still on the book (an IOC never should be). */
const OPEN_STATUSES = new Set(["open", "triggered"]);

export type ResolvedStatus = VenueOrderResult | { status: "unknown" } | { status: "open"; oid: number };

/**
 * An `orderStatus` answer as the engine's result. `sz` is what is left of the order and `origSz`
 * what was asked, so the traded size is their difference, whatever the final status is called:
 * "filled"; "canceled" or "iocCancelRejected" (an IOC's unfilled rest is cancelled, its filled part
 * stays filled); any other "…Rejected"/"…Canceled" names why nothing (more) traded.
 */
export const resultOfOrderStatus = (answer: OrderStatusResponse, fills: readonly Fill[]): ResolvedStatus => {
  if (answer.status === "unknownOid") return { status: "unknown" };
  const { order, status } = answer.order;
  if (OPEN_STATUSES.has(status)) return { status: "open", oid: order.oid };
  const traded = dec(order.origSz).minus(order.sz);
  const totals = fillTotals(fills, order.oid);
  if (traded.gt(0) || status === "filled") {
    const filledSize = traded.gt(0) ? decStr(traded) : order.origSz;
    return {
      status: status === "filled" ? "filled" : "partially_filled",
      oid: order.oid,
      filledSize,
      // Without its fills (older than the lookup), the limit is the one price known: the worst it could have had.
      avgPrice: totals?.avgPrice ?? order.limitPx,
      feeUsd: totals?.feeUsd ?? null,
      closedPnlUsd: totals?.closedPnlUsd ?? null,
    };
  }
  if (status === "canceled" || status === "iocCancelRejected" || status.endsWith("Canceled") || status === "scheduledCancel") {
    return { status: "cancelled", oid: order.oid };
  }
  return { status: "rejected", error: `the exchange rejected the order (${status})`, retryable: false };
};
