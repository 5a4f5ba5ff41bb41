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
  let dexes: { at: number; names: Promise<string[]> } | undefined;
  const metas = new Map<string, { at: number; ids: Promise<Map<string, number>> }>();
  const fresh = (at: number): boolean => opts.now() - at < opts.maxAgeMs;

  const builderDexes = (): Promise<string[]> => {
    if (dexes === undefined || !fresh(dexes.at)) {
      const names = info.perpDexs(opts.call).then((list) => list.map((d) => d.name));
      const entry = { at: opts.now(), names };
      dexes = entry;
      names.catch(() => {
        if (dexes === entry) dexes = undefined;
      });
    }
    return dexes.names;
  };

  const idsOf = async (dex: string): Promise<Map<string, number>> => {
    const cached = metas.get(dex);
    if (cached !== undefined && fresh(cached.at)) return cached.ids;
    const ids = (async () => {
      const dexIndex = dex === MAIN_DEX ? 0 : (await builderDexes()).indexOf(dex) + 1;
      const assets = await info.perpMeta(opts.call, dex);
      return new Map(assets.map((a, i) => [a.name, assetId(dexIndex, i)]));
    })();
    const entry = { at: opts.now(), ids };
    metas.set(dex, entry);
    ids.catch(() => {
      if (metas.get(dex) === entry) metas.delete(dex);
    });
    return ids;
  };

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
