import { dec, decStr, sign, type Decimal } from "#commons/decimal.js";
import type { Address } from "./address.js";
import type { Fill } from "./exchange.js";
import { classify, diffPositions, sideOf, type PositionChange, type PositionMap, type StoredPosition } from "./positions.js";
import { signedSize, type StreamFill } from "./stream-fills.js";

/**
 * What happened between two snapshots, told by the fills behind the change. Two snapshots only
 * show where a position ended: closed and reopened at the same size looks like nothing, closed and
 * reopened on the same side like an increase. The fills show every step: each fill moves the
 * signed size from where the previous one left it, so the position's life splits wherever it
 * reaches or crosses zero, and each piece is one event (OPEN, INCREASE, DECREASE, CLOSE, FLIP by
 * its start and end). One fill that crosses zero is a FLIP; a close and a new order are CLOSE
 * then OPEN.
 *
 * The fills are trusted only when they account exactly for the change: started from the stored
 * size (an exchange fill's `startPosition` must match), their signed sizes must end at the current
 * one. Otherwise (fills missing, a page cap, the snapshot lagging) the coin falls back to the
 * snapshot diff, as before, with all its fills.
 */

export type BehindFill = Fill | StreamFill;

/** One event's worth of a coin's change, with the fills behind it. */
export interface LifecycleStep extends PositionChange {
  fills: BehindFill[];
}

const isExchangeFill = (f: BehindFill): f is Fill => "startPosition" in f;

/**
 * The trader's own liquidation: his fill says `Liquidated Cross Long` (or Isolated, Short), and
 * its `liquidation` object names him. A counterparty's fill carries the object too, naming
 * someone else, and its ordinary dir.
 */
export const isOwnLiquidation = (fill: Fill, address: Address): boolean =>
  fill.dir.startsWith("Liquidated ") || fill.liquidation?.liquidatedUser === address;

/**
 * `details.liquidation` of an event: true when its closing fills include the trader's
 * liquidation. An event that only opens or adds closes nothing (false). The trades stream does
 * not say which trades are liquidations, so a reducing event built from stream fills says null
 * (cannot tell) rather than false.
 */
export const liquidationOf = (type: PositionChange["type"], fills: readonly BehindFill[], address: Address): boolean | null => {
  if (type === "OPEN_POSITION" || type === "INCREASE_POSITION") return false;
  if (fills.some((f) => isExchangeFill(f) && isOwnLiquidation(f, address))) return true;
  return fills.every(isExchangeFill) ? false : null;
};

interface Segment {
  from: Decimal;
  to: Decimal;
  fills: BehindFill[];
}

/**
 * The coin's fills cut where the position reaches or crosses zero; null when they do not lead
 * from `from` to `to`. A piece that opened from flat and then closed or flipped is cut again at
 * its first reducing fill, so the opening is an event of its own. The last piece, when it ends at
 * the size it started (added to, then reduced back, or the other way round), would be no event
 * and its fills behind none: it is cut where it first turned, into the move out and the move back.
 * A piece that ends elsewhere stays one event, whichever way its fills went on the way.
 */
const segmentsOf = (from: Decimal, to: Decimal, fills: readonly BehindFill[]): Segment[] | null => {
  const segments: Segment[] = [];
  let running = from;
  let current: Segment = { from, to: from, fills: [] };
  // The current piece's way (1 away from zero, -1 towards it) and where it first turned.
  let way = 0;
  let turn: { fills: number; at: Decimal } | undefined;
  for (let i = 0; i < fills.length; i++) {
    const f = fills[i]!;
    if (isExchangeFill(f) && !dec(f.startPosition).eq(running)) return null;
    const other = fills[i + 1];
    if (other !== undefined && isSelfTrade(f, other)) {
      // Both halves of a self-trade: the position does not move.
      current.fills.push(f, other);
      i++;
      continue;
    }
    const next = running.plus(signedSize(f));
    const moved = next.abs().cmp(running.abs());
    if (turn === undefined && moved !== 0 && way !== 0 && moved !== way) turn = { fills: current.fills.length, at: running };
    if (moved !== 0) way = moved;
    current.fills.push(f);
    current.to = next;
    const crossed = sign(running) !== 0 && sign(next) !== sign(running);
    running = next;
    if (crossed) {
      segments.push(...splitOpening(current));
      current = { from: next, to: next, fills: [] };
      way = 0;
      turn = undefined;
    }
  }
  if (!running.eq(to)) return null;
  if (turn !== undefined && sign(current.from) !== 0 && current.from.eq(current.to)) {
    segments.push(
      { from: current.from, to: turn.at, fills: current.fills.slice(0, turn.fills) },
      { from: turn.at, to: current.to, fills: current.fills.slice(turn.fills) },
    );
  } else if (current.fills.length > 0) segments.push(current);
  return segments;
};

/**
 * A trader on both sides of one trade gets two fills of it, at one time, opposite sides, same
 * size: the stream's share the trade's tid; the exchange gives both the same startPosition (the
 * second does not start where the first left off).
 */
const isSelfTrade = (a: BehindFill, b: BehindFill): boolean =>
  a.time === b.time &&
  a.side !== b.side &&
  dec(a.sz).eq(b.sz) &&
  (isExchangeFill(a) && isExchangeFill(b) ? dec(a.startPosition).eq(b.startPosition) : a.tid === b.tid);

const splitOpening = (s: Segment): Segment[] => {
  if (sign(s.from) !== 0) return [s];
  const opening = sign(signedSize(s.fills[0]!));
  const cut = s.fills.findIndex((f) => sign(signedSize(f)) !== opening);
  if (cut <= 0) return [s];
  const opened = s.fills.slice(0, cut).reduce((acc, f) => acc.plus(signedSize(f)), s.from);
  return [
    { from: s.from, to: opened, fills: s.fills.slice(0, cut) },
    { from: opened, to: s.to, fills: s.fills.slice(cut) },
  ];
};

const stepOf = (coin: string, s: Segment, entryPx: string | null, leverage: StoredPosition["leverage"] | null): LifecycleStep | null => {
  const prev = decStr(s.from);
  const next = decStr(s.to);
  const type = classify(prev, next);
  const side = sideOf(next) ?? sideOf(prev);
  if (type === null || side === null) return null;
  return {
    type,
    coin,
    side,
    previousSide: sideOf(prev),
    previousSzi: prev,
    szi: next,
    sizeDelta: decStr(s.to.minus(s.from)),
    entryPx,
    leverage,
    fills: s.fills,
  };
};

/** One coin's steps, or null when its fills do not account for its change. */
const coinSteps = (
  coin: string,
  before: StoredPosition | undefined,
  after: StoredPosition | undefined,
  fills: readonly BehindFill[],
): LifecycleStep[] | null => {
  const segments = segmentsOf(dec(before?.szi ?? "0"), dec(after?.szi ?? "0"), fills);
  if (segments === null) return null;
  const steps: LifecycleStep[] = [];
  segments.forEach((s, i) => {
    const last = i === segments.length - 1;
    const closes = sign(s.to) === 0;
    // The stored position is the one the first piece changes; the snapshot shows the last one.
    // A position opened and closed or flipped between two snapshots has an entry no snapshot
    // showed: null, not made up.
    const entryPx = closes ? (i === 0 && before !== undefined ? before.entryPx : null) : last ? (after?.entryPx ?? null) : null;
    // A close reports the leverage the closed position had (stored, kept current by every poll);
    // anything else the leverage in force now.
    const leverage = closes ? (before?.leverage ?? after?.leverage ?? null) : (after?.leverage ?? before?.leverage ?? null);
    const step = stepOf(coin, s, entryPx, leverage);
    if (step !== null) steps.push(step);
  });
  return steps;
};

/**
 * Every coin's steps from `previous` to `current`, by coin, each coin's in the order they
 * happened. `fills` are the fills behind the change, oldest first (exchange fills or the trades
 * stream's, whose running size starts from the stored one). Coins that traded and ended where
 * they started (opened and closed in between) count too.
 */
export const lifecycleSteps = (previous: PositionMap, current: PositionMap, fills: readonly BehindFill[]): LifecycleStep[] => {
  const byCoin = new Map<string, BehindFill[]>();
  // Stream fills come in arrival order; the position moved in exchange order.
  const ordered = fills.slice().sort((a, b) => a.time - b.time || a.tid - b.tid);
  for (const f of ordered) {
    const list = byCoin.get(f.coin);
    if (list === undefined) byCoin.set(f.coin, [f]);
    else list.push(f);
  }
  const fallback = new Map(diffPositions(previous, current).map((c) => [c.coin, c]));
  const coins = [...new Set([...Object.keys(previous), ...Object.keys(current), ...byCoin.keys()])].sort();
  const steps: LifecycleStep[] = [];
  for (const coin of coins) {
    const coinFills = byCoin.get(coin) ?? [];
    const sequenced = coinSteps(coin, previous[coin], current[coin], coinFills);
    if (sequenced !== null) {
      steps.push(...sequenced);
      continue;
    }
    const change = fallback.get(coin);
    if (change !== undefined) steps.push({ ...change, fills: coinFills });
  }
  return steps;
};
