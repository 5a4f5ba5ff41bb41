export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter: a uniform draw below min(max, initial·2^attempt), for
 * attempt 0, 1, 2, ... The jitter spreads the retries of many callers that failed together (a
 * throttled table, an exchange that dropped every listener at once).
 */
export const backoffDelay = (attempt: number, b: Backoff, random: () => number = Math.random): number => {
  const cap = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
};
