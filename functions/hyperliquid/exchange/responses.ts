import { z } from "zod";
import { decimalString } from "../schemas.js";
import { ExchangeSchemaError } from "../errors.js";

/**
 * The exchange's answer to POST /exchange for an `order` action. Where the shapes come from:
 * - the exchange's API docs, "Exchange endpoint" → "Place an order": `{status:"ok", response:{type:
 *   "order", data:{statuses:[{resting:{oid}} | {filled:{totalSz, avgPx, oid}} | {error}]}}}`, one
 *   status per order of the batch, in order (the "Error responses" page: "returned as a vector with
 *   same length as the batched request"; a payload refused at pre-validation gets one error only);
 * - @nktkas/hyperliquid's `OrderResponse` (src/api/exchange/_methods/order.ts): `cloid` is echoed
 *   in `resting`/`filled` when the order had one, and a TP/SL child's status is a bare string
 *   ("waitingForFill", "waitingForTrigger");
 * - a refused request (bad signature, unknown agent, malformed action) is `{status:"err",
 *   response:"<message>"}` (same lib's `ApiRequestError`, and the Rust SDK's ExchangeResponseStatus).
 * Objects are loose: a field the exchange adds must not break copying.
 */

const oid = z.number().int().nonnegative();
const cloid = z.string().regex(/^0x[0-9a-fA-F]{32}$/, { error: "expected a cloid" });

/** What became of one order, flattened for the engine. */
export type OrderOutcome =
  | { kind: "resting"; oid: number }
  | { kind: "filled"; oid: number; totalSz: string; avgPx: string }
  | { kind: "error"; message: string }
  | { kind: "waiting"; status: "waitingForFill" | "waitingForTrigger" };

export const orderStatusSchema = z.union([
  z
    .looseObject({ resting: z.looseObject({ oid, cloid: cloid.optional() }) })
    .transform((s): OrderOutcome => ({ kind: "resting", oid: s.resting.oid })),
  z
    .looseObject({ filled: z.looseObject({ totalSz: decimalString, avgPx: decimalString, oid, cloid: cloid.optional() }) })
    .transform(({ filled: f }): OrderOutcome => ({ kind: "filled", oid: f.oid, totalSz: f.totalSz, avgPx: f.avgPx })),
  z.looseObject({ error: z.string() }).transform((s): OrderOutcome => ({ kind: "error", message: s.error })),
  z.enum(["waitingForFill", "waitingForTrigger"]).transform((status): OrderOutcome => ({ kind: "waiting", status })),
]);

export const exchangeOrderAnswerSchema = z.discriminatedUnion("status", [
  z.looseObject({
    status: z.literal("ok"),
    response: z.looseObject({
      type: z.literal("order"),
      data: z.looseObject({ statuses: z.array(orderStatusSchema) }),
    }),
  }),
  z.looseObject({ status: z.literal("err"), response: z.string() }),
]);

/** Result of an order action: refused as a whole, or one outcome per order of the batch. */
export type OrderActionResult = { ok: false; message: string } | { ok: true; outcomes: OrderOutcome[] };

/** An /exchange answer of a shape we do not know, naming the first offending field. */
export const answerSchemaError = (label: string, error: z.ZodError): ExchangeSchemaError => {
  const issue = error.issues[0];
  const path = issue?.path.join(".") ?? "";
  return new ExchangeSchemaError(label, undefined, `${path || "(root)"}: ${issue?.message ?? "invalid"}`, path);
};

/** Validates the answer at the boundary; a shape we do not know is an ExchangeSchemaError, never a guess. */
export const parseOrderAnswer = (body: unknown): OrderActionResult => {
  const parsed = exchangeOrderAnswerSchema.safeParse(body);
  if (!parsed.success) throw answerSchemaError("exchange order", parsed.error);
  const answer = parsed.data;
  if (answer.status === "err") return { ok: false, message: answer.response };
  return { ok: true, outcomes: answer.response.data.statuses };
};

/**
 * The exchange's address-based limit: every address may send 10,000 actions, then one more per
 * 1 USDC it has traded (docs: "Rate limits and user limits", address-based limits). Past it the
 * exchange refuses with "Too many cumulative requests sent (14295 > 14294) for cumulative volume
 * traded $4295.52. Place taker orders to free up 1 request per USDC traded." (as bots quote it;
 * the docs print no string). Retrying makes it worse (each refused request counts), so it is never
 * retried: it means the account must trade (or buy request weight) before it can copy again.
 */
const ADDRESS_LIMIT_RE = /^Too many cumulative requests sent\b/;

export const isAddressRateLimited = (message: string): boolean => ADDRESS_LIMIT_RE.test(message.trim());

/** The clear words we report it with (the exchange's own text kept at the end for the record). */
export const addressRateLimitMessage = (message: string): string =>
  "the exchange's address-based request limit is used up for this account (10,000 requests plus 1 per USDC traded): " +
  `no order is sent until it has traded more or bought request weight; the exchange said: ${message}`;

/** The answer to a `cancel` action: one "success" or `{error}` per cancel, or the whole action refused. */
export const exchangeCancelAnswerSchema = z.discriminatedUnion("status", [
  z.looseObject({
    status: z.literal("ok"),
    response: z.looseObject({
      type: z.literal("cancel"),
      data: z.looseObject({ statuses: z.array(z.union([z.literal("success"), z.looseObject({ error: z.string() })])) }),
    }),
  }),
  z.looseObject({ status: z.literal("err"), response: z.string() }),
]);
