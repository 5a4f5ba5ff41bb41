import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether a presented secret (an API key, a token, an origin header) equals the configured one, in
 * constant time whatever the lengths: the digests are compared, never the strings.
 */
export const secretMatches = (presented: string | undefined, configured: string): boolean =>
  presented !== undefined && timingSafeEqual(digest(presented), digest(configured));
