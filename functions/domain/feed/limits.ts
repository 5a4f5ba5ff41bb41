/**
 * What one client may do to the live feed, in one place: the `$connect` and `$default` handlers
 * enforce it in both places (through DynamoDB, so it holds across Lambda instances), and the local
 * gateway checks the same numbers in process (local/ws-limits.ts) to protect `npm start` itself.
 * Each is a setting (#commons/config.js: WS_MAX_CONNECTIONS, WS_MAX_CONNECTIONS_PER_IP,
 * WS_MESSAGES_PER_SECOND, WS_MESSAGE_BURST); these are the defaults.
 */
export interface FeedLimits {
  /** Open connections in all; 0: no cap. */
  maxConnections: number;
  /** Open connections from one source address; 0: no cap. */
  maxConnectionsPerIp: number;
  /** Messages a connection may send per second, steadily; more are answered "Too Many Requests" and not executed. */
  messagesPerSecond: number;
  /** Messages a connection may send at once before the rate applies. */
  burst: number;
  /**
   * Messages refused, counted until the connection's bucket is full again, after which it is
   * closed: a client that keeps sending over its rate is not served a refusal per message for two
   * hours, while one that bursts now and then and calms down is never closed.
   */
  closeAfterRefused: number;
}

/**
 * 10,000 in all: what the sharded fan-out is built and benchmarked for (npm run bench:api); 100 per
 * address, so that no one client takes more than a hundredth of it.
 */
export const DEFAULT_FEED_LIMITS: FeedLimits = {
  maxConnections: 10_000,
  maxConnectionsPerIp: 100,
  messagesPerSecond: 10,
  burst: 20,
  closeAfterRefused: 20,
};

/** The limits as the settings give them (validated by #commons/config.js). */
export const feedLimitsFrom = (c: {
  WS_MAX_CONNECTIONS: number;
  WS_MAX_CONNECTIONS_PER_IP: number;
  WS_MESSAGES_PER_SECOND: number;
  WS_MESSAGE_BURST: number;
}): FeedLimits => ({
  maxConnections: c.WS_MAX_CONNECTIONS,
  maxConnectionsPerIp: c.WS_MAX_CONNECTIONS_PER_IP,
  messagesPerSecond: c.WS_MESSAGES_PER_SECOND,
  burst: c.WS_MESSAGE_BURST,
  closeAfterRefused: DEFAULT_FEED_LIMITS.closeAfterRefused,
});

/** A cap of 0 means none; as a count to compare with. */
export const capOf = (cap: number): number => (cap === 0 ? Number.POSITIVE_INFINITY : cap);

export type MessageRate = Pick<FeedLimits, "messagesPerSecond" | "burst">;

/**
 * The token bucket of a connection, kept as one number so that a conditional write can hold it:
 * the "theoretical arrival time" (GCRA), the moment (epoch ms) at which the bucket would be full
 * again. A message at `now` is within the rate when, after it, that moment is at most `burst`
 * message intervals ahead: `burst` at once, then one per interval, exactly as a bucket of `burst`
 * tokens refilled at `messagesPerSecond`. A refused message leaves the bucket as it was.
 */
export const takeMessage = (
  fullAt: number | undefined,
  now: number,
  rate: MessageRate,
): { accepted: true; fullAt: number } | { accepted: false } => {
  const interval = 1_000 / rate.messagesPerSecond;
  const next = Math.max(fullAt ?? now, now) + interval;
  return next - now <= rate.burst * interval ? { accepted: true, fullAt: next } : { accepted: false };
};

/** A bucket that has refilled by `now` (or was never used): the message is accepted whatever it held. */
export const isFull = (fullAt: number | undefined, now: number): boolean => fullAt === undefined || fullAt <= now;
