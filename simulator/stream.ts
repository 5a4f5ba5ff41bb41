import { STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  PONG,
  alreadySubscribed,
  alreadyUnsubscribed,
  canonical,
  errorMessage,
  invalidSubscription,
  messagesOf,
  parseClientMessage,
  subscriptionResponse,
  tooManyMessages,
  tooManySubscriptions,
  tradesMessage,
  type SubscriptionRequest,
} from "./stream-protocol.js";
import { emptyStreamStats, type StreamStats } from "./stream-stats.js";
import { WeightLimit } from "./weight-limit.js";
import type { WireTrade } from "./wire.js";

/**
 * The exchange's public WebSocket (`ws://host:port/ws`) for the `trades` channel: every trade the
 * market records is pushed at once to each connection subscribed to its coin, the trades of one
 * coin at one time (one order filling against several makers) in one message. The per-IP rules
 * and the 60 s idle close are the exchange's; tests can cut every connection or refuse new ones.
 */

/** The exchange's per-IP rules (rate limits docs). `Infinity` turns one off. */
export interface StreamLimits {
  connectionsPerIp: number;
  newConnectionsPerMinute: number;
  subscriptionsPerIp: number;
  /** Messages a client may send, across its connections, in any 60 s. */
  messagesPerMinute: number;
}

export const EXCHANGE_STREAM_LIMITS: StreamLimits = {
  connectionsPerIp: 10,
  newConnectionsPerMinute: 30,
  subscriptionsPerIp: 1_000,
  messagesPerMinute: 2_000,
};

export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 60_000;

export interface TradeStreamOptions {
  /** Coins one may subscribe to (the listed ones, read when asked: tests may list their own). */
  listedCoins: () => readonly string[];
  /** The snapshot sent after a subscribe's ack: the coin's recent trades, as `recentTrades` answers. */
  snapshot: (coin: string) => readonly WireTrade[];
  idleTimeoutMs: number;
  limits: StreamLimits;
}

interface Connection {
  ws: WebSocket;
  ip: string;
  coins: Set<string>;
  idle: NodeJS.Timeout;
}

export class TradeStream {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  /** coin → connections subscribed to it. */
  private readonly subscribers = new Map<string, Set<Connection>>();
  private readonly perIp = new Map<string, { connections: number; subscriptions: number }>();
  private readonly newConnections: WeightLimit;
  private readonly messages: WeightLimit;
  /** Trades recorded since the last flush, in the order they happened. */
  private pending: WireTrade[] = [];
  private flushQueued = false;
  private pausedUntil = 0;
  private stats = emptyStreamStats();

  constructor(private readonly opts: TradeStreamOptions) {
    this.newConnections = new WeightLimit(opts.limits.newConnectionsPerMinute);
    this.messages = new WeightLimit(opts.limits.messagesPerMinute);
  }

  /** Serves `/ws` upgrades on `server`; any other path is answered 404. */
  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** Takes a trade the market just recorded; it goes out once the current synchronous run is over. */
  publish(trade: WireTrade): void {
    if (!this.subscribers.get(trade.coin)?.size) return;
    this.pending.push(trade);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // A microtask, not a timer: nothing else runs first, yet the fills of one order sent in one
      // synchronous run (one taker against several makers) leave together, as in one block.
      queueMicrotask(() => this.flush());
    }
  }

  /** Cuts every connection with no close frame, as a network failure would; returns how many. */
  drop(): number {
    let n = 0;
    for (const c of this.connections) {
      // Already closing (dropped a moment ago, idle, or leaving): not cut again.
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      c.ws.terminate();
      n++;
    }
    this.stats.drops += n;
    return n;
  }

  /** Refuses new connections for `ms` of wall time (0 ends a pause); open ones are untouched. */
  pause(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`pause needs ms >= 0, got ${ms}`);
    this.pausedUntil = ms === 0 ? 0 : Date.now() + ms;
  }

  snapshotStats(): StreamStats {
    let subscriptions = 0;
    for (const c of this.connections) subscriptions += c.coins.size;
    return { ...this.stats, connections: this.connections.size, subscriptions, limitRefusals: { ...this.stats.limitRefusals } };
  }

  resetStats(): void {
    this.stats = emptyStreamStats();
  }

  /** Ends every connection (the simulator is stopping). */
  close(): void {
    for (const c of this.connections) c.ws.terminate();
    this.pending = [];
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if ((req.url ?? "/").split("?")[0] !== "/ws") return refuse(socket, 404);
    if (Date.now() < this.pausedUntil) {
      // No answer at all: to the client this looks like the network being down.
      this.stats.refusedWhilePaused++;
      socket.destroy();
      return;
    }
    const ip = req.socket.remoteAddress ?? "unknown";
    if (this.ipState(ip).connections >= this.opts.limits.connectionsPerIp) {
      this.stats.limitRefusals.connections++;
      return refuse(socket, 429);
    }
    if (!this.newConnections.admit(ip, 1, Date.now())) {
      this.stats.limitRefusals.newConnections++;
      return refuse(socket, 429);
    }
    // Without verifyClient, ws completes the handshake synchronously: the count above stays right.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, ip));
  }

  private open(ws: WebSocket, ip: string): void {
    const idle = setTimeout(() => {
      this.stats.idleCloses++;
      ws.close(1000, "Connection idle");
    }, this.opts.idleTimeoutMs);
    idle.unref();
    const c: Connection = { ws, ip, coins: new Set(), idle };
    this.connections.add(c);
    this.ipState(ip).connections++;
    this.stats.accepted++;
    ws.on("message", (data: RawData) => this.receive(c, rawText(data)));
    ws.on("close", () => this.closed(c));
    // A reset socket also emits close; without a listener the error would crash the process.
    ws.on("error", () => undefined);
  }

  private closed(c: Connection): void {
    if (!this.connections.delete(c)) return;
    clearTimeout(c.idle);
    const state = this.ipState(c.ip);
    state.connections--;
    state.subscriptions -= c.coins.size;
    for (const coin of c.coins) this.subscribers.get(coin)?.delete(c);
  }

  private receive(c: Connection, text: string): void {
    // Anything the client sends keeps the connection; protocol-level pings do not (only messages).
    c.idle.refresh();
    this.stats.received++;
    if (!this.messages.admit(c.ip, 1, Date.now())) {
      this.stats.limitRefusals.messages++;
      return this.refuseWith(c, tooManyMessages(this.opts.limits.messagesPerMinute));
    }
    const req = parseClientMessage(text);
    if ("error" in req) return this.refuseWith(c, req.error);
    if (req.method === "ping") {
      send(c, PONG);
      return;
    }
    if (req.method === "subscribe") return this.subscribe(c, req);
    return this.unsubscribe(c, req);
  }

  private subscribe(c: Connection, req: SubscriptionRequest): void {
    const { coin } = req.subscription;
    const sub = canonical(req.subscription);
    if (!this.opts.listedCoins().includes(coin)) return this.refuseWith(c, invalidSubscription(sub));
    if (c.coins.has(coin)) return this.refuseWith(c, alreadySubscribed(sub));
    const state = this.ipState(c.ip);
    if (state.subscriptions >= this.opts.limits.subscriptionsPerIp) {
      this.stats.limitRefusals.subscriptions++;
      return this.refuseWith(c, tooManySubscriptions(this.opts.limits.subscriptionsPerIp));
    }
    // Trades still waiting go to the earlier subscribers first; this one gets them in its snapshot.
    this.flush();
    c.coins.add(coin);
    state.subscriptions++;
    const subs = this.subscribers.get(coin);
    if (subs) subs.add(c);
    else this.subscribers.set(coin, new Set([c]));
    send(c, subscriptionResponse("subscribe", sub));
    send(c, tradesMessage(this.opts.snapshot(coin)));
    this.stats.snapshots++;
  }

  private unsubscribe(c: Connection, req: SubscriptionRequest): void {
    const { coin } = req.subscription;
    const sub = canonical(req.subscription);
    if (!this.opts.listedCoins().includes(coin)) return this.refuseWith(c, invalidSubscription(sub));
    if (!c.coins.has(coin)) return this.refuseWith(c, alreadyUnsubscribed(sub));
    // Trades recorded before the unsubscribe still reach it, ahead of the ack.
    this.flush();
    c.coins.delete(coin);
    this.ipState(c.ip).subscriptions--;
    this.subscribers.get(coin)?.delete(c);
    send(c, subscriptionResponse("unsubscribe", sub));
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const [coin, trades] of messagesOf(pending)) {
      const subs = this.subscribers.get(coin);
      if (!subs?.size) continue;
      const text = tradesMessage(trades); // serialised once, whatever the number of subscribers
      for (const c of subs) {
        if (!send(c, text)) continue;
        this.stats.messagesPushed++;
        this.stats.tradesPushed += trades.length;
      }
    }
  }

  private refuseWith(c: Connection, text: string): void {
    this.stats.errors++;
    send(c, errorMessage(text));
  }

  private ipState(ip: string): { connections: number; subscriptions: number } {
    let state = this.perIp.get(ip);
    if (!state) {
      state = { connections: 0, subscriptions: 0 };
      this.perIp.set(ip, state);
    }
    return state;
  }
}

/** False when the connection is already closing (dropped, idle, or the client left). */
const send = (c: Connection, text: string): boolean => {
  if (c.ws.readyState !== WebSocket.OPEN) return false;
  c.ws.send(text);
  return true;
};

const rawText = (data: RawData): string => {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.from(data).toString("utf8");
};

const refuse = (socket: Duplex, status: number): void => {
  const body = STATUS_CODES[status] ?? "Error";
  socket.end(`HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};
