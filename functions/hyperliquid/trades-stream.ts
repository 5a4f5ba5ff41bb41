import WebSocket, { type RawData } from "ws";
import { z } from "zod";
import { logger as defaultLogger } from "#commons/logger.js";
import { PING, parseStreamMessage, subscriptionMessage } from "./stream-messages.js";
import { backoffDelay } from "#commons/backoff.js";
import { type StreamLimits, SendWindow, VENUE_STREAM_LIMITS } from "./stream-pacing.js";
import { SubscriptionBook } from "./stream-subscriptions.js";
import { streamUrlSchema } from "./stream-url.js";
import type { StreamState, TradesStream, TradesStreamOptions } from "./trades-stream-types.js";

export { streamUrlFrom } from "./stream-url.js";
export { VENUE_STREAM_LIMITS, type StreamLimits } from "./stream-pacing.js";
export type * from "./trades-stream-types.js";

/**
 * One WebSocket to the venue carrying `trades` for a set of coins, kept alive for as long as the
 * caller wants it: it pings when we have been quiet (the venue drops a connection it has heard
 * nothing from for 60 s), treats a connection it has heard nothing from as dead, reconnects with
 * jittered backoff, subscribes again and says which stretch of time it may have missed (`onGap`).
 * Every frame is read through zod; a bad one is counted and skipped, never fatal.
 */

const coinsSchema = z.array(z.string().min(1));
const MALFORMED_LOGGED = 5;

interface Connection {
  ws: WebSocket;
  openedAt?: number;
  lastSentAt: number;
  lastReceivedAt: number;
  timer?: NodeJS.Timeout;
  /** Set when we end the connection ourselves, so the close says why. */
  dropReason?: string;
}

const textOf = (data: RawData): string =>
  Buffer.isBuffer(data) ? data.toString("utf8") : Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data).toString("utf8");

/**
 * Reconnect delays: 250 ms doubling to 5 s with full jitter, from scratch after a connection that
 * held 30 s. The cap keeps the stream back within 5 s of the exchange being reachable again, and
 * stays within its 30 new connections a minute per IP (12 at most).
 */
export const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 5_000, stableAfterMs: 30_000 } as const;

export const openTradesStream = (o: TradesStreamOptions): TradesStream => {
  const log = o.logger ?? defaultLogger;
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const pingAfterMs = o.pingAfterMs ?? 30_000;
  const staleAfterMs = o.staleAfterMs ?? 60_000;
  const backoff = { initialMs: o.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs, maxMs: o.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs };
  const stableAfterMs = o.backoff?.stableAfterMs ?? DEFAULT_BACKOFF.stableAfterMs;
  const limits: StreamLimits = { ...VENUE_STREAM_LIMITS, ...o.limits };
  const url = streamUrlSchema.parse(o.url);
  // Only the host: a provider's URL may carry a key in its path or query.
  const host = new URL(url).host;

  const book = new SubscriptionBook(limits.subscriptions);
  book.want(coinsSchema.parse(o.coins));
  // Both windows outlive connections: the venue counts per IP, not per connection.
  const sends = new SendWindow(limits.messagesPerWindow, limits.windowMs);
  const connects = new SendWindow(limits.connectsPerWindow, limits.windowMs);

  const startedAt = now();
  let state: StreamState = { state: "connecting", since: startedAt, attempt: 0 };
  let current: Connection | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let closedSignal: (() => void) | undefined;
  let wasLive = false;
  let gap: { from: number; reason: string } | undefined;
  const waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const counters = { reconnects: 0, messages: 0, trades: 0, malformed: 0, errors: 0 };
  let lastMessageAt: number | undefined;
  let lastTradeAt: number | undefined;

  /** A callback that throws is the caller's bug; it must not take the stream down with it. */
  const safely = (what: string, f: () => void): void => {
    try {
      f();
    } catch (error) {
      log.error(`trades stream: ${what} threw`, { error });
    }
  };

  const setState = (next: Omit<StreamState, "since">): void => {
    state = { ...next, since: now() };
    safely("onState", () => o.onState?.(state));
  };

  const isReady = (): boolean => current?.openedAt !== undefined && book.complete();

  const settleIfReady = (): void => {
    if (!isReady()) return;
    wasLive = true;
    for (const w of waiters.splice(0)) w.resolve();
    if (gap !== undefined) {
      const g = { ...gap, to: now() };
      gap = undefined;
      log.info("trades stream: subscribed again after a gap", { ...g, gapMs: g.to - g.from });
      safely("onGap", () => o.onGap?.(g));
    }
  };

  const send = (c: Connection, text: string): void => {
    const t = now();
    c.ws.send(text);
    sends.record(t);
    c.lastSentAt = t;
  };

  /** Does whatever is due on the connection (stale check, ping, subscription changes) and re-arms its timer. */
  const pump = (): void => {
    const c = current;
    if (c?.openedAt === undefined || c.ws.readyState !== WebSocket.OPEN) return;
    const t = now();
    if (t - c.lastReceivedAt >= staleAfterMs) return drop(c, `stale: nothing received for ${t - c.lastReceivedAt} ms`);
    if (t - c.lastSentAt >= pingAfterMs && sends.waitMs(t) === 0) send(c, PING);
    while (sends.waitMs(t) === 0) {
      const m = book.next();
      if (m === undefined) break;
      send(c, subscriptionMessage(m.method, m.coin));
    }
    // One timer for the earliest of: the next ping, the stale deadline, room in the send window.
    // A ping the full window held back is due when there is room, not every millisecond till then.
    const wait = sends.waitMs(t);
    const pingDue = Math.max(c.lastSentAt + pingAfterMs, t + wait);
    const due = Math.min(pingDue, c.lastReceivedAt + staleAfterMs, wait > 0 ? t + wait : Infinity);
    clearTimeout(c.timer);
    c.timer = setTimeout(pump, Math.max(1, due - t));
  };

  const drop = (c: Connection, reason: string): void => {
    c.dropReason ??= reason;
    c.ws.terminate();
  };

  const onMessage = (c: Connection, data: RawData): void => {
    if (c !== current) return;
    const t = now();
    c.lastReceivedAt = t;
    lastMessageAt = t;
    counters.messages++;
    const m = parseStreamMessage(textOf(data));
    switch (m.kind) {
      case "trades":
        noteMalformed(m.badTrades, "trades frame with trades that do not read");
        if (m.trades.length === 0) return;
        counters.trades += m.trades.length;
        lastTradeAt = t;
        safely("onTrades", () => o.onTrades(m.trades, { receivedAt: t }));
        return;
      case "ack":
        book.acked(m.method, m.coin);
        break;
      case "error":
        onVenueError(m.text, m.coin);
        break;
      case "malformed":
        noteMalformed(1, m.why);
        return;
      case "pong":
      case "other":
        return;
    }
    pump();
    settleIfReady();
  };

  const noteMalformed = (n: number, why: string): void => {
    if (n === 0) return;
    counters.malformed += n;
    // The first few say what changed; after that the count in stats() carries it.
    if (counters.malformed - n < MALFORMED_LOGGED) log.warn("trades stream: skipped what does not read", { why, malformed: counters.malformed });
  };

  const onVenueError = (text: string, coin: string | undefined): void => {
    counters.errors++;
    const held = coin === undefined ? undefined : book.stateOf(coin);
    if (coin !== undefined && /already subscribed/i.test(text)) book.acked("subscribe", coin);
    else if (coin !== undefined && held === "unsubscribing") book.acked("unsubscribe", coin);
    else if (coin !== undefined && held === "subscribing") {
      if (book.refuse(coin)) log.warn("trades stream: the venue refused a coin; dropped until the stream is reopened", { coin, error: text });
    } else if (counters.errors <= MALFORMED_LOGGED) log.warn("trades stream: error from the venue", { error: text });
  };

  const onClose = (c: Connection, code: number, why: string): void => {
    if (c !== current) return;
    clearTimeout(c.timer);
    current = undefined;
    book.reset();
    if (closed) return closedSignal?.();
    const t = now();
    const reason = c.dropReason ?? `closed by the server (code ${code}${why ? `: ${why}` : ""})`;
    if (c.openedAt !== undefined && t - c.openedAt >= stableAfterMs) attempt = 0;
    // A gap only once the caller has had something: before that, its catch-up starts at ready().
    if (gap === undefined && (wasLive || lastMessageAt !== undefined)) gap = { from: lastMessageAt ?? startedAt, reason };
    const retryInMs = Math.max(backoffDelay(attempt, backoff, random), connects.waitMs(t));
    attempt++;
    counters.reconnects++;
    log.warn("trades stream: connection lost, reconnecting", { host, reason, attempt, retryInMs });
    setState({ state: "reconnecting", attempt, retryInMs, reason });
    reconnectTimer = setTimeout(connect, retryInMs);
  };

  const connect = (): void => {
    reconnectTimer = undefined;
    if (closed) return;
    const t = now();
    connects.record(t);
    // The handshake gets as long as a silent connection would: a black hole must not hang us.
    const ws = new WebSocket(url, { handshakeTimeout: staleAfterMs });
    const c: Connection = { ws, lastSentAt: t, lastReceivedAt: t };
    current = c;
    ws.on("open", () => {
      if (c !== current) return;
      const opened = now();
      Object.assign(c, { openedAt: opened, lastSentAt: opened, lastReceivedAt: opened });
      log.info("trades stream: connected", { host, coins: book.counts().wanted });
      setState({ state: "connected", attempt });
      pump();
      settleIfReady();
    });
    ws.on("message", (data) => onMessage(c, data));
    ws.on("error", (error) => {
      c.dropReason ??= `error: ${error.message}`;
    });
    ws.on("close", (code, why) => onClose(c, code, why.toString("utf8")));
  };

  const closeNow = async (): Promise<void> => {
    closed = true;
    clearTimeout(reconnectTimer);
    for (const w of waiters.splice(0)) w.reject(new Error("trades stream closed before it was ready"));
    setState({ state: "closed", attempt });
    const c = current;
    if (c === undefined) return;
    clearTimeout(c.timer);
    const gone = new Promise<void>((resolve) => (closedSignal = resolve));
    if (c.ws.readyState === WebSocket.OPEN) c.ws.close(1000, "closing");
    else c.ws.terminate();
    // A peer that never answers the close must not hold us up.
    const force = setTimeout(() => c.ws.terminate(), 1_000);
    await gone;
    clearTimeout(force);
  };

  connect();

  return {
    setCoins(coins) {
      book.want(coinsSchema.parse(coins));
      pump();
      settleIfReady();
    },
    stats() {
      const counts = book.counts();
      return {
        state: state.state,
        connectedSince: current?.openedAt,
        ...counters,
        lastMessageAt,
        lastTradeAt,
        subscribed: counts.subscribed,
        pending: counts.pending,
        refused: counts.refused,
        sentInWindow: sends.count(now()),
      };
    },
    ready() {
      if (closed) return Promise.reject(new Error("trades stream is closed"));
      if (isReady()) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close() {
      closing ??= closeNow();
      return closing;
    },
  };
};
