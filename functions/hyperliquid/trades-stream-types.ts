import type { AppLogger } from "#commons/logger.js";
import type { RecentTrade } from "#domain/exchange.js";
import type { StreamLimits } from "./stream-pacing.js";

/** The trades stream's public shapes (the stream itself is in trades-stream.ts). */

export type StreamStateName = "connecting" | "connected" | "reconnecting" | "closed";

export interface StreamState {
  state: StreamStateName;
  since: number;
  /** Failed connections since the last stable one (0 on the first connect). */
  attempt: number;
  /** While reconnecting: the wait before the next try, and why the last connection ended. */
  retryInMs?: number;
  reason?: string;
}

/** Trades from `from` (the last frame before the drop) to `to` (all coins subscribed again) may be missing. */
export interface StreamGap {
  from: number;
  to: number;
  reason: string;
}

export interface TradesStreamOptions {
  url: string;
  coins: readonly string[];
  /** Validated trades of one frame, addresses lowercased. Called synchronously: keep it quick. */
  onTrades: (trades: RecentTrade[], meta: { receivedAt: number }) => void;
  onState?: (s: StreamState) => void;
  onGap?: (gap: StreamGap) => void;
  logger?: AppLogger;
  /** Defaults 250 ms .. 5 s; the attempt count starts over after a connection that held `stableAfterMs` (30 s). */
  backoff?: { initialMs?: number; maxMs?: number; stableAfterMs?: number };
  /** Ping after this long without sending anything (default 30 s, half the venue's 60 s). */
  pingAfterMs?: number;
  /** Drop a connection that has received nothing, not even a pong, for this long (default 60 s). */
  staleAfterMs?: number;
  /** The venue's limits by default; tests shrink them. */
  limits?: Partial<StreamLimits>;
  random?: () => number;
  now?: () => number;
}

export interface TradesStreamStats {
  state: StreamStateName;
  connectedSince: number | undefined;
  /** Connections lost (each followed by a reconnect unless closed). */
  reconnects: number;
  /** Frames received, whatever their channel. */
  messages: number;
  trades: number;
  /** Frames that did not read, and trades left out of frames that did. */
  malformed: number;
  /** Frames on the venue's `error` channel. */
  errors: number;
  /** When, by our clock, the last frame and the last frame with a valid trade arrived. */
  lastMessageAt: number | undefined;
  lastTradeAt: number | undefined;
  /** Wanted coins subscribed on this connection, and wanted coins not (yet). */
  subscribed: number;
  pending: number;
  /** Coins the venue refused, dropped for the life of the stream. */
  refused: string[];
  /** Messages sent in the trailing rate window. */
  sentInWindow: number;
}

export interface TradesStream {
  /** Subscribes the new coins and unsubscribes the removed ones on the live connection. */
  setCoins(coins: readonly string[]): void;
  stats(): TradesStreamStats;
  /** Resolves once connected with every current coin acknowledged; rejects if the stream closes first. */
  ready(): Promise<void>;
  /** Closes the socket; nothing reconnects afterwards. */
  close(): Promise<void>;
}
