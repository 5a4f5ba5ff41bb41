/**
 * The orders POST /exchange saw, per account, for `orderStatus` (by oid, or by cloid passed as
 * `oid`) and for refusing a cloid the account already used. The answer's shape is the exchange's:
 * `{status: "order", order: {order: <as historicalOrders lists it>, status, statusTimestamp}}` or
 * `{status: "unknownOid"}` (docs: info endpoint, "Query order status by oid or cloid").
 */

export interface OrderRecord {
  coin: string;
  side: "B" | "A";
  limitPx: string;
  /** What is left of the order: "0.0" once filled; the whole size for an order that never traded. */
  sz: string;
  origSz: string;
  oid: number;
  timestamp: number;
  reduceOnly: boolean;
  tif: string;
  cloid: string | null;
  /** "filled", "canceled", "iocCancelRejected", "tickRejected", ... (the exchange's order statuses). */
  status: string;
  statusTimestamp: number;
}

/** Older orders are forgotten past this many per account (the demo runs for hours). */
const MAX_ORDERS_PER_USER = 10_000;

export class OrderLog {
  private readonly byUser = new Map<string, { byOid: Map<number, OrderRecord>; byCloid: Map<string, OrderRecord> }>();

  record(user: string, order: OrderRecord): void {
    let book = this.byUser.get(user);
    if (book === undefined) {
      book = { byOid: new Map(), byCloid: new Map() };
      this.byUser.set(user, book);
    }
    book.byOid.set(order.oid, order);
    if (order.cloid !== null) book.byCloid.set(order.cloid, order);
    if (book.byOid.size > MAX_ORDERS_PER_USER) {
      const oldest = book.byOid.values().next().value as OrderRecord;
      book.byOid.delete(oldest.oid);
      if (oldest.cloid !== null) book.byCloid.delete(oldest.cloid);
    }
  }

  hasCloid(user: string, cloid: string): boolean {
    return this.byUser.get(user)?.byCloid.has(cloid.toLowerCase()) ?? false;
  }

  /** The `orderStatus` answer for `oid` (a number, or a cloid string). */
  status(user: string, oid: number | string): unknown {
    const book = this.byUser.get(user);
    const order = typeof oid === "number" ? book?.byOid.get(oid) : book?.byCloid.get(oid.toLowerCase());
    if (order === undefined) return { status: "unknownOid" };
    const { status, statusTimestamp, ...rest } = order;
    return {
      status: "order",
      order: {
        // Key order as historicalOrders.recorded.json has it.
        order: {
          coin: rest.coin,
          side: rest.side,
          limitPx: rest.limitPx,
          sz: rest.sz,
          oid: rest.oid,
          timestamp: rest.timestamp,
          triggerCondition: "N/A",
          isTrigger: false,
          triggerPx: "0.0",
          children: [],
          isPositionTpsl: false,
          reduceOnly: rest.reduceOnly,
          orderType: "Limit",
          origSz: rest.origSz,
          tif: rest.tif,
          cloid: rest.cloid,
        },
        status,
        statusTimestamp,
      },
    };
  }
}
