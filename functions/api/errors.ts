import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";

/** HTTP-edge errors, in the one AppError hierarchy so the single mapping below handles them. */
export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super("UNAUTHORIZED", message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super("FORBIDDEN", message, 403);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes`, 413);
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super("RATE_LIMITED", `Too many requests: retry in ${retryAfterSeconds} s`, 429);
  }
}

/** The request does not fit the resource's current state (resume a stopped follower). */
export class ConflictError extends AppError {
  constructor(message: string) {
    super("CONFLICT", message, 409);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super("SERVICE_UNAVAILABLE", message, 503);
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

const errorJson = (c: Context, status: number, code: string, message: string): Response =>
  c.json({ error: { code, message } } satisfies ErrorBody, status as ContentfulStatusCode);

/**
 * The one mapping from errors to responses. An AppError says its own status and code; anything
 * else is a bug or an outage: logged in full, answered with a generic 500 (never a stack trace).
 */
export const errorResponse = (c: Context, error: unknown, log: AppLogger): Response => {
  if (error instanceof AppError && error.status >= 400 && error.status < 500) {
    if (error instanceof RateLimitedError) c.header("Retry-After", String(error.retryAfterSeconds));
    return errorJson(c, error.status, error.code, error.message);
  }
  if (error instanceof ServiceUnavailableError) return errorJson(c, 503, error.code, error.message);
  log.error("Unhandled error in the HTTP API", { error, method: c.req.method, path: c.req.path });
  return errorJson(c, 500, "INTERNAL", "Internal server error");
};

export const notFoundResponse = (c: Context): Response =>
  errorJson(c, 404, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`);
