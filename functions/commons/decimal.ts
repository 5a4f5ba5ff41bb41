import BigImport from "big.js";

/**
 * Exact decimal arithmetic for prices, sizes and money. Hyperliquid sends every amount as a
 * decimal string ("0.00785"); we keep it a string at rest and only ever do arithmetic in Big,
 * never with floats.
 */
// big.js prints exponents ("1e-7") outside [NE, PE]; amounts must stay plain decimal strings.
const Big = BigImport;
Big.NE = -40;
Big.PE = 60;

export type Decimal = BigImport.Big;
export const dec = (value: string | number | Decimal): Decimal => new Big(value);

export const ZERO = dec(0);

/** Canonical string: no exponent, no trailing zeros ("1.50" → "1.5", "-0" → "0"). */
export const decStr = (value: Decimal): string => {
  const s = value.toString();
  return s === "-0" ? "0" : s;
};

/** Sign of a decimal string: -1, 0 or 1. */
export const sign = (value: string | Decimal): -1 | 0 | 1 => {
  const d = typeof value === "string" ? dec(value) : value;
  return d.eq(0) ? 0 : d.gt(0) ? 1 : -1;
};

export const sumDec = (values: readonly (string | Decimal)[]): Decimal =>
  values.reduce<Decimal>((acc, v) => acc.plus(v), ZERO);

/** True when `value` is a finite decimal string Big accepts ("12", "-0.5", "1e3"). */
export const isDecimalString = (value: string): boolean => {
  try {
    new Big(value);
    return true;
  } catch {
    return false;
  }
};

/**
 * What `div` and `decStr` do, for code that reproduces them on scaled integers (#commons/exact.js):
 * quotients are rounded to `divDecimals` places (half away from zero: Big.RM is left at 1), and
 * decStr switches to exponent notation when the exponent of the leading digit is <= `ne` or >= `pe`.
 */
export const BIG_SETTINGS = { divDecimals: Big.DP, ne: Big.NE, pe: Big.PE } as const;
