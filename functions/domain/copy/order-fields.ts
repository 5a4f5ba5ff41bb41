import { iso, isoOrNull } from "#commons/iso-time.js";
import { z } from "zod";
import type { CopyOrder } from "./ports.js";

/**
 * A copy order's fields as the outside sees them (snake_case): the followers table stores them and
 * the API shows them, each adding its own keys and time format. One mapping and one shape, so the
 * two cannot drift apart field by field.
 */
export const orderFields = (o: CopyOrder) => ({
  cloid: o.cloid,
  event_id: o.eventId,
  leader: o.leader,
  coin: o.coin,
  side: o.side,
  size: o.size,
  limit_price: o.limitPrice,
  reduce_only: o.reduceOnly,
  status: o.status,
  fill_price: o.fillPrice,
  filled_size: o.filledSize,
  fee_usd: o.feeUsd,
  error: o.error,
});

/** A copy order's times as the outside reads them (the API, the webhook): ISO 8601, null when not yet. */
export const orderTimes = (o: CopyOrder) => ({ signal_at: iso(o.signalAt), sent_at: isoOrNull(o.sentAt), filled_at: isoOrNull(o.filledAt) });

export const ORDER_STATUSES = ["pending", "filled", "partially_filled", "cancelled", "rejected"] as const;

/** The schema of orderFields' output but `leader`, with amounts checked (or described) by `decimal`. */
export const orderFieldsShape = <D extends z.ZodType>(decimal: D) => ({
  cloid: z.string().min(1),
  event_id: z.string().min(1),
  coin: z.string().min(1),
  side: z.enum(["buy", "sell"]),
  size: decimal,
  limit_price: decimal,
  reduce_only: z.boolean(),
  status: z.enum(ORDER_STATUSES),
  fill_price: decimal.nullable(),
  filled_size: decimal.nullable(),
  fee_usd: decimal.nullable(),
  error: z.string().nullable(),
});
