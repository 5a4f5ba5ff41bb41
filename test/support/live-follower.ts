import type { Address } from "#domain/address.js";
import type { LiveFollowerConfig } from "#domain/copy/follower.js";
import type { VenueOrder } from "#domain/copy/ports.js";

/** A cloid from a number: 0x and 32 hex digits. */
export const cloidOf = (n: number): string => `0x${n.toString(16).padStart(32, "0")}`;

/** An IOC buy of 0.1 ETH limited at 3015 (mid 3000 + 50 bps), changed by `o`. */
export const ethOrder = (n: number, o: Partial<VenueOrder> = {}): VenueOrder => ({
  cloid: cloidOf(n),
  coin: "ETH",
  isBuy: true,
  size: "0.1",
  limitPrice: "3015",
  reduceOnly: false,
  ...o,
});

/** A live follower of nobody (the venue never looks at leaders), its key in the environment. */
export const liveFollowerConfig = (accountAddress: string, agentKeyVar: string, extra: Partial<LiveFollowerConfig> = {}): LiveFollowerConfig => ({
  mode: "live",
  name: "live test",
  leaders: [],
  caps: { maxSlippageBps: 50 },
  start: "new_changes_only",
  accountAddress: accountAddress.toLowerCase() as Address,
  agentKeyRef: { source: "env", name: agentKeyVar },
  network: "mainnet",
  ...extra,
});
