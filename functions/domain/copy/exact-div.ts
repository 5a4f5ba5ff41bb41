import { BIG_SETTINGS, dec, type Decimal } from "#commons/decimal.js";

/** One unit in the last place big.js keeps in a quotient (10^-20). */
const LAST_PLACE = dec(1).div(dec(10).pow(BIG_SETTINGS.divDecimals));

/**
 * a ÷ b for a ≥ 0 and b > 0, rounded DOWN at the places big.js keeps in a quotient (its own `div`
 * rounds half up): a cap computed with it is never exceeded, not even by 10^-20.
 */
export const divDown = (a: Decimal, b: Decimal): Decimal => {
  const q = a.div(b);
  return q.times(b).gt(a) ? q.minus(LAST_PLACE) : q;
};
