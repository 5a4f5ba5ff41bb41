import { dec, ZERO, type Decimal } from "#commons/decimal.js";
import { roundEntryPx, roundUsd, type Dir, type Side } from "./wire.js";

/**
 * Perpetual position arithmetic, pure and exact (Big decimals only). One-way mode: a user has at
 * most one signed position per coin.
 */

/** Fee rates of Hyperliquid's base tier: a crossing (taker) fill pays more than a resting one. */
export const TAKER_FEE_RATE = dec("0.00045");
export const MAKER_FEE_RATE = dec("0.00015");

export interface PositionCore {
  /** Signed size: > 0 long, < 0 short, never 0 (a flat position is removed). */
  szi: Decimal;
  entryPx: Decimal;
}

export interface FillOutcome {
  /** The position after the fill; null when it closed exactly. */
  next: PositionCore | null;
  dir: Dir;
  side: Side;
  /** Signed position before the fill. */
  startPosition: Decimal;
  closedPnl: Decimal;
  fee: Decimal;
}

/**
 * Applies a signed size at `px` to `current`:
 * - increase (or open): entry becomes the size-weighted average of old entry and px;
 * - reduce: entry unchanged, PnL realised on the reduced part;
 * - flip: the old side closes entirely (PnL on all of it), the rest opens at px.
 */
export const applyFill = (
  current: PositionCore | null,
  size: Decimal,
  px: Decimal,
  crossed: boolean,
): FillOutcome => {
  if (size.eq(0)) throw new RangeError("a fill needs a non-zero size");
  const start = current?.szi ?? ZERO;
  const side: Side = size.gt(0) ? "B" : "A";
  const fee = feeFor(size.abs(), px, crossed);
  const after = start.plus(size);
  const outcome = (next: PositionCore | null, dir: Dir, closedPnl: Decimal): FillOutcome => ({
    next,
    dir,
    side,
    startPosition: start,
    closedPnl,
    fee,
  });

  if (current === null || start.eq(0)) {
    return outcome({ szi: size, entryPx: px }, size.gt(0) ? "Open Long" : "Open Short", ZERO);
  }

  const wasLong = start.gt(0);
  if (wasLong === size.gt(0)) {
    const notional = start.abs().times(current.entryPx).plus(size.abs().times(px));
    const entryPx = roundEntryPx(notional.div(after.abs()));
    return outcome({ szi: after, entryPx }, wasLong ? "Open Long" : "Open Short", ZERO);
  }

  const closedSize = size.abs().lt(start.abs()) ? size.abs() : start.abs();
  const perUnit = wasLong ? px.minus(current.entryPx) : current.entryPx.minus(px);
  const closedPnl = roundUsd(perUnit.times(closedSize));
  const closeDir: Dir = wasLong ? "Close Long" : "Close Short";

  if (after.eq(0)) return outcome(null, closeDir, closedPnl);
  if (after.gt(0) === wasLong) return outcome({ szi: after, entryPx: current.entryPx }, closeDir, closedPnl);
  return outcome({ szi: after, entryPx: px }, wasLong ? "Long > Short" : "Short > Long", closedPnl);
};

/** Fee on the notional of the whole fill, rounded to USDC's 6 decimals. */
export const feeFor = (absSize: Decimal, px: Decimal, crossed: boolean): Decimal =>
  roundUsd(absSize.times(px).times(crossed ? TAKER_FEE_RATE : MAKER_FEE_RATE));
