/**
 * The public API as the page uses it (see /openapi.json). Types mirror functions/api/schemas.ts;
 * money, sizes and prices stay decimal strings.
 */

// Type only: erased from the bundle, so the page still ships none of the server's code.
import type { FillsSource } from "../../functions/domain/events.js";
import type { LeaderboardRow } from "../../functions/domain/leaderboard.js";
import type { PublicStreamState } from "../../functions/domain/stream-status.js";
import type { BulkTrackCounts, BulkTrackResult } from "../../functions/domain/traders.js";

export const WINDOWS = ["1d", "7d", "30d", "all"] as const;
export type Window = (typeof WINDOWS)[number];
export type Side = "LONG" | "SHORT";
export type EventType = "OPEN_POSITION" | "INCREASE_POSITION" | "DECREASE_POSITION" | "CLOSE_POSITION" | "FLIP_POSITION";

/** A leaderboard row exactly as the API's domain defines it: one definition for server and page. */
export type { LeaderboardRow };

export interface LeaderboardPage {
  leaderboard: LeaderboardRow[];
  window: Window;
  sort_by: string;
  order: "asc" | "desc";
  updated_at: string | null;
  next_cursor: string | null;
}

/** A perp dex: "" the main dex, else a builder-deployed (HIP-3) dex's name (absent from an older API). */
export type Dex = string;

export interface Position {
  coin: string;
  dex?: Dex;
  side: Side;
  size: string;
  szi: string;
  entry_price: string | null;
  leverage: number | null;
  leverage_type: "cross" | "isolated" | (string & {}) | null;
  // Added with the marks (may be absent from an older API).
  mark_price?: string | null;
  unrealized_pnl_usd?: string | null;
  position_value_usd?: string | null;
}

export interface TraderDetail {
  address: string;
  first_seen_at: string;
  last_tracked_at: string | null;
  is_active: boolean;
  discovery_source: "recent_trades" | "trades_stream" | "manual";
  discovery_coin: string | null;
  positions: Position[];
  metrics: Partial<Record<Window, LeaderboardRow>> | null;
  marks_at?: string | null;
  // Added with data freshness (may be absent from an older API).
  data_freshness?: DataFreshness | null;
}

export type HistorySource = "fills" | "ledger" | "funding" | "portfolio" | "role";

/** How current the history behind a trader's metrics is (README, Data freshness). */
export interface DataFreshness {
  status: "fresh" | "pending" | "stale";
  fills_synced_at: string | null;
  ledger_synced_at: string | null;
  funding_synced_at: string | null;
  portfolio_fetched_at: string | null;
  stale_sources: HistorySource[];
  failing_since: Partial<Record<HistorySource, string>>;
}

export interface TradeEvent {
  id: string;
  trader_address: string;
  timestamp: string;
  event_type: EventType;
  details: {
    coin: string;
    dex?: Dex;
    side: Side;
    previous_side?: Side | null;
    size: string;
    previous_size?: string;
    size_delta?: string;
    entry_price?: string | null;
    leverage?: number | null;
    leverage_type?: string | null;
    execution_price?: string | null;
    /** Null when the fills came from the trades stream, which does not tell. */
    realized_pnl?: string | null;
    fees?: string | null;
    // Added with the trades stream (absent from older events).
    /** "exchange": the trader's fills, fetched by a poll; "stream": the exchange's public trades stream. */
    fills_source?: FillsSource;
    /** Last fill's exchange time → the event's timestamp; null without fills. */
    detection_delay_ms?: number | null;
    /** The trader's own liquidation closed (part of) the position; null: the trades stream cannot tell. */
    liquidation?: boolean | null;
  };
}

export type { FillsSource };

/** What the API derives from the listener's heartbeat (functions/domain/stream-status.ts). */
export type StreamState = PublicStreamState;

/** GET /stream: the trades-stream listener's last heartbeat; everything but state is null without a listener. */

export interface StreamStatus {
  state: StreamState;
  listener_id: string | null;
  started_at: string | null;
  heartbeat_at: string | null;
  last_trade_at: string | null;
  last_message_at: string | null;
  reconnects: number | null;
  gaps: number | null;
  coins: number | null;
  tracked: number | null;
  backlog_ms: number | null;
  trades: number | null;
  polls: number | null;
  events: number | null;
  discovered: number | null;
}

export interface EventsPage {
  events: TradeEvent[];
  next_cursor: string | null;
}

export interface SeriesPoint {
  t: number;
  v: string;
}

export interface Equity {
  address: string;
  window: Window;
  account_value: SeriesPoint[];
  pnl: SeriesPoint[];
  realized_pnl: SeriesPoint[];
  updated_at: string | null;
}

export interface RoundTrip {
  coin: string;
  dex?: Dex;
  side: Side;
  opened_at: string;
  closed_at: string;
  hold_hours: number;
  max_size: string;
  volume_usd: string;
  realized_pnl_usd: string;
  funding_usd: string;
  fees_usd: string;
  fills: number;
}

export interface RoundTripsPage {
  round_trips: RoundTrip[];
  next_cursor: string | null;
}

export interface TrackResult {
  address: string;
  tracking: boolean;
  created: boolean;
  reactivated: boolean;
}

/** POST /traders/track: the outcome per distinct entry, as the domain defines it. */
export type { BulkTrackResult };
export interface BulkTrackAnswer {
  results: BulkTrackResult[];
  counts: BulkTrackCounts;
}

/** A non-2xx answer, with the API's own error code and message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export const isAddress = (s: string): boolean => /^0x[0-9a-fA-F]{40}$/.test(s);

export class Api {
  constructor(private readonly base: string) {}

  private url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ""}`;
  }

  /** Also used by the feature modules that add routes of their own (copy-api.ts). */
  async request<T>(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    o: { query?: Query; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url(path, o.query), {
        method,
        headers: { accept: "application/json", ...(o.body !== undefined && { "content-type": "application/json" }), ...o.headers },
        ...(o.body !== undefined && { body: JSON.stringify(o.body) }),
        ...(o.signal && { signal: o.signal }),
      });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
      throw new ApiError(0, "network", "The API could not be reached. Check your connection and try again.");
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? `The API answered ${res.status}.`);
    }
    return body as T;
  }

  leaderboard(query: Query, signal?: AbortSignal): Promise<LeaderboardPage> {
    return this.request("GET", "/api/v1/leaderboard", { query, ...(signal && { signal }) });
  }

  trader(address: string, signal?: AbortSignal): Promise<TraderDetail> {
    return this.request("GET", `/traders/${address}`, { ...(signal && { signal }) });
  }

  events(address: string, query: Query, signal?: AbortSignal): Promise<EventsPage> {
    return this.request("GET", `/traders/${address}/events`, { query, ...(signal && { signal }) });
  }

  equity(address: string, window: Window, signal?: AbortSignal): Promise<Equity> {
    return this.request("GET", `/traders/${address}/equity`, { query: { window }, ...(signal && { signal }) });
  }

  roundTrips(address: string, query: Query, signal?: AbortSignal): Promise<RoundTripsPage> {
    return this.request("GET", `/traders/${address}/round-trips`, { query, ...(signal && { signal }) });
  }

  stream(signal?: AbortSignal): Promise<StreamStatus> {
    return this.request("GET", "/stream", { ...(signal && { signal }) });
  }

  /** 201 (new) and 200 (already known) differ only in `created`, which the body says. */
  track(address: string, adminKey: string): Promise<TrackResult> {
    return this.request("POST", `/traders/${address}/track`, { headers: { "x-api-key": adminKey } });
  }

  /** Up to 500 entries in one request; the answer says what happened to each. */
  trackMany(addresses: readonly string[], adminKey: string): Promise<BulkTrackAnswer> {
    return this.request("POST", "/traders/track", { headers: { "x-api-key": adminKey }, body: { addresses } });
  }
}

export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === "AbortError";
