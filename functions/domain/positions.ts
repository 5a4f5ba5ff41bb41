import { dec, decStr, sign } from "#commons/decimal.js";
import type { ExchangePosition, Leverage } from "./exchange.js";

/**
 * Position diffing: the heart of tracking. Given what we stored last time and what the exchange
 * reports now, say per coin what changed. Sizes are signed decimal strings (`szi`, < 0 = short)
 * and are compared exactly.
 */

/** What we keep per open position between polls: just enough to diff and to describe an event. */
export interface StoredPosition {
  szi: string;
  entryPx: string | null;
  leverage: Leverage;
}

export type PositionMap = Record<string, StoredPosition>;

export type PositionEventType =
  | "OPEN_POSITION"
  | "INCREASE_POSITION"
  | "DECREASE_POSITION"
  | "CLOSE_POSITION"
  | "FLIP_POSITION";

export type Side = "LONG" | "SHORT";

export interface PositionChange {
  type: PositionEventType;
  coin: string;
  /** Side after the change; for a close, the side that was closed. */
  side: Side;
  previousSide: Side | null;
  /** Signed sizes, exact. */
  previousSzi: string;
  szi: string;
  /** szi − previousSzi, signed. */
  sizeDelta: string;
  entryPx: string | null;
  leverage: Leverage | null;
}

export const sideOf = (szi: string): Side | null => {
  const s = sign(szi);
  return s === 0 ? null : s > 0 ? "LONG" : "SHORT";
};

/** Exchange positions → the map we store. Zero-size entries are not positions. */
export const toPositionMap = (positions: readonly ExchangePosition[]): PositionMap => {
  const map: PositionMap = {};
  for (const p of positions) {
    if (sign(p.szi) === 0) continue;
    map[p.coin] = { szi: p.szi, entryPx: p.entryPx, leverage: p.leverage };
  }
  return map;
};

/** What a move of the signed size from `prev` to `next` is, or null when the size did not change. */
export const classify = (prev: string, next: string): PositionEventType | null => {
  // Fast path for the common case (nothing traded): identical strings need no decimal parsing.
  if (prev === next) return null;
  const ps = sign(prev);
  const ns = sign(next);
  if (ps === 0 && ns === 0) return null;
  if (ps === 0) return "OPEN_POSITION";
  if (ns === 0) return "CLOSE_POSITION";
  if (ps !== ns) return "FLIP_POSITION";
  const prevAbs = dec(prev).abs();
  const nextAbs = dec(next).abs();
  if (nextAbs.eq(prevAbs)) return null;
  return nextAbs.gt(prevAbs) ? "INCREASE_POSITION" : "DECREASE_POSITION";
};

/**
 * Per-coin changes from `previous` to `current`, ordered by coin so the result (and the event ids
 * derived from it) is deterministic. A coin missing from `current` is closed.
 */
export const diffPositions = (previous: PositionMap, current: PositionMap): PositionChange[] => {
  const coins = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort();
  const changes: PositionChange[] = [];
  for (const coin of coins) {
    const before = previous[coin];
    const after = current[coin];
    const prevSzi = before?.szi ?? "0";
    const nextSzi = after?.szi ?? "0";
    const type = classify(prevSzi, nextSzi);
    if (type === null) continue;
    const side = sideOf(nextSzi) ?? sideOf(prevSzi);
    if (side === null) continue; // unreachable: classify returned a change, so one side is non-zero
    changes.push({
      type,
      coin,
      side,
      previousSide: sideOf(prevSzi),
      previousSzi: decStr(dec(prevSzi)),
      szi: decStr(dec(nextSzi)),
      sizeDelta: decStr(dec(nextSzi).minus(prevSzi)),
      entryPx: after?.entryPx ?? before?.entryPx ?? null,
      leverage: after?.leverage ?? before?.leverage ?? null,
    });
  }
  return changes;
};

const sameDecimal = (a: string | null, b: string | null): boolean => (a === null || b === null ? a === b : a === b || dec(a).eq(b));

/**
 * Coins held at the same size but at another entry price: fills happened in between that the size
 * does not show (closed and reopened at the same size, or added and reduced by the same amount).
 * Only the fills behind them can say what happened.
 */
export const tradedInPlace = (previous: PositionMap, current: PositionMap): string[] =>
  Object.keys(current)
    .filter((coin) => {
      const before = previous[coin];
      const after = current[coin]!;
      return before !== undefined && sameDecimal(before.szi, after.szi) && !sameDecimal(before.entryPx, after.entryPx);
    })
    .sort();

/**
 * Is `current` what we stored, field for field (size, entry, leverage and margin mode)? A leverage
 * or margin-mode change moves no size and makes no event, but is stored so that later events (a
 * CLOSE reads the stored position) report the leverage in force.
 */
export const samePositions = (previous: PositionMap, current: PositionMap): boolean => {
  const coins = Object.keys(current);
  if (coins.length !== Object.keys(previous).length) return false;
  return coins.every((coin) => {
    const a = previous[coin];
    const b = current[coin]!;
    return (
      a !== undefined &&
      sameDecimal(a.szi, b.szi) &&
      sameDecimal(a.entryPx, b.entryPx) &&
      a.leverage.type === b.leverage.type &&
      a.leverage.value === b.leverage.value
    );
  });
};
