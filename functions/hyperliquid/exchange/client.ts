import { Pool } from "undici";
import { normalizeApiBase } from "#commons/config.js";
import type { CallOptions } from "#domain/exchange.js";
import { ExchangeSchemaError } from "../errors.js";
import { createTransport, type RetryingClientOptions, type TransportCounters } from "../transport.js";
import { exchangeActionWeight } from "../weights.js";
import type { OrderAction } from "./actions.js";
import type { ExchangeRequest } from "./request.js";
import {
  addressRateLimitMessage,
  answerSchemaError,
  exchangeCancelAnswerSchema,
  isAddressRateLimited,
  parseOrderAnswer,
  type OrderOutcome,
} from "./responses.js";

/**
 * The one POST /exchange client. A signed action is paid for in the SAME weight budget as the
 * `/info` requests (weight 1 + floor(orders / 40)), and sent through the same transport: 429s
 * slow every caller of the process, and 429s, 5xx, timeouts and dropped connections are retried
 * with backoff. Retrying a signed action is safe: it is the same bytes with the same nonce, which
 * the exchange accepts at most once, and each order carries its cloid.
 * The answer is validated (./responses.ts); the exchange's address-based request limit is
 * recognised and reported in plain words, never retried.
 */

/** `baseUrl` without `/exchange`: the same base as `/info`'s. */
export type ExchangeActionClientOptions = RetryingClientOptions;

/** An order action's answer: refused as a whole, or one outcome per order, in order. */
export type OrderActionAnswer =
  | { ok: false; message: string; addressLimited: boolean }
  | { ok: true; outcomes: OrderOutcome[] };

export type CancelAnswer = { ok: false; message: string } | { ok: true; results: ("success" | { error: string })[] };

export interface ExchangeActionStats extends TransportCounters {
  weight: number;
}

export interface ExchangeActionClient {
  placeOrders(request: ExchangeRequest<OrderAction>, opts: CallOptions): Promise<OrderActionAnswer>;
  cancel(request: ExchangeRequest<{ type: "cancel"; cancels: { a: number; o: number }[] }>, opts: CallOptions): Promise<CancelAnswer>;
  stats(): ExchangeActionStats;
  close(): Promise<void>;
}

/** An error outcome in plain words when it is the address limit; unchanged otherwise. */
const clarify = (outcome: OrderOutcome): OrderOutcome =>
  outcome.kind === "error" && isAddressRateLimited(outcome.message)
    ? { kind: "error", message: addressRateLimitMessage(outcome.message) }
    : outcome;

export const toOrderActionAnswer = (raw: unknown): OrderActionAnswer => {
  const result = parseOrderAnswer(raw);
  if (!result.ok) {
    const limited = isAddressRateLimited(result.message);
    return { ok: false, message: limited ? addressRateLimitMessage(result.message) : result.message, addressLimited: limited };
  }
  return { ok: true, outcomes: result.outcomes.map(clarify) };
};

export const toCancelAnswer = (raw: unknown): CancelAnswer => {
  const parsed = exchangeCancelAnswerSchema.safeParse(raw);
  if (!parsed.success) throw answerSchemaError("exchange cancel", parsed.error);
  const answer = parsed.data;
  return answer.status === "err" ? { ok: false, message: answer.response } : { ok: true, results: answer.response.data.statuses };
};

export const createExchangeActionClient = (opts: ExchangeActionClientOptions): ExchangeActionClient => {
  const base = new URL(normalizeApiBase(opts.baseUrl));
  const path = `${base.pathname.replace(/\/+$/, "")}/exchange`;
  const pool = new Pool(base.origin, { connections: opts.connections ?? 4, keepAliveTimeout: 30_000 });
  const counters: TransportCounters = { requests: 0, retries: 0, http429: 0, http5xx: 0, timeouts: 0, connectionErrors: 0, schemaErrors: 0 };
  let weight = 0;
  const post = createTransport({ ...opts, pool, counters, onPaid: (_lane, w) => (weight += w) });

  const send = (request: ExchangeRequest, batchLength: number, o: CallOptions): Promise<unknown> =>
    post({ path, label: `exchange:${String(request.action.type)}`, json: JSON.stringify(request), weight: exchangeActionWeight(batchLength) }, o);

  const counted = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ExchangeSchemaError) counters.schemaErrors++;
      throw error;
    }
  };

  return {
    async placeOrders(request, o) {
      const raw = await send(request, request.action.orders.length, o);
      return counted(() => toOrderActionAnswer(raw));
    },
    async cancel(request, o) {
      const raw = await send(request, request.action.cancels.length, o);
      return counted(() => toCancelAnswer(raw));
    },
    stats: () => ({ ...counters, weight }),
    close: () => pool.close(),
  };
};
