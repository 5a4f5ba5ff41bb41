import { setTimeout as delay } from "node:timers/promises";
import type { Pool } from "undici";
import { backoffDelay } from "#commons/backoff.js";
import { AppError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import type { WeightBudget } from "#domain/budget.js";
import type { CallOptions } from "#domain/exchange.js";
import { ExchangeRequestError, ExchangeSchemaError, ExchangeUnavailableError } from "./errors.js";

/**
 * One POST to the exchange, paid for in the weight budget and retried the house way: both the
 * `/info` client (./client.ts) and the `/exchange` action client (./exchange/client.ts) send
 * through it, so a 429 on either slows both, and neither can spend weight the other does not see.
 * 429s, 5xx, timeouts and dropped connections are retried with exponential backoff and full
 * jitter; any other answer fails at once with an error that says why.
 */

export interface TransportCounters {
  requests: number;
  retries: number;
  http429: number;
  http5xx: number;
  timeouts: number;
  connectionErrors: number;
  schemaErrors: number;
}

/** How a client pays for and retries its requests: the same settings for `/info` and `/exchange`. */
export interface RetryingClientOptions {
  /** API base (`https://api.hyperliquid.xyz`); the client adds `/info` or `/exchange`. */
  baseUrl: string;
  budget: WeightBudget;
  timeoutMs: number;
  maxRetries: number;
  logger?: AppLogger;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Backoff before retry k (from 1) is random() × min(retryMaxDelayMs, retryBaseDelayMs × 2^(k-1)). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Sockets kept open to the exchange. */
  connections?: number;
}

export interface TransportOptions extends Omit<RetryingClientOptions, "baseUrl" | "connections"> {
  pool: Pool;
  counters: TransportCounters;
  /** Told of every weight paid (each attempt's), for the caller's per-lane stats. */
  onPaid?: (lane: CallOptions["lane"], weight: number) => void;
}

export interface PostOptions extends CallOptions {
  /** The user or coin asked about, named in error messages. */
  subject?: string;
}

export interface PostRequest {
  path: string;
  /** The request's name in logs and errors (the info type, or `exchange:<action>`). */
  label: string;
  json: string;
  weight: number;
}

/** Why an attempt failed in a way worth another try; `reached` when the exchange may have acted on it. */
type Attempt = { ok: true; raw: unknown } | { ok: false; problem: string; reached: boolean; cause?: unknown };

/** Errors that mean the connection failed, not the request: worth another attempt. */
const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Failures before a byte could have reached the exchange. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** undici's headers and body timers: the exchange did not answer in time. */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

const JSON_HEADERS = { "content-type": "application/json" } as const;

const errorCode = (e: unknown): string | undefined => {
  const err = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof err?.code === "string") return err.code;
  // Node reports a failed multi-address connect as an AggregateError; undici may wrap in `cause`.
  return err?.errors?.length ? errorCode(err.errors[0]) : err?.cause ? errorCode(err.cause) : undefined;
};

/** Every attempt failed; `reached` when at least one may have been acted on (a timeout, a 5xx). */
export class TransportGaveUpError extends ExchangeUnavailableError {
  readonly reached: boolean;
  constructor(label: string, attempts: number, lastProblem: string, reached: boolean, cause?: unknown) {
    super(label, attempts, lastProblem, cause);
    this.reached = reached;
  }
}

export type PostJson = (request: PostRequest, o: PostOptions) => Promise<unknown>;

export const createTransport = (opts: TransportOptions): PostJson => {
  const { pool, budget, timeoutMs, maxRetries, logger, counters } = opts;
  const random = opts.random ?? Math.random;
  // The default wait ends early when the caller aborts; the abort itself is reported just after.
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined));
  const retryBase = opts.retryBaseDelayMs ?? 250;
  const retryMax = opts.retryMaxDelayMs ?? 8_000;

  /**
   * One HTTP exchange; throws only what no retry can fix. The wait is bounded by undici's own
   * per-request timers: `timeoutMs` for the answer's headers, then at most `timeoutMs` between
   * chunks of its body. (An AbortController and a timer of our own per request cost as much CPU
   * as the rest of the request put together; the caller's signal is passed on only when given.)
   */
  const attemptOnce = async (r: PostRequest, o: PostOptions): Promise<Attempt> => {
    counters.requests++;
    try {
      const res = await pool.request({
        method: "POST",
        path: r.path,
        headers: JSON_HEADERS,
        body: r.json,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(o.signal && { signal: o.signal }),
      });
      const text = await res.body.text();
      if (res.statusCode === 429) {
        // Body is `null`; the exchange counts per IP, so every caller here must slow down.
        counters.http429++;
        budget.backoff();
        return { ok: false, problem: "HTTP 429", reached: false };
      }
      if (res.statusCode >= 500) {
        counters.http5xx++;
        return { ok: false, problem: `HTTP ${res.statusCode}`, reached: true };
      }
      if (res.statusCode < 200 || res.statusCode > 299) throw new ExchangeRequestError(r.label, res.statusCode, text);
      try {
        return { ok: true, raw: JSON.parse(text) as unknown };
      } catch {
        counters.schemaErrors++;
        throw new ExchangeSchemaError(r.label, o.subject, `(root): body is not JSON: ${text.slice(0, 80)}`, "");
      }
    } catch (error) {
      if (o.signal?.aborted) throw o.signal.reason ?? error;
      if (error instanceof AppError) throw error;
      const code = errorCode(error);
      if (code !== undefined && TIMEOUT_CODES.has(code)) {
        counters.timeouts++;
        return { ok: false, problem: `no answer within ${timeoutMs} ms`, reached: true, cause: error };
      }
      if (code && RETRYABLE_CODES.has(code)) {
        counters.connectionErrors++;
        return { ok: false, problem: `connection error ${code}`, reached: !NOT_SENT_CODES.has(code), cause: error };
      }
      throw error;
    }
  };

  /** Pays, sends, retries; returns the parsed JSON of the first good answer. */
  return async (r, o) => {
    let reached = false;
    for (let attempt = 1; ; attempt++) {
      await budget.take(o.lane, r.weight, {
        ...(o.signal && { signal: o.signal }),
        ...(o.urgent === true && { urgent: true }),
        ...(o.budgetDeadline !== undefined && { maxWaitMs: Math.max(0, o.budgetDeadline - Date.now()) }),
      });
      opts.onPaid?.(o.lane, r.weight);
      const result = await attemptOnce(r, o);
      if (result.ok) return result.raw;
      reached ||= result.reached;
      if (attempt > maxRetries) throw new TransportGaveUpError(r.label, attempt, result.problem, reached, result.cause);
      counters.retries++;
      const delayMs = backoffDelay(attempt - 1, { initialMs: retryBase, maxMs: retryMax }, random);
      logger?.warn("Hyperliquid request failed, retrying", { type: r.label, subject: o.subject, problem: result.problem, attempt, delayMs });
      await sleep(delayMs, o.signal);
      o.signal?.throwIfAborted();
    }
  };
};
