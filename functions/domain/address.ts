import { ValidationError } from "#commons/errors.js";

/** A trader address: `0x` + 40 hex digits, always stored lowercase. */
export type Address = string & { readonly __brand: "Address" };

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

export const isAddress = (value: unknown): value is string =>
  typeof value === "string" && ADDRESS_RE.test(value);

/** Validates and lowercases; anything else is a ValidationError that says what was wrong. */
export const parseAddress = (value: unknown): Address => {
  if (typeof value !== "string") {
    throw new ValidationError(`Address must be a string, got ${typeof value}`);
  }
  const trimmed = value.trim();
  if (!ADDRESS_RE.test(trimmed)) {
    throw new ValidationError(
      `Invalid address "${trimmed.slice(0, 60)}": expected 0x followed by 40 hexadecimal digits`,
    );
  }
  return trimmed.toLowerCase() as Address;
};
