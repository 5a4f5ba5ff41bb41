import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "./address.js";
import type { Fill, LeverageType } from "./exchange.js";
import { summarizeFills, type FillSummary } from "./fills.js";
import { dexOfCoin } from "./perp-universe.js";
import type { PositionChange, PositionEventType, Side } from "./positions.js";
import type { StreamFill } from "./stream-fills.js";

/**
 * Position events as stored and as published on the live feed. Field names follow the original
 * API (`coin`, `size`, `side`, `entry_price`) so existing clients keep working.
 */
export interface EventDetails extends FillSummary {
  coin: string;
  /** The perp dex of the coin: `""` for the main dex, a builder dex's name (`xyz` for `xyz:TSLA`). */
  dex: string;
  side: Side;
  previous_side: Side | null;
  /** Absolute sizes, exact decimal strings. */
  size: string;
  previous_size: string;
  /** Signed change of the signed size (szi). */
  size_delta: string;
  /** Signed sizes (< 0 short), for clients that prefer them. */
  szi: string;
  previous_szi: string;
  entry_price: string | null;
  leverage: number | null;
  leverage_type: LeverageType | null;
  poll_time: string;
  /** The trader's own fills (a poll fetched them) or the public trades stream's (./stream-fills.ts). */
  fills_source: FillsSource;
  /** Last fill behind the event (exchange time) → the event's timestamp; null without fills. */
  detection_delay_ms: number | null;
}

export type FillsSource = "exchange" | "stream";

export interface PositionEvent {
  id: string;
  trader_id: string;
  trader_address: Address;
  timestamp: string;
  event_type: PositionEventType;
  details: EventDetails;
  /** The trader's state version this event moved to: orders a trader's events and makes ids deterministic. */
  version: number;
}

/**
 * Deterministic id: the same transition (trader, state version, coin) always gets the same id, so a
 * redelivered message or an overlapping worker can never store it twice, and clients can drop duplicates.
 */
export const eventId = (address: Address, version: number, coin: string): string =>
  `${address}-${version}-${coin}`;

const abs = (szi: string): string => decStr(dec(szi).abs());

export const buildEvent = (
  address: Address,
  version: number,
  change: PositionChange,
  fills: readonly (Fill | StreamFill)[],
  pollTime: number,
  fillsSource: FillsSource = "exchange",
): PositionEvent => {
  const iso = new Date(pollTime).toISOString();
  const summary = summarizeFills(fills.filter((f) => f.coin === change.coin));
  return {
    id: eventId(address, version, change.coin),
    trader_id: address,
    trader_address: address,
    timestamp: iso,
    event_type: change.type,
    version,
    details: {
      coin: change.coin,
      dex: dexOfCoin(change.coin),
      side: change.side,
      previous_side: change.previousSide,
      size: abs(change.szi),
      previous_size: abs(change.previousSzi),
      size_delta: change.sizeDelta,
      szi: change.szi,
      previous_szi: change.previousSzi,
      entry_price: change.entryPx,
      leverage: change.leverage?.value ?? null,
      leverage_type: change.leverage?.type ?? null,
      poll_time: iso,
      fills_source: fillsSource,
      detection_delay_ms: summary.last_fill_time === null ? null : Math.max(0, pollTime - summary.last_fill_time),
      ...summary,
    },
  };
};
