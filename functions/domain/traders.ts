import { parseAddress, type Address } from "./address.js";
import type { DiscoverySource, TraderStore } from "./ports.js";

/**
 * Starting to track a trader, whether discovery found them or a user asked by hand
 * (`POST /traders/{address}/track`): one function, so both paths validate and store alike.
 */
export const trackTrader = async (
  traders: TraderStore,
  rawAddress: unknown,
  opts: { source: DiscoverySource; coin?: string; at: number },
): Promise<{ address: Address; created: boolean; reactivated: boolean }> => {
  const address = parseAddress(rawAddress);
  const result = await traders.addTrader({
    address,
    source: opts.source,
    at: opts.at,
    ...(opts.coin !== undefined ? { coin: opts.coin } : {}),
  });
  return { address, ...result };
};
