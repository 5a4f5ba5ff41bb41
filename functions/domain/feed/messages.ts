import { z } from "zod";
import type { PositionEvent } from "../events.js";
import { feedFiltersSchema, type FeedFilters } from "./filters.js";

/**
 * The live feed's wire format, both directions. Clients send small JSON commands; the server sends
 * typed messages, each with its own `type` and an ISO-8601 `timestamp` of when it was sent.
 */

export const clientMessageSchema = z.discriminatedUnion("action", [
  feedFiltersSchema.extend({ action: z.literal("subscribe") }),
  z.object({ action: z.literal("unsubscribe") }),
  z.object({ action: z.literal("ping") }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

/**
 * API Gateway's limit on one WebSocket message, either way: a larger PostToConnection fails with
 * 413 PayloadTooLargeException, and the client never gets it. Events stay far below it
 * (MAX_LISTED_TIDS); the local gateway refuses the same posts (local/management-api.ts).
 */
export const MAX_FEED_MESSAGE_BYTES = 128 * 1024;

/** Commands are tiny, so anything near the 128 KB message limit is a mistake. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; error: string };

/** Never throws: a malformed message becomes an error reply, and the connection stays open. */
export const parseClientMessage = (body: string | undefined | null): ParsedClientMessage => {
  if (body === undefined || body === null || body.trim() === "") return { ok: false, error: "Empty message: send JSON such as {\"action\":\"ping\"}" };
  if (Buffer.byteLength(body) > MAX_CLIENT_MESSAGE_BYTES) return { ok: false, error: `Message larger than ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: "Message is not valid JSON" };
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { ok: false, error: `Invalid message: ${where}${issue?.message ?? "invalid"} (actions: subscribe, unsubscribe, ping)` };
  }
  return { ok: true, message: parsed.data };
};

/** The filters a subscribe message sets, without empty lists. */
export const filtersOf = (m: Extract<ClientMessage, { action: "subscribe" }>): FeedFilters => ({
  ...(m.traders !== undefined && m.traders.length > 0 && { traders: m.traders }),
  ...(m.coins !== undefined && m.coins.length > 0 && { coins: m.coins }),
  ...(m.event_types !== undefined && m.event_types.length > 0 && { event_types: m.event_types }),
});

/** The public fields of an event, as the feed (and the README's event format) shows them. */
export type FeedEvent = Pick<PositionEvent, "id" | "trader_id" | "trader_address" | "timestamp" | "event_type"> & {
  details: Record<string, unknown> & { coin: string };
};

export type ServerMessage =
  | { type: "connection"; message: string; timestamp: string }
  | { type: "trade_event"; data: FeedEvent; timestamp: string }
  | { type: "subscribed"; filters: FeedFilters; timestamp: string }
  | { type: "unsubscribed"; timestamp: string }
  | { type: "pong"; timestamp: string }
  | { type: "error"; message: string; timestamp: string };

/** A server message already serialized to its wire bytes, to send the same bytes to many clients. */
export interface EncodedServerMessage {
  readonly type: ServerMessage["type"];
  /** UTF-8 JSON; shared between sends, so never written to. */
  readonly bytes: Uint8Array;
}

const utf8 = new TextEncoder();

export const encodeServerMessage = (message: ServerMessage): EncodedServerMessage => ({
  type: message.type,
  bytes: utf8.encode(JSON.stringify(message)),
});

export const isEncodedServerMessage = (m: ServerMessage | EncodedServerMessage): m is EncodedServerMessage => "bytes" in m;

const now = (at: number) => new Date(at).toISOString();

export const serverMessages = {
  connection: (at = Date.now()): ServerMessage => ({ type: "connection", message: "Connected to real-time trade feed", timestamp: now(at) }),
  tradeEvent: (data: FeedEvent, at = Date.now()): ServerMessage => ({ type: "trade_event", data, timestamp: now(at) }),
  subscribed: (filters: FeedFilters, at = Date.now()): ServerMessage => ({ type: "subscribed", filters, timestamp: now(at) }),
  unsubscribed: (at = Date.now()): ServerMessage => ({ type: "unsubscribed", timestamp: now(at) }),
  pong: (at = Date.now()): ServerMessage => ({ type: "pong", timestamp: now(at) }),
  error: (message: string, at = Date.now()): ServerMessage => ({ type: "error", message, timestamp: now(at) }),
};
