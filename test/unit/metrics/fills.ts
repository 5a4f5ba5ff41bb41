import type { Fill } from "#domain/exchange.js";

let nextTid = 1;

/** A perp fill with the fields round trips read; `dir` is cosmetic (positions come from sizes). */
export const fill = (f: Partial<Fill> & Pick<Fill, "coin" | "side" | "sz" | "px" | "time" | "startPosition">): Fill => ({
  dir: "Open Long",
  closedPnl: "0",
  fee: "0",
  hash: `0x${(nextTid).toString(16)}`,
  oid: nextTid,
  tid: nextTid++,
  feeToken: "USDC",
  crossed: true,
  ...f,
});
