import { mapWithConcurrency } from "../concurrency.js";
import type { FeedConnection, FeedSender } from "./ports.js";
import { ConnectionGoneError } from "./ports.js";
import { encodeServerMessage, type ServerMessage } from "./messages.js";

/** Posts in flight at once per event: API Gateway's management API is fast, but not unlimited. */
export const DEFAULT_FAN_OUT_CONCURRENCY = 100;
/** The most a caller may ask for; the management client keeps this many sockets open. */
export const MAX_FAN_OUT_CONCURRENCY = 200;

export interface FanOutResult {
  sent: number;
  /** Connections that answered 410: already removed from the store (or the removal was logged). */
  gone: string[];
  /** Connections whose send failed otherwise; they keep their item and get the next event. */
  failed: { connectionId: string; error: unknown }[];
}

/**
 * Sends one message to each connection with bounded concurrency. One client's failure never stops
 * the others, and is not the event's failure: retrying the event would send it again to every
 * client that already got it.
 */
export const fanOut = async (
  connections: readonly FeedConnection[],
  message: ServerMessage,
  deps: { sender: FeedSender; onGone: (connectionId: string) => Promise<void>; concurrency?: number },
): Promise<FanOutResult> => {
  const result: FanOutResult = { sent: 0, gone: [], failed: [] };
  // Serialized once: every client gets the same bytes.
  const encoded = encodeServerMessage(message);
  const concurrency = Math.min(Math.max(1, deps.concurrency ?? DEFAULT_FAN_OUT_CONCURRENCY), MAX_FAN_OUT_CONCURRENCY);
  await mapWithConcurrency(connections, concurrency, async ({ connectionId }) => {
    try {
      await deps.sender.send(connectionId, encoded);
      result.sent++;
    } catch (error) {
      if (error instanceof ConnectionGoneError) {
        result.gone.push(connectionId);
        try {
          await deps.onGone(connectionId);
        } catch (removeError) {
          // The item expires by TTL anyway; the next event will try again.
          result.failed.push({ connectionId, error: removeError });
        }
      } else {
        result.failed.push({ connectionId, error });
      }
    }
  });
  return result;
};
