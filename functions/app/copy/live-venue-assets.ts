import { ttlCache } from "#commons/ttl-cache.js";
import type { CallOptions, ExchangePort } from "#domain/exchange.js";
import { MAIN_DEX } from "#domain/exchange.js";
import { dexOfCoin } from "#domain/perp-universe.js";
import { assetId } from "#hyperliquid/exchange/wire.js";

/**
 * What copying needs of a network's perp listings, per coin: the asset id an order names (`a`)
 * and the size decimals it is rounded to. A main-dex perp's id is its index in `meta`, a builder
 * dex's is 100000 + dex index × 10000 + its index (#hyperliquid/exchange/wire.js `assetId`);
 * `szDecimals` is on the same `meta` entry. `perpDexs` and each dex's `meta` cost 20 weight each,
 * so they are read when first needed and kept `maxAgeMs` (listings change a few times a week; an
 * index never changes for a listed coin, delisted ones keep their place). A process builds ONE
 * directory per network and gives it to both the copy market (#app/copy/market.js, szDecimals)
 * and the live venue (asset ids): each reading `meta` on its own paid for it twice.
 */

export interface AssetDirectory {
  /** The asset id of `coin`, or null when no dex of the network lists it. */
  assetOf(coin: string): Promise<number | null>;
  /** The size decimals of `coin` (its `meta` entry's szDecimals), or null when no dex of the network lists it. */
  szDecimalsOf(coin: string): Promise<number | null>;
  /** The builder dexes, in `perpDexs` order (an account's positions on them are read dex by dex). */
  builderDexes(): Promise<readonly string[]>;
}

/** How long a process keeps a network's listings before asking again. */
export const LISTINGS_MAX_AGE_MS = 3_600_000;

export const createAssetDirectory = (
  info: Pick<ExchangePort, "perpDexs" | "perpMeta">,
  options: { now: () => number; call?: CallOptions; maxAgeMs?: number },
): AssetDirectory => {
  // Copying is live work: tracking's lane, like every copy read.
  const opts = { call: { lane: "tracking" } as CallOptions, maxAgeMs: LISTINGS_MAX_AGE_MS, ...options };
  // Concurrent callers share one read; a failed read is asked again.
  const dexNames = ttlCache(opts.maxAgeMs, opts.now, async () => (await info.perpDexs(opts.call)).map((d) => d.name));
  const builderDexes = (): Promise<string[]> => dexNames("");
  const listings = ttlCache(opts.maxAgeMs, opts.now, async (dex) => {
    const dexIndex = dex === MAIN_DEX ? 0 : (await builderDexes()).indexOf(dex) + 1;
    const assets = await info.perpMeta(opts.call, dex);
    return new Map(assets.map((a, i) => [a.name, { asset: assetId(dexIndex, i), szDecimals: a.szDecimals }]));
  });
  const listingOf = async (coin: string) => {
    const dex = dexOfCoin(coin);
    // A dex the network does not list has no coins (and must not be read as the main dex, index 0).
    if (dex !== MAIN_DEX && !(await builderDexes()).includes(dex)) return undefined;
    return (await listings(dex)).get(coin);
  };

  return {
    assetOf: async (coin) => (await listingOf(coin))?.asset ?? null,
    szDecimalsOf: async (coin) => (await listingOf(coin))?.szDecimals ?? null,
    builderDexes,
  };
};
