import { createHash } from "node:crypto";

/**
 * The client order id of a follower's order: `0x` + 32 hex digits (16 bytes, the exchange's
 * format), the first half of SHA-256 over what caused the order. A redelivered event therefore
 * yields the same cloid, and the exchange refuses the second order instead of doubling it.
 *
 * The coin is part of it because one event can move several coins (a total-exposure cap scales
 * every coin when one grows), and the leg because a flip is two orders (close, then open).
 */
export type Cloid = string & { readonly __brand: "Cloid" };

export interface CloidSource {
  followerId: string;
  /** The leader event (or reconciliation run) the order follows from. */
  eventId: string;
  coin: string;
  leg: 0 | 1;
}

export const CLOID_RE = /^0x[0-9a-f]{32}$/;

export const deriveCloid = ({ followerId, eventId, coin, leg }: CloidSource): Cloid => {
  // JSON of an array keeps the fields apart: ("a b", "c") and ("a", "b c") hash differently.
  const digest = createHash("sha256").update(JSON.stringify([followerId, eventId, coin, leg])).digest();
  return `0x${digest.subarray(0, 16).toString("hex")}` as Cloid;
};
