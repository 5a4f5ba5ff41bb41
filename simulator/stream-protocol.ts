import { z } from "zod";
import type { WireTrade } from "./wire.js";

/**
 * The exchange's WebSocket messages, as far as the simulator speaks them: `ping`, and `subscribe`
 * / `unsubscribe` to `trades`. Wording of the `error` answers is the exchange's own (its open
 * source API server and what clients have recorded from it).
 */

const TradesSubscription = z.object({ type: z.literal("trades"), coin: z.string() });

/** Unknown keys are dropped, not refused: the exchange's parser ignores them too. */
const ClientMessage = z.union([
  z.object({ method: z.literal("ping") }),
  z.object({ method: z.enum(["subscribe", "unsubscribe"]), subscription: TradesSubscription }),
]);

export type ClientRequest = z.infer<typeof ClientMessage>;
export type SubscriptionRequest = Extract<ClientRequest, { subscription: unknown }>;

/** Anything that is not one of the messages above; the exchange quotes the text back. */
export const parseError = (text: string): string => `Error parsing JSON into valid websocket request: ${text}`;

/**
 * Reads one text frame. A subscription type the simulator does not serve (`l2Book`, `userFills`,
 * ...) gets the parse error, as the exchange gives for a type it does not know.
 */
export const parseClientMessage = (text: string): ClientRequest | { error: string } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: parseError(text) };
  }
  const parsed = ClientMessage.safeParse(json);
  return parsed.success ? parsed.data : { error: parseError(text) };
};

/** The subscription as the exchange writes it back: its own key order, unknown keys gone. */
export const canonical = (sub: SubscriptionRequest["subscription"]): string =>
  JSON.stringify({ type: sub.type, coin: sub.coin });

export const invalidSubscription = (sub: string): string => `Invalid subscription: ${sub}`;
export const alreadySubscribed = (sub: string): string => `Already subscribed: ${sub}`;
export const alreadyUnsubscribed = (sub: string): string => `Already unsubscribed: ${sub}`;
export const tooManySubscriptions = (limit: number): string => `Cannot subscribe to more than ${limit} channels.`;
export const tooManyMessages = (limit: number): string => `Cannot send more than ${limit} messages per minute.`;

export const PONG = JSON.stringify({ channel: "pong" });

export const errorMessage = (text: string): string => JSON.stringify({ channel: "error", data: text });

/** The ack echoes the request: `{"channel":"subscriptionResponse","data":{"method":..,"subscription":..}}`. */
export const subscriptionResponse = (method: SubscriptionRequest["method"], sub: string): string =>
  `{"channel":"subscriptionResponse","data":{"method":${JSON.stringify(method)},"subscription":${sub}}}`;

export const tradesMessage = (trades: readonly WireTrade[]): string => JSON.stringify({ channel: "trades", data: trades });

/**
 * The exchange sends a coin's trades once per block: here, a run of trades with one time is a
 * block, sent as one message per coin (in the order the coins first trade in it), blocks in the
 * order they happened.
 */
export const messagesOf = (trades: readonly WireTrade[]): [coin: string, trades: WireTrade[]][] => {
  const messages: [string, WireTrade[]][] = [];
  let block = new Map<string, WireTrade[]>();
  let time: number | null = null;
  for (const t of trades) {
    if (t.time !== time) {
      messages.push(...block);
      block = new Map();
      time = t.time;
    }
    const same = block.get(t.coin);
    if (same) same.push(t);
    else block.set(t.coin, [t]);
  }
  messages.push(...block);
  return messages;
};
