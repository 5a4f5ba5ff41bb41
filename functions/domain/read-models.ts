import type { Address } from "./address.js";
import type { PositionEvent } from "./events.js";
import type { DiscoverySource } from "./ports.js";
import type { PositionMap } from "./positions.js";

/**
 * What the HTTP API reads, as ports. The tracker's `TraderStore` is shaped for writing and
 * diffing; these are shaped for answering clients. Cursors are opaque strings the adapter both
 * makes and checks, so only the adapter knows the table keys behind them.
 */

export interface Page<T> {
  items: T[];
  /** Null at the end. */
  nextCursor: string | null;
}

export interface TraderView {
  address: Address;
  first_seen_at: string;
  discovery_source: DiscoverySource;
  discovery_coin: string | null;
  is_active: boolean;
  /** Facts `lastTrackedAt` derives last_tracked_at from (ms). */
  lastChangedAt: number | null;
  lastFailedAt: number | null;
  /** When tracking took its baseline, and its fills cursor (ms): what of the fills it has stored. */
  baselineAt: number | null;
  fillsCursor: number | null;
  positions: PositionMap;
}

export interface EventFilter {
  eventType?: PositionEvent["event_type"];
  coin?: string;
  /** One perp dex's events: `""` the main dex, else a builder dex's name (its coins are `<dex>:…`). */
  dex?: string;
}

export interface TraderDirectory {
  /** Every trader, active or not, in no particular order. */
  list(limit: number, cursor?: string): Promise<Page<TraderView>>;
  get(address: Address): Promise<TraderView | null>;
  /** Stops tracking (the dispatcher no longer sees the trader); false if the trader is unknown. */
  stopTracking(address: Address): Promise<boolean>;
}

export interface EventReader {
  /** The trader's events, newest first. */
  forTrader(address: Address, limit: number, filter: EventFilter, cursor?: string): Promise<Page<PositionEvent>>;
}

export interface Count {
  count: number;
  /** True when the number comes from table metadata DynamoDB refreshes about every six hours. */
  approximate: boolean;
}

export interface StatsReader {
  counts(): Promise<{ traders: Count; active_traders: Count; events: Count; websocket_connections: Count }>;
}
