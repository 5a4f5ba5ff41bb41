import { dec, type Decimal } from "#commons/decimal.js";

/**
 * The exchange's tick and lot rules for perp orders: a price has at most 5 significant figures
 * (an integer price is always valid) and at most 6 − szDecimals decimals; a size has at most
 * szDecimals decimals; an order is worth at least $10.
 */
export const PERP_MAX_PRICE_DECIMALS = 6;
export const PRICE_SIGNIFICANT_FIGURES = 5;
export const MIN_ORDER_NOTIONAL_USD = dec(10);

const ROUND_DOWN = 0;
const ROUND_UP = 3;

/**
 * The nearest valid price on one side of `price`: "down" never above it, "up" never below. Both
 * roundings go the same way on nested grids, so rounding to the decimals and then to the
 * significant figures lands where one rounding to the coarser grid would.
 */
export const roundPrice = (price: Decimal, szDecimals: number, direction: "down" | "up"): Decimal => {
  const rm = direction === "down" ? ROUND_DOWN : ROUND_UP;
  const decimals = Math.max(0, PERP_MAX_PRICE_DECIMALS - szDecimals);
  const onDecimals = price.round(decimals, rm);
  // big.js's `e` is the exponent of the leading digit: from 10,000 up, 5 figures leave no decimals,
  // and an integer is valid however many figures it has.
  const rounded =
    onDecimals.e >= PRICE_SIGNIFICANT_FIGURES - 1 ? onDecimals.round(0, rm) : onDecimals.prec(PRICE_SIGNIFICANT_FIGURES, rm);
  if (rounded.lte(0)) throw new RangeError(`price ${price.toFixed()} is below the smallest tick for szDecimals ${szDecimals}`);
  return rounded;
};

/** Sizes round toward zero: an order never trades more than asked. */
export const roundSizeDown = (size: Decimal, szDecimals: number): Decimal => size.round(szDecimals, ROUND_DOWN);

/** mid ± slippageBps, exact: the worst price a buy (above the mid) or a sell (below it) accepts. */
export const slippageBound = (mid: Decimal, slippageBps: number, isBuy: boolean): Decimal => {
  const slippage = dec(slippageBps).div(10_000);
  return mid.times(isBuy ? dec(1).plus(slippage) : dec(1).minus(slippage));
};

/**
 * The IOC limit of a market-like order: the slippage bound rounded toward the mid onto the grid,
 * so the order stays within the bound.
 */
export const slippageLimitPrice = (mid: Decimal, slippageBps: number, isBuy: boolean, szDecimals: number): Decimal =>
  roundPrice(slippageBound(mid, slippageBps, isBuy), szDecimals, isBuy ? "down" : "up");
