import { StreamSubscriptionLimitError } from "./errors.js";
import type { SubscriptionMethod } from "./stream-messages.js";

/**
 * The coins the stream wants against what the current connection holds. The stream asks `next()`
 * for one message at a time (as its pacing allows), so the connection converges on the wanted
 * set however often that set changes, and a reconnect (`reset`) simply starts it again from empty.
 * Pure bookkeeping: no socket, no clock.
 */

/** Asked and unanswered, held, or being given up. */
type Held = "subscribing" | "subscribed" | "unsubscribing";

export class SubscriptionBook {
  private wanted = new Set<string>();
  private readonly held = new Map<string, Held>();
  private readonly refused = new Set<string>();

  constructor(private readonly maxSubscriptions: number) {}

  /** Sets the wanted coins. Coins the venue refused stay out: asking again would be refused again. */
  want(coins: readonly string[]): void {
    const next = new Set(coins.filter((c) => !this.refused.has(c)));
    if (next.size > this.maxSubscriptions) throw new StreamSubscriptionLimitError(next.size, this.maxSubscriptions);
    this.wanted = next;
  }

  /** A new connection holds nothing: the venue keeps subscriptions per connection. */
  reset(): void {
    this.held.clear();
  }

  /**
   * The next message to send, already counted as sent. Unsubscribes go first and a subscribe waits
   * while the connection holds the limit, so the venue never sees one subscription too many, even
   * while coins are being swapped.
   */
  next(): { method: SubscriptionMethod; coin: string } | undefined {
    for (const [coin, state] of this.held) {
      if (state === "subscribed" && !this.wanted.has(coin)) {
        this.held.set(coin, "unsubscribing");
        return { method: "unsubscribe", coin };
      }
    }
    if (this.held.size >= this.maxSubscriptions) return undefined;
    for (const coin of this.wanted) {
      if (!this.held.has(coin)) {
        this.held.set(coin, "subscribing");
        return { method: "subscribe", coin };
      }
    }
    return undefined;
  }

  /** The venue answered. A subscribe answered for a coin no longer wanted is given up by `next()`. */
  acked(method: SubscriptionMethod, coin: string): void {
    if (method === "subscribe") this.held.set(coin, "subscribed");
    else this.held.delete(coin);
  }

  /** What the connection is doing with `coin`, if anything. */
  stateOf(coin: string): Held | undefined {
    return this.held.get(coin);
  }

  /** The venue refused `coin`: dropped for the life of the stream. True the first time. */
  refuse(coin: string): boolean {
    const first = !this.refused.has(coin);
    this.refused.add(coin);
    this.wanted.delete(coin);
    this.held.delete(coin);
    return first;
  }

  /** Every wanted coin is subscribed and acknowledged on this connection. */
  complete(): boolean {
    for (const coin of this.wanted) if (this.held.get(coin) !== "subscribed") return false;
    return true;
  }

  counts(): { wanted: number; subscribed: number; pending: number; refused: string[] } {
    let subscribed = 0;
    for (const coin of this.wanted) if (this.held.get(coin) === "subscribed") subscribed++;
    return { wanted: this.wanted.size, subscribed, pending: this.wanted.size - subscribed, refused: [...this.refused] };
  }
}
