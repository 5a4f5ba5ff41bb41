import type { IncomingMessage } from "node:http";
import { capOf, DEFAULT_FEED_LIMITS, takeMessage, type FeedLimits } from "#domain/feed/limits.js";

/**
 * What the local WebSocket gateway allows one client, so that one local page or script cannot
 * take `npm start` down (eight clients flooding messages for 45 s once ran it out of memory). API
 * Gateway bounds the same things in AWS: it throttles messages (the stage's rate and burst, here
 * per connection), caps connections, and never queues a connection's messages without end.
 */
export interface WebSocketLimits {
  /** Open connections in all (Infinity: no cap). */
  maxConnections: number;
  /** Open connections from one address (Infinity: no cap). */
  maxConnectionsPerIp: number;
  /** Messages a connection may send per second, steadily; more are answered "Too Many Requests" and dropped. */
  messagesPerSecond: number;
  /** Messages a connection may send at once before the rate applies. */
  burst: number;
  /**
   * `$default` invocations of one connection waiting their turn. A client that keeps this many
   * waiting is sending faster than it is served: it is closed (1008), not buffered.
   */
  maxQueued: number;
  /**
   * Origins a browser page may connect from besides the gateway's own (same host and port).
   * A request without an Origin header (not a browser) is always let through.
   */
  allowedOrigins: readonly string[];
}

/**
 * The feed's limits (#domain/feed/limits.js, the settings' defaults), checked here in process as
 * well: the handlers enforce them through DynamoDB, but only once invoked, and a flood must not
 * reach the process's memory first.
 */
export const gatewayLimitsFrom = (feed: FeedLimits): Pick<WebSocketLimits, "maxConnections" | "maxConnectionsPerIp" | "messagesPerSecond" | "burst"> => ({
  maxConnections: capOf(feed.maxConnections),
  maxConnectionsPerIp: capOf(feed.maxConnectionsPerIp),
  messagesPerSecond: feed.messagesPerSecond,
  burst: feed.burst,
});

export const DEFAULT_WS_LIMITS: WebSocketLimits = {
  ...gatewayLimitsFrom(DEFAULT_FEED_LIMITS),
  maxQueued: 50,
  allowedOrigins: [],
};

/**
 * A browser sends the page's Origin with every WebSocket upgrade; any page the user opens may try
 * to connect to localhost. Same origin (the dashboard this server serves) and configured origins
 * pass; a request without Origin (curl, node, a test) is not a page and passes too.
 */
export const originAllowed = (req: IncomingMessage, limits: Pick<WebSocketLimits, "allowedOrigins">): boolean => {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (limits.allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
};

/**
 * A connection's message bucket in process: `take()` is false once the connection has sent more
 * than its rate allows. The rule is the handlers' own (#domain/feed/limits.js takeMessage), kept
 * here in memory instead of on the connection item.
 */
export const messageBucket = (limits: Pick<WebSocketLimits, "messagesPerSecond" | "burst">, now: () => number = Date.now) => {
  let fullAt: number | undefined;
  return {
    take(): boolean {
      const taken = takeMessage(fullAt, now(), limits);
      if (taken.accepted) fullAt = taken.fullAt;
      return taken.accepted;
    },
  };
};
