import { AppError } from "#commons/errors.js";

/**
 * Errors of the Hyperliquid adapter. Each says which request failed and why, so a log line is
 * enough to tell an exchange change (schema) from an outage (unavailable) from our own limit.
 */

/** The exchange answered, but not in the shape we rely on. Never retried: the answer would not change. */
export class ExchangeSchemaError extends AppError {
  readonly requestType: string;
  /** First offending field as a dotted path ("assetPositions.0.position.szi"); "" for the root. */
  readonly path: string;
  constructor(requestType: string, subject: string | undefined, details: string, path: string) {
    super("EXCHANGE_SCHEMA", `${requestType}${subject ? ` for ${subject}` : ""}: ${details}`, 502);
    this.requestType = requestType;
    this.path = path;
  }
}

/** The exchange refused the request itself (4xx other than 429): retrying cannot help. */
export class ExchangeRequestError extends AppError {
  readonly httpStatus: number;
  constructor(requestType: string, httpStatus: number, body: string) {
    super("EXCHANGE_REQUEST", `${requestType}: HTTP ${httpStatus}: ${body.slice(0, 200)}`, 502);
    this.httpStatus = httpStatus;
  }
}

/** 429s, 5xx, timeouts or connection errors outlasted every retry. */
export class ExchangeUnavailableError extends AppError {
  readonly attempts: number;
  constructor(requestType: string, attempts: number, lastProblem: string, cause?: unknown) {
    super(
      "EXCHANGE_UNAVAILABLE",
      `${requestType}: gave up after ${attempts} attempt(s); last: ${lastProblem}`,
      503,
      { cause },
    );
    this.attempts = attempts;
  }
}

/** The weight budget could not grant the weight within the caller's wait limit. */
export class BudgetTimeoutError extends AppError {
  constructor(lane: string, weight: number, waitedMs: number) {
    super("BUDGET_TIMEOUT", `weight budget: ${lane} could not get ${weight} within ${waitedMs} ms`, 503);
  }
}

/** More weight than the lane may ever hold in one window: waiting would never help. */
export class BudgetRequestTooLargeError extends AppError {
  constructor(lane: string, weight: number, max: number) {
    super("BUDGET_TOO_LARGE", `weight budget: ${lane} asked for ${weight}, the most it can ever get is ${max}`, 500);
  }
}

/** More coins than the trades stream may subscribe: the venue would refuse the rest, so we refuse all. */
export class StreamSubscriptionLimitError extends AppError {
  constructor(asked: number, max: number) {
    super("STREAM_TOO_MANY_COINS", `trades stream: asked for ${asked} coins, the venue allows ${max} subscriptions per IP`, 500);
  }
}
