import { createHash, timingSafeEqual } from "node:crypto";
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from "./errors.js";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Admin routes need `x-api-key` equal to ADMIN_API_KEY. Both sides are hashed first so the
 * comparison is constant-time and equal-length whatever the caller sends.
 */
export const checkAdminKey = (configured: string | undefined, presented: string | undefined): void => {
  if (configured === undefined || configured === "") {
    throw new ServiceUnavailableError("Admin operations are disabled: ADMIN_API_KEY is not configured on this server");
  }
  if (presented === undefined || presented === "") {
    throw new UnauthorizedError("This operation needs the admin key in the x-api-key header");
  }
  if (!timingSafeEqual(digest(configured), digest(presented))) {
    throw new ForbiddenError("The x-api-key header does not match the admin key");
  }
};
