import type { CallOptions, ExchangePort } from "./exchange.js";
import { MAIN_DEX } from "./exchange.js";

/**
 * The perp universe: every perpetual listed on any perp dex, the main one and each builder-deployed
 * (HIP-3) one, with the dex it trades on. It decides what is a perp fill (#domain/fills.js): the
 * exchange's fills endpoints return the fills of every dex, of spot and of outcome markets alike,
 * and only the coin tells them apart. A builder dex's coins are named `<dex>:<COIN>` everywhere
 * (meta, allMids, positions, fills, the trades stream), so a coin's dex is read from its name.
 */

export interface PerpUniverse {
  /** The builder dexes' names, as `perpDexs` lists them (the main dex, `""`, is not one). */
  dexes: readonly string[];
  /** Every listed perp coin (delisted ones included: their old fills are still perp fills) → its dex. */
  coins: ReadonlyMap<string, string>;
  /**
   * The coins still trading, for scanning markets (discovery, the trades stream): the main dex's
   * first, then each builder dex's in `perpDexs` order, each dex's sorted, so a cap on how many can
   * be watched cuts the newest builder dexes' coins, never the main dex's.
   */
  listed: readonly string[];
  fetchedAt: number;
}

/** The dex a coin trades on, from its name: `xyz:TSLA` → `xyz`, `BTC` → `""` (the main dex). */
export const dexOfCoin = (coin: string): string => {
  const colon = coin.indexOf(":");
  return colon > 0 ? coin.slice(0, colon) : MAIN_DEX;
};

/** The builder dexes among `coins` (the main dex left out), without repeats. */
export const builderDexesOf = (coins: Iterable<string>): Set<string> => {
  const dexes = new Set<string>();
  for (const coin of coins) {
    const dex = dexOfCoin(coin);
    if (dex !== MAIN_DEX) dexes.add(dex);
  }
  return dexes;
};

/**
 * `perpDexs`, then `meta` of each dex (20 weight each: 20 × (2 + builder dexes) in all), so it is
 * fetched rarely and cached (see `cachedPerpUniverse`).
 */
export const fetchPerpUniverse = async (
  exchange: Pick<ExchangePort, "perpDexs" | "perpMeta">,
  call: CallOptions,
  now: number,
): Promise<PerpUniverse> => {
  const dexes = (await exchange.perpDexs(call)).map((d) => d.name);
  const coins = new Map<string, string>();
  const listed: string[] = [];
  for (const dex of [MAIN_DEX, ...dexes]) {
    const assets = await exchange.perpMeta(call, dex);
    for (const asset of assets) coins.set(asset.name, dex);
    listed.push(...assets.filter((a) => !a.isDelisted).map((a) => a.name).sort());
  }
  return { dexes, coins, listed, fetchedAt: now };
};

/** Every listed (not delisted) perp coin of every dex, in `PerpUniverse.listed`'s order. */
export const listedPerpCoins = async (exchange: Pick<ExchangePort, "perpDexs" | "perpMeta">, call: CallOptions): Promise<string[]> => [
  ...(await fetchPerpUniverse(exchange, call, Date.now())).listed,
];

export type PerpUniverseSource = () => Promise<PerpUniverse>;

/**
 * One universe per `maxAgeMs` for a long-lived consumer (a warm Lambda, the listener, the local
 * runtime): listings change a few times a week, and a coin listed since is only missed until the
 * next refresh. Concurrent callers share one fetch; a failed fetch is not cached, and while an
 * older universe exists it is served instead (a listing change is rarer than an exchange hiccup).
 */
export const cachedPerpUniverse = (
  exchange: Pick<ExchangePort, "perpDexs" | "perpMeta">,
  opts: { call: CallOptions; maxAgeMs: number; now: () => number },
): PerpUniverseSource => {
  let current: PerpUniverse | undefined;
  let pending: Promise<PerpUniverse> | undefined;
  return async () => {
    if (current !== undefined && opts.now() - current.fetchedAt < opts.maxAgeMs) return current;
    pending ??= fetchPerpUniverse(exchange, opts.call, opts.now())
      .then((u) => (current = u))
      .catch((error: unknown) => {
        if (current !== undefined) return current;
        throw error;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
};
