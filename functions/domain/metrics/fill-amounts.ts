import { DecimalColumn } from "#commons/exact.js";
import type { Fill } from "../exchange.js";

/**
 * The decimal amounts of a list of fills, each string read once into exact scaled integers
 * (#commons/exact.js) and each kind taken at one scale, its most decimals. Round trips and the
 * leaderboard's fill sums both work from these, so a trader's fills are parsed once per run.
 */
export type FillAmounts = Record<"sz" | "startPosition" | "px" | "fee" | "closedPnl", DecimalColumn> & { scales: AmountScales };

export interface AmountScales {
  /** `sz` and `startPosition`: positions are sums of sizes. */
  size: number;
  px: number;
  fee: number;
  closedPnl: number;
  /** px × size. */
  volume: number;
}

/**
 * Row i of each column is fills[i]. `atLeast`: scales to take at the least (those of amounts read
 * earlier that will be added to these, e.g. a metrics checkpoint's).
 */
export const readFillAmounts = (fills: readonly Fill[], atLeast?: AmountScales): FillAmounts => {
  const n = fills.length;
  const column = (): DecimalColumn => new DecimalColumn(n);
  const a = { sz: column(), startPosition: column(), px: column(), fee: column(), closedPnl: column() };
  for (let i = 0; i < n; i++) {
    const f = fills[i]!;
    a.sz.set(i, f.sz);
    a.startPosition.set(i, f.startPosition);
    a.px.set(i, f.px);
    a.fee.set(i, f.fee);
    a.closedPnl.set(i, f.closedPnl);
  }
  const floor = atLeast ?? { size: 0, px: 0, fee: 0, closedPnl: 0, volume: 0 };
  const size = Math.max(a.sz.places, a.startPosition.places, floor.size);
  const px = Math.max(a.px.places, floor.px);
  const scales = {
    size,
    px,
    fee: Math.max(a.fee.places, floor.fee),
    closedPnl: Math.max(a.closedPnl.places, floor.closedPnl),
    // Volumes are px × size products, at px + size decimals (at least floor.volume's, as both are).
    volume: px + size,
  };
  return { ...a, scales };
};
