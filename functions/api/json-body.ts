import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ValidationError } from "#commons/errors.js";
import type { ApiEnv } from "./env.js";
import { PayloadTooLargeError } from "./errors.js";

/**
 * Reads a route's body into `jsonBody`: 413 beyond `maxBytes`, 400 when it is not JSON. Bodies
 * are optional everywhere, but one that is sent must be JSON. One per route rather than one for
 * the app, so a route whose body is a list (POST /traders/track) can take more than the rest.
 *
 * Only routes of methods that carry a body get it: the limit reads `c.req.raw.body`, which makes
 * @hono/node-server build a full fetch Request, about a fifth of a cached GET's CPU.
 */
export const jsonBody = (maxBytes: number): MiddlewareHandler<ApiEnv> => {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
  return (c, next) =>
    limit(c, async () => {
      const text = await c.req.text();
      if (text.trim() !== "") {
        try {
          c.set("jsonBody", JSON.parse(text));
        } catch {
          throw new ValidationError("The request body is not valid JSON");
        }
      }
      await next();
    });
};
