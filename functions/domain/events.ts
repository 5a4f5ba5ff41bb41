import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "./address.js";
import type { Fill, LeverageType } from "./exchange.js";
import { liquidationOf } from "./fill-sequence.js";
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
  /**
   * The trader's own liquidation closed (part of) the position; null when the fills cannot tell
   * (the trades stream does not mark liquidations). See ./fill-sequence.ts.
   */
  liquidation: boolean | null;
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
  /** 1, 2, ...: the order of one coin's events within one version (a close then a reopen). */
  step: number;
}

/**
 * Deterministic id: the same transition (trader, state version, coin, step) always gets the same
 * id, so a redelivered message or an overlapping worker can never store it twice, and clients can
 * drop duplicates. A coin's first (usually only) event keeps the id it always had; a later one in
 * the same version, such as the OPEN after a CLOSE, adds its step.
 */
export const eventId = (address: Address, version: number, coin: string, step = 1): string =>
  step === 1 ? `${address}-${version}-${coin}` : `${address}-${version}-${coin}-${step}`;

const abs = (szi: string): string => decStr(dec(szi).abs());

export const buildEvent = (
  address: Address,
  version: number,
  change: PositionChange,
  fills: readonly (Fill | StreamFill)[],
  pollTime: number,
  fillsSource: FillsSource = "exchange",
  step = 1,
): PositionEvent => {
  const iso = new Date(pollTime).toISOString();
  const own = fills.filter((f) => f.coin === change.coin);
  const summary = summarizeFills(own);
  return {
    id: eventId(address, version, change.coin, step),
    trader_id: address,
    trader_address: address,
    timestamp: iso,
    event_type: change.type,
    version,
    step,
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
      liquidation: liquidationOf(change.type, own, address),
      ...summary,
    },
  };
};
