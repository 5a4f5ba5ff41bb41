import { dec, isDecimalString, type Decimal } from "#commons/decimal.js";
import { ValidationError } from "#commons/errors.js";

/** Checks on what callers pass to the market: a mistake in a test should fail loudly and say why. */

const ADDRESS_RE = /^0x[0-9a-f]{40}$/;

export const normalizeAddress = (value: string, what: string): string => {
  const lower = typeof value === "string" ? value.toLowerCase() : "";
  if (!ADDRESS_RE.test(lower)) throw new ValidationError(`${what} must be 0x + 40 hex digits, got "${value}"`);
  return lower;
};

export const positiveDecimal = (value: string, what: string): Decimal => {
  if (typeof value !== "string" || !isDecimalString(value) || !dec(value).gt(0)) {
    throw new ValidationError(`${what} must be a positive decimal string, got "${String(value)}"`);
  }
  return dec(value);
};

/** The exchange rejects sizes finer than the asset's lot (szDecimals); so do we. */
export const sizeDecimal = (value: string, szDecimals: number): Decimal => {
  if (typeof value !== "string" || !isDecimalString(value) || dec(value).eq(0)) {
    throw new ValidationError(`size must be a non-zero signed decimal string, got "${String(value)}"`);
  }
  const size = dec(value);
  if (!size.round(szDecimals, 0).eq(size)) {
    throw new ValidationError(`size ${value} has more than ${szDecimals} decimals allowed for this coin`);
  }
  return size;
};
