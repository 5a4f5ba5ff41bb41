/**
 * What keeps the trades stream inside the venue's WebSocket limits (per IP: 10 connections,
 * 1,000 subscriptions, 2,000 messages sent a minute) and off the venue's back when it drops us:
 * a sliding count of what was sent (the reconnect delay is #commons/backoff.js).
 */

export interface StreamLimits {
  /** Messages we may send (subscribe, unsubscribe, ping) in any `windowMs`. */
  messagesPerWindow: number;
  /** Subscriptions the connection may hold at once, counting those asked for and not yet answered. */
  subscriptions: number;
  /** New connections we may open in any `windowMs`. */
  connectsPerWindow: number;
  windowMs: number;
}

export const VENUE_STREAM_LIMITS: StreamLimits = {
  messagesPerWindow: 2_000,
  subscriptions: 1_000,
  // Not on the brief's list: one SDK reads the venue as allowing 30 new connections a minute.
  // Backoff alone stays under it; this makes sure of it when a server accepts and drops at once.
  connectsPerWindow: 30,
  windowMs: 60_000,
};

/**
 * The times of the last sends, oldest first. A send is allowed while fewer than `limit` fall in
 * the trailing window; the window is exact (every send kept), which at 2,000 entries costs nothing.
 */
export class SendWindow {
  private sent: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until one more send fits (0: now). */
  waitMs(now: number): number {
    this.prune(now);
    const oldest = this.sent[0];
    if (this.sent.length < this.limit || oldest === undefined) return 0;
    return Math.max(1, oldest + this.windowMs - now);
  }

  record(now: number): void {
    this.sent.push(now);
  }

  /** Sends in the trailing window. */
  count(now: number): number {
    this.prune(now);
    return this.sent.length;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.sent.length && (this.sent[drop] ?? 0) <= now - this.windowMs) drop++;
    if (drop > 0) this.sent.splice(0, drop);
  }
}
