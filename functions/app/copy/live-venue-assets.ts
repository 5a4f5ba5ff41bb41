import { ttlCache } from "#commons/ttl-cache.js";
import type { CallOptions, ExchangePort } from "#domain/exchange.js";
import { MAIN_DEX } from "#domain/exchange.js";
import { dexOfCoin } from "#domain/perp-universe.js";
import { assetId } from "#hyperliquid/exchange/wire.js";

/**
 * Coin → the asset id an order names (`a`), per network: a main-dex perp is its index in `meta`,
 * a builder dex's is 100000 + dex index × 10000 + its index (#hyperliquid/exchange/wire.js
 * `assetId`). `perpDexs` and each dex's `meta` cost 20 weight each, so they are read when first
 * needed and kept `maxAgeMs` (listings change a few times a week; an index never changes for a
 * listed coin, delisted ones keep their place). Concurrent callers share one read.
 */

export interface AssetDirectory {
  /** The asset id of `coin`, or null when no dex of the network lists it. */
  assetOf(coin: string): Promise<number | null>;
  /** The builder dexes, in `perpDexs` order (an account's positions on them are read dex by dex). */
  builderDexes(): Promise<readonly string[]>;
}

export const createAssetDirectory = (
  info: Pick<ExchangePort, "perpDexs" | "perpMeta">,
  opts: { call: CallOptions; maxAgeMs: number; now: () => number },
): AssetDirectory => {
  // Concurrent callers share one read; a failed read is asked again.
  const dexNames = ttlCache(opts.maxAgeMs, opts.now, async () => (await info.perpDexs(opts.call)).map((d) => d.name));
  const builderDexes = (): Promise<string[]> => dexNames("");
  const idsOf = ttlCache(opts.maxAgeMs, opts.now, async (dex) => {
    const dexIndex = dex === MAIN_DEX ? 0 : (await builderDexes()).indexOf(dex) + 1;
    const assets = await info.perpMeta(opts.call, dex);
    return new Map(assets.map((a, i) => [a.name, assetId(dexIndex, i)]));
  });

  return {
    async assetOf(coin) {
      const dex = dexOfCoin(coin);
      // A dex the network does not list has no coins (and must not be read as the main dex, index 0).
      if (dex !== MAIN_DEX && !(await builderDexes()).includes(dex)) return null;
      return (await idsOf(dex)).get(coin) ?? null;
    },
    builderDexes,
  };
};
