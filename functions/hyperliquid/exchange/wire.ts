import { z } from "zod";
import { dec, decStr, type Decimal } from "#commons/decimal.js";
import { ValidationError } from "#commons/errors.js";

/**
 * The exchange's number and id formats for signed actions. What is signed is the msgpack of the
 * action as sent, so "100" and "100.0" are two different orders to the signature: the exchange
 * hashes its own canonical form and a non-canonical string signs for an address nobody approved.
 */

/** Most decimals a wire number may carry (the Python SDK's float_to_wire rounds to 8 and refuses to lose digits). */
export const WIRE_DECIMALS = 8;

/**
 * A price or size as the exchange writes it: a plain decimal, no exponent, no trailing zeros
 * ("1670.10" → "1670.1", "100.0" → "100", "-0" → "0"). Refuses more than 8 decimals instead of
 * rounding: rounding is the caller's business (tick and lot size), done before anything is signed.
 */
export const wireNumber = (value: string | Decimal): string => {
  const d = typeof value === "string" ? dec(value) : value;
  if (d.round(WIRE_DECIMALS, 0).eq(d) === false) {
    throw new ValidationError(`wire number ${decStr(d)} has more than ${WIRE_DECIMALS} decimals`);
  }
  return decStr(d);
};

/**
 * An amount as the integer the exchange hashes for a few actions' numeric fields (the Python SDK's
 * `float_to_int_for_hashing`: × 10^8), exact. Refuses a value that would round, as the SDK does,
 * because the rounded integer would sign for a different amount than the one sent.
 */
export const toIntForHashing = (value: string | Decimal, power = WIRE_DECIMALS): bigint => {
  const scaled = (typeof value === "string" ? dec(value) : value).times(dec(10).pow(power));
  if (!scaled.round(0, 0).eq(scaled)) throw new ValidationError(`${decStr(scaled)} is not a whole number: it would round`);
  return BigInt(decStr(scaled));
};

/** Asset ids of builder-deployed (HIP-3) perps start here; each dex spans 10,000 ids. */
export const BUILDER_DEX_ASSET_BASE = 100_000;
export const BUILDER_DEX_ASSET_SPAN = 10_000;

/**
 * The `a` of an order. The exchange's docs ("Asset IDs"): a main-dex perp is its index in `meta`'s
 * universe (BTC = 0 on mainnet); a builder-deployed perp is 100000 + perp_dex_index × 10000 +
 * index_in_meta, perp_dex_index being the dex's place in `perpDexs` (the main dex, `null`, is 0),
 * e.g. testnet's test:ABC at dex 1, index 0 is 110000. (Spot, 10000 + pair index, is not traded.)
 */
export const assetId = (dexIndex: number, indexInMeta: number): number => {
  if (!Number.isInteger(dexIndex) || dexIndex < 0) throw new ValidationError(`dex index ${dexIndex} is not a place in perpDexs`);
  if (!Number.isInteger(indexInMeta) || indexInMeta < 0 || indexInMeta >= BUILDER_DEX_ASSET_SPAN) {
    throw new ValidationError(`asset index ${indexInMeta} is outside a dex's ${BUILDER_DEX_ASSET_SPAN} ids`);
  }
  return dexIndex === 0 ? indexInMeta : BUILDER_DEX_ASSET_BASE + dexIndex * BUILDER_DEX_ASSET_SPAN + indexInMeta;
};

/** A client order id: 16 bytes as 0x and 32 hex digits, lower case as the exchange echoes it. */
export const cloidSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{32}$/, { error: "expected a cloid: 0x followed by 32 hex digits" })
  .transform((c) => c.toLowerCase() as `0x${string}`);

export type Cloid = z.infer<typeof cloidSchema>;
