import type { Decimal } from "#commons/decimal.js";
import { ValidationError } from "#commons/errors.js";
import { cloidSchema, wireNumber, type Cloid } from "./wire.js";

/**
 * Actions sent to POST /exchange, built in the exact key order the exchange (and its Python SDK)
 * use: the signature covers the msgpack of the action, and msgpack keeps key order.
 */

/** One IOC limit order: the copy engine's only order type (the exchange has no market orders). */
export interface IocOrder {
  /** Asset id (./wire.ts `assetId`). */
  asset: number;
  isBuy: boolean;
  /** Limit price, already on the tick (≤ 5 significant figures, ≤ 6 − szDecimals decimals). */
  price: string | Decimal;
  /** Size, already on the lot (≤ szDecimals decimals). */
  size: string | Decimal;
  reduceOnly: boolean;
  /** The copy engine always sets it (derived from follower and event, so a redelivery cannot double an order). */
  cloid?: string;
}

export interface OrderWire {
  a: number;
  b: boolean;
  p: string;
  s: string;
  r: boolean;
  t: { limit: { tif: "Ioc" } };
  c?: Cloid;
}

export interface OrderAction {
  type: "order";
  orders: OrderWire[];
  grouping: "na";
  [key: string]: unknown;
}

export const orderWire = (order: IocOrder): OrderWire => ({
  a: order.asset,
  b: order.isBuy,
  p: wireNumber(order.price),
  s: wireNumber(order.size),
  r: order.reduceOnly,
  t: { limit: { tif: "Ioc" } },
  // Last, and absent rather than undefined/null: msgpack would hash a nil value.
  ...(order.cloid !== undefined && { c: cloidSchema.parse(order.cloid) }),
});

/** The `order` action for a batch of IOC orders, ungrouped (no TP/SL attached). */
export const iocOrderAction = (orders: readonly IocOrder[]): OrderAction => {
  // The exchange refuses an empty batch before looking at it; so do we, before signing it.
  if (orders.length === 0) throw new ValidationError("an order action needs at least one order");
  return { type: "order", orders: orders.map(orderWire), grouping: "na" };
};

/** The `cancel` action for one order by its oid (key order as the Python SDK sends it: `a`, `o`). */
export const cancelAction = (asset: number, oid: number): { type: "cancel"; cancels: { a: number; o: number }[]; [key: string]: unknown } => ({
  type: "cancel",
  cancels: [{ a: asset, o: oid }],
});
