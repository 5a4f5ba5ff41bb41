import type { TradeEvent } from "./api";
import { closeReason, feedUrl, tokenNeeded } from "./feed-token";

/**
 * One WebSocket to the live feed for the whole page. It reconnects by itself with exponential
 * backoff and jitter (1 s, 2 s, 4 s … 30 s), at once when the browser comes back online or the tab
 * becomes visible again, and pings so that a silently dropped connection is noticed. When the feed
 * requires a token (WS_TOKEN) it does not try at all until it has one.
 */

export type FeedState =
  | { kind: "connecting" }
  | { kind: "open"; since: number }
  | { kind: "waiting"; retryAt: number; attempt: number }
  | { kind: "offline" }
  /** The feed requires a token and the page has none: nothing is tried until `setToken`. */
  | { kind: "token-needed" }
  /** Closed before the greeting with a token never accepted: it may be wrong. Retried like "waiting" (it may be the network). */
  | { kind: "refused"; retryAt: number; attempt: number };

export interface LiveFeedOptions {
  /** config.json's ws_token_required. */
  tokenRequired?: boolean;
  /** The token kept from earlier in this browser session, if any. */
  token?: string | undefined;
}

const MAX_BUFFER = 300;
const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

export const backoffMs = (attempt: number, random = Math.random()): number => {
  const ceiling = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
};

export class LiveFeed {
  /** Newest first. */
  readonly events: TradeEvent[] = [];
  private readonly eventListeners = new Set<(e: TradeEvent) => void>();
  private readonly stateListeners = new Set<(s: FeedState) => void>();
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  private current: FeedState = { kind: "connecting" };
  readonly tokenRequired: boolean;
  private currentToken: string | undefined;
  /** The last token the server greeted: a later drop with it is not blamed on the token. */
  private acceptedToken: string | undefined;

  constructor(
    private readonly url: string,
    options: LiveFeedOptions = {},
  ) {
    this.tokenRequired = options.tokenRequired ?? false;
    this.currentToken = options.token;
  }

  get state(): FeedState {
    return this.current;
  }

  get token(): string | undefined {
    return this.currentToken;
  }

  /** Starts over with a new token, or with none (`null`: forget it): the current connection is dropped. */
  setToken(token: string | null): void {
    this.currentToken = token ?? undefined;
    this.attempt = 0;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null; // its close event is then ignored
    clearInterval(this.pingTimer);
    clearTimeout(this.pongDeadline);
    socket?.close();
    this.connect();
  }

  start(): void {
    window.addEventListener("online", () => this.connectNow());
    window.addEventListener("offline", () => this.setState({ kind: "offline" }));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.connectNow();
    });
    this.connect();
  }

  onEvent(listener: (e: TradeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onState(listener: (s: FeedState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.current);
    return () => this.stateListeners.delete(listener);
  }

  /** Skips the wait when not connected (a retry button, the network coming back). */
  connectNow(): void {
    if (this.current.kind === "waiting" || this.current.kind === "refused" || this.current.kind === "offline") {
      clearTimeout(this.retryTimer);
      this.connect();
    }
  }

  private setState(state: FeedState): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private connect(): void {
    if (tokenNeeded(this.tokenRequired, this.currentToken)) {
      this.setState({ kind: "token-needed" });
      return;
    }
    this.setState({ kind: "connecting" });
    // A token is sent only to a feed that asks for one (config.json).
    const token = this.tokenRequired ? this.currentToken : undefined;
    let socket: WebSocket;
    try {
      socket = new WebSocket(feedUrl(this.url, token));
    } catch {
      this.scheduleRetry("lost");
      return;
    }
    this.socket = socket;
    let greeted = false;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.setState({ kind: "open", since: Date.now() });
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    });
    socket.addEventListener("message", (m) => {
      if (this.socket !== socket) return;
      // The greeting proves the whole path works, the token included.
      if (this.receive(m.data) === "connection") {
        greeted = true;
        this.acceptedToken = token;
      }
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      clearTimeout(this.pongDeadline);
      this.scheduleRetry(closeReason({ token, greeted, acceptedToken: this.acceptedToken }));
    });
  }

  private scheduleRetry(reason: "refused" | "lost"): void {
    if (!navigator.onLine) {
      this.setState({ kind: "offline" });
      return;
    }
    const delay = backoffMs(this.attempt);
    this.setState({ kind: reason === "refused" ? "refused" : "waiting", retryAt: Date.now() + delay, attempt: this.attempt + 1 });
    this.attempt++;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private ping(): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ action: "ping" }));
    clearTimeout(this.pongDeadline);
    // Any message counts as a sign of life; none at all means the connection is gone.
    const socket = this.socket;
    this.pongDeadline = setTimeout(() => socket.close(), PONG_TIMEOUT_MS);
  }

  /** Returns the message's type. */
  private receive(data: unknown): string | undefined {
    clearTimeout(this.pongDeadline);
    if (typeof data !== "string") return undefined;
    let message: { type?: string; data?: TradeEvent };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      return undefined;
    }
    // The greeting proves the whole path works: only then is the backoff reset.
    if (message.type === "connection") this.attempt = 0;
    if (message.type !== "trade_event" || message.data === undefined) return message.type;
    const event = message.data;
    if (this.events.some((e) => e.id === event.id)) return;
    this.events.unshift(event);
    if (this.events.length > MAX_BUFFER) this.events.length = MAX_BUFFER;
    for (const listener of this.eventListeners) listener(event);
    return message.type;
  }
}
