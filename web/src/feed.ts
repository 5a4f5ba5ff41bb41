import type { TradeEvent } from "./api";

/**
 * One WebSocket to the live feed for the whole page. It reconnects by itself with exponential
 * backoff and jitter (1 s, 2 s, 4 s … 30 s), at once when the browser comes back online or the tab
 * becomes visible again, and pings so that a silently dropped connection is noticed.
 */

export type FeedState =
  | { kind: "connecting" }
  | { kind: "open"; since: number }
  | { kind: "waiting"; retryAt: number; attempt: number }
  | { kind: "offline" };

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

  constructor(private readonly url: string) {}

  get state(): FeedState {
    return this.current;
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
    if (this.current.kind === "waiting" || this.current.kind === "offline") {
      clearTimeout(this.retryTimer);
      this.connect();
    }
  }

  private setState(state: FeedState): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private connect(): void {
    this.setState({ kind: "connecting" });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.setState({ kind: "open", since: Date.now() });
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    });
    socket.addEventListener("message", (m) => this.receive(m.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      clearTimeout(this.pongDeadline);
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (!navigator.onLine) {
      this.setState({ kind: "offline" });
      return;
    }
    const delay = backoffMs(this.attempt);
    this.setState({ kind: "waiting", retryAt: Date.now() + delay, attempt: this.attempt + 1 });
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

  private receive(data: unknown): void {
    clearTimeout(this.pongDeadline);
    if (typeof data !== "string") return;
    let message: { type?: string; data?: TradeEvent };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      return;
    }
    // The greeting proves the whole path works: only then is the backoff reset.
    if (message.type === "connection") this.attempt = 0;
    if (message.type !== "trade_event" || message.data === undefined) return;
    const event = message.data;
    if (this.events.some((e) => e.id === event.id)) return;
    this.events.unshift(event);
    if (this.events.length > MAX_BUFFER) this.events.length = MAX_BUFFER;
    for (const listener of this.eventListeners) listener(event);
  }
}
