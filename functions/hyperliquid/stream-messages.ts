import { z } from "zod";
import type { RecentTrade } from "#domain/exchange.js";
import { toRecentTrades } from "./mappers.js";
import { recentTradeSchema } from "./schemas.js";

/**
 * The `trades` channel of the venue's WebSocket on the wire: what we send, and every frame we
 * receive read through zod into one of a few kinds. Nothing here throws: a frame that does not
 * read is `malformed`, and a bad trade inside a good frame is counted and left out.
 *
 *   → {"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}   (and "unsubscribe")
 *   ← {"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{...}}}
 *   ← {"channel":"trades","data":[{coin,side,px,sz,hash,time,tid,users:[buyer,seller]}]}
 *   → {"method":"ping"}   ← {"channel":"pong"}
 *   ← {"channel":"error","data":"Already subscribed: {\"type\":\"trades\",\"coin\":\"BTC\"}"}
 */

export type SubscriptionMethod = "subscribe" | "unsubscribe";

export const PING = JSON.stringify({ method: "ping" });

export const subscriptionMessage = (method: SubscriptionMethod, coin: string): string =>
  JSON.stringify({ method, subscription: { type: "trades", coin } });

export type StreamMessage =
  | { kind: "trades"; trades: RecentTrade[]; badTrades: number }
  | { kind: "ack"; method: SubscriptionMethod; coin: string }
  | { kind: "error"; text: string; coin: string | undefined }
  | { kind: "pong" }
  /** A channel we do not use (another subscription type's ack, a future channel): not an error. */
  | { kind: "other"; channel: string }
  | { kind: "malformed"; why: string };

const envelopeSchema = z.looseObject({ channel: z.string().min(1), data: z.unknown().optional() });
const tradesSubscriptionSchema = z.looseObject({ type: z.literal("trades"), coin: z.string().min(1) });
const ackSchema = z.looseObject({ method: z.enum(["subscribe", "unsubscribe"]), subscription: z.looseObject({ type: z.string() }) });
const errorSchema = z.string();
// An error quotes what it refuses: the subscription, or (we allow for it) the whole request.
const quotedRequestSchema = z.looseObject({ subscription: tradesSubscriptionSchema });

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The coin of the trades subscription an error message quotes, if it quotes one. */
export const coinQuotedIn = (text: string): string | undefined => {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  const quoted = parseJson(text.slice(start, end + 1));
  const request = quotedRequestSchema.safeParse(quoted);
  if (request.success) return request.data.subscription.coin;
  const subscription = tradesSubscriptionSchema.safeParse(quoted);
  return subscription.success ? subscription.data.coin : undefined;
};

export const parseStreamMessage = (text: string): StreamMessage => {
  const envelope = envelopeSchema.safeParse(parseJson(text));
  if (!envelope.success) return { kind: "malformed", why: `not a {channel, data} frame: ${text.slice(0, 120)}` };
  const { channel, data } = envelope.data;
  switch (channel) {
    case "trades": {
      if (!Array.isArray(data)) return { kind: "malformed", why: "trades: data is not an array" };
      const good = data.flatMap((t) => {
        const r = recentTradeSchema.safeParse(t);
        return r.success ? [r.data] : [];
      });
      return { kind: "trades", trades: toRecentTrades(good), badTrades: data.length - good.length };
    }
    case "subscriptionResponse": {
      const ack = ackSchema.safeParse(data);
      if (!ack.success) return { kind: "malformed", why: "subscriptionResponse: no method and subscription" };
      const trades = tradesSubscriptionSchema.safeParse(ack.data.subscription);
      if (!trades.success) return { kind: "other", channel: `subscriptionResponse:${ack.data.subscription.type}` };
      return { kind: "ack", method: ack.data.method, coin: trades.data.coin };
    }
    case "error": {
      const error = errorSchema.safeParse(data);
      const text = error.success ? error.data : JSON.stringify(data ?? null);
      return { kind: "error", text, coin: coinQuotedIn(text) };
    }
    case "pong":
      return { kind: "pong" };
    default:
      return { kind: "other", channel };
  }
};
