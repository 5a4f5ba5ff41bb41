import { dec, sign, type Decimal } from "#commons/decimal.js";

/**
 * The events bench:stream expects of one order, from the README's rule (Architecture, "Events come
 * from the fills"), written here on its own rather than borrowed from functions/domain/, so the
 * benchmark checks the product instead of repeating it: a coin's fills, run from the position held
 * before them, are cut wherever the position reaches or crosses zero, and each piece is one event.
 * A close and a reopen are CLOSE then OPEN, one fill across zero is a FLIP (the fills after it a
 * piece of their own), a position opened and closed between two polls an OPEN and a CLOSE.
 *
 * The benchmark's traders hold positions before they trade, so an order against one can land on
 * zero partway (CLOSE, then OPEN with its remaining fills) or cross it in one fill (FLIP, then
 * INCREASE): one order, two events.
 */

export type ExpectedType = "OPEN_POSITION" | "INCREASE_POSITION" | "DECREASE_POSITION" | "CLOSE_POSITION" | "FLIP_POSITION";

export interface ExpectedEvent {
  type: ExpectedType;
  /** The trade ids of the fills behind it, in order. */
  tids: number[];
}

/** One fill of an order: its signed size (+ buys, − sells) and its trade id. */
export interface OrderFill {
  size: string;
  tid: number;
}

interface Piece {
  from: Decimal;
  to: Decimal;
  fills: OrderFill[];
}

/** The README's event types by where a piece starts and ends. */
const typeOf = (from: Decimal, to: Decimal): ExpectedType | null => {
  const before = sign(from);
  const after = sign(to);
  if (before === 0) return after === 0 ? null : "OPEN_POSITION";
  if (after === 0) return "CLOSE_POSITION";
  if (after !== before) return "FLIP_POSITION";
  if (to.abs().eq(from.abs())) return null;
  return to.abs().gt(from.abs()) ? "INCREASE_POSITION" : "DECREASE_POSITION";
};

/** Where the opening fills of a piece that starts flat and comes back to zero or across it end. */
const openingSplit = (p: Piece): Piece[] => {
  const opening = p.fills[0] === undefined ? 0 : sign(p.fills[0].size);
  const comesBack = sign(p.to) === 0 || sign(p.to) !== opening;
  const cut = p.fills.findIndex((f) => sign(f.size) !== opening);
  if (sign(p.from) !== 0 || !comesBack || cut <= 0) return [p];
  const opened = p.fills.slice(0, cut).reduce((szi, f) => szi.plus(f.size), p.from);
  return [
    { from: p.from, to: opened, fills: p.fills.slice(0, cut) },
    { from: opened, to: p.to, fills: p.fills.slice(cut) },
  ];
};

/** The events `fills` make of a position of `startSzi` (signed, "0" when flat), in order. */
export const expectedEvents = (startSzi: string, fills: readonly OrderFill[]): ExpectedEvent[] => {
  const pieces: Piece[] = [];
  let piece: Piece = { from: dec(startSzi), to: dec(startSzi), fills: [] };
  for (const fill of fills) {
    const before = piece.to;
    piece.fills.push(fill);
    piece.to = before.plus(fill.size);
    // Reaching zero or crossing it ends the piece.
    if (sign(before) !== 0 && sign(piece.to) !== sign(before)) {
      pieces.push(...openingSplit(piece));
      piece = { from: piece.to, to: piece.to, fills: [] };
    }
  }
  if (piece.fills.length > 0) pieces.push(piece);
  return pieces.flatMap((p) => {
    const type = typeOf(p.from, p.to);
    return type === null ? [] : [{ type, tids: p.fills.map((f) => f.tid) }];
  });
};
