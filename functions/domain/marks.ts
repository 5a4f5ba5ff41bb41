import { dec, decStr } from "#commons/decimal.js";

/**
 * Current prices to value open positions with (a port). The Hyperliquid adapter
 * (functions/hyperliquid/marks.ts) answers with the exchange's mid prices (`allMids`); without a
 * source, or when it cannot answer, positions are shown without a value.
 */

export interface MidPrices {
  /** When we received them (epoch ms). */
  at: number;
  /** Coin → mid price, exact decimal strings as the exchange sent them. */
  mids: Readonly<Record<string, string>>;
}

export interface MarkSource {
  /**
   * The latest prices of the main dex's coins and of each builder dex in `dexes` (a builder dex's
   * mids are its own request), or null when none can be had right now. Never rejects.
   */
  current(dexes?: readonly string[]): Promise<MidPrices | null>;
}

export interface PositionValue {
  mark_price: string | null;
  /** (mark − entry) × signed size: a short gains when the price falls. Null without mark or entry. */
  unrealized_pnl_usd: string | null;
  /** |size| × mark. Null without a mark. */
  position_value_usd: string | null;
}

export const NO_VALUE: PositionValue = { mark_price: null, unrealized_pnl_usd: null, position_value_usd: null };

/** Values one position (`szi` signed, < 0 short) at `mark`, exactly. */
export const valuePosition = (szi: string, entryPx: string | null, mark: string | null | undefined): PositionValue => {
  if (mark === null || mark === undefined) return NO_VALUE;
  const size = dec(szi);
  const price = dec(mark);
  return {
    mark_price: mark,
    unrealized_pnl_usd: entryPx === null ? null : decStr(price.minus(entryPx).times(size)),
    position_value_usd: decStr(size.abs().times(price)),
  };
};
