/**
 * An in-process token bucket per client IP: `capacity` requests at once, refilled at
 * `refillPerSecond`. In Lambda each instance has its own buckets, so this only blunts bursts
 * from one client; API Gateway throttling is the account-wide limit.
 */
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  /** Buckets kept at most; the least recently seen client is forgotten first. */
  maxClients?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { capacity: 120, refillPerSecond: 20, maxClients: 10_000 };

export interface RateLimiter {
  /** 0 when the request may go ahead, else the seconds until a token is available. */
  take(client: string, now: number): number;
}

export const createRateLimiter = (o: RateLimitOptions): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const maxClients = o.maxClients ?? 10_000;
  return {
    take(client, now) {
      const b = buckets.get(client) ?? { tokens: o.capacity, at: now };
      buckets.delete(client); // re-inserted below: Map order doubles as least-recently-seen order
      b.tokens = Math.min(o.capacity, b.tokens + ((now - b.at) / 1000) * o.refillPerSecond);
      b.at = now;
      const wait = b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / o.refillPerSecond));
      if (wait === 0) b.tokens -= 1;
      buckets.set(client, b);
      if (buckets.size > maxClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      return wait;
    },
  };
};
