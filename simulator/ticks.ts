import { dec, type Decimal } from "#commons/decimal.js";

/** The exchange's price grid for perps, as the simulator's desk checks and fills on it. */

/** Decimals a price may have here: at most 5 significant figures and 6 − szDecimals decimals (docs: "Tick and lot size"). */
const priceDecimals = (px: Decimal, szDecimals: number): number => {
  const intDigits = px.gte(1) ? px.round(0, 0).toFixed(0).length : 0;
  const sigFigDecimals = px.gte(1) ? 5 - intDigits : 5 + leadingZeros(px);
  return Math.max(0, Math.min(6 - szDecimals, sigFigDecimals));
};

/** Zeros between the point and the first significant digit of a price below 1 ("0.0012" → 2). */
const leadingZeros = (px: Decimal): number => {
  let zeros = 0;
  for (let x = px; x.lt(dec("0.1")) && x.gt(0); x = x.times(10)) zeros++;
  return zeros;
};

/** Integer prices are always valid; others within the significant-figure and decimal limits. */
export const onTick = (px: Decimal, szDecimals: number): boolean =>
  px.gt(0) && (px.round(0, 0).eq(px) || px.round(priceDecimals(px, szDecimals), 0).eq(px));

/** The nearest valid price on the side that never gives the taker a better price than the book. */
export const toTick = (px: Decimal, szDecimals: number, direction: "up" | "down"): Decimal =>
  px.round(priceDecimals(px, szDecimals), direction === "up" ? 3 : 0);
