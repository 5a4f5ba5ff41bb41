import { secretMatches } from "#commons/secret-compare.js";
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from "./errors.js";

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
  if (!secretMatches(presented, configured)) {
    throw new ForbiddenError("The x-api-key header does not match the admin key");
  }
};
