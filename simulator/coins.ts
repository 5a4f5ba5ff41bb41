import type { WireAsset } from "./wire.js";

/** One perpetual of the simulated universe. `index` is its asset id (position in `meta`). */
export interface CoinSpec {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  /** Starting mid price, a decimal string. */
  px: string;
  delisted: boolean;
}

type Row = [name: string, szDecimals: number, maxLeverage: number, px: string, delisted?: true];

/**
 * Modelled on the recorded `meta` (same names and size decimals), with realistic prices. Three
 * assets Hyperliquid really delisted stay in place flagged `isDelisted`, as the live `meta` keeps
 * them: asset ids are positions in this list and must never shift.
 */
const DEFAULT_ROWS: Row[] = [
  ["BTC", 5, 40, "104320"],
  ["ETH", 4, 25, "3521.4"],
  ["ATOM", 2, 5, "4.5312"],
  ["MATIC", 1, 20, "0.38", true],
  ["DYDX", 1, 10, "0.6611"],
  ["SOL", 2, 20, "171.33"],
  ["AVAX", 2, 10, "21.874"],
  ["BNB", 3, 10, "652.41"],
  ["APE", 1, 10, "0.6543"],
  ["OP", 1, 10, "0.7012"],
  ["LTC", 2, 10, "88.123"],
  ["ARB", 1, 10, "0.4113"],
  ["DOGE", 0, 10, "0.20456"],
  ["INJ", 1, 10, "12.871"],
  ["SUI", 1, 10, "3.4107"],
  ["kPEPE", 0, 10, "0.011734"],
  ["CRV", 1, 10, "0.7123"],
  ["LDO", 1, 10, "1.0941"],
  ["LINK", 1, 10, "15.223"],
  ["RNDR", 1, 20, "7.1", true],
  ["FTM", 0, 10, "0.71", true],
  ["XRP", 0, 20, "2.3011"],
];

/**
 * A builder-deployed (HIP-3) dex, as `perpDexs` lists it, with two equity perps. Its coins carry
 * the dex's name (`xyz:TSLA`) in every answer, as on the exchange. Not in the default universe
 * (tests and the benchmark keep theirs); `builderDexes: true` or a `coins` list naming them adds it.
 */
export const BUILDER_ROWS: Row[] = [
  ["xyz:TSLA", 3, 10, "431.25"],
  ["xyz:NVDA", 3, 10, "181.07"],
];

/** The main dex is `""`; a builder dex's coins are `<dex>:<COIN>`. */
export const dexOf = (coin: string): string => {
  const colon = coin.indexOf(":");
  return colon > 0 ? coin.slice(0, colon) : "";
};

/** Decimals and leverage for a coin name we have no row for (a test's own coin list). */
const FALLBACK = { szDecimals: 2, maxLeverage: 10, px: "10.0" };

const specOf = ([name, szDecimals, maxLeverage, px, delisted]: Row): CoinSpec => ({
  name,
  szDecimals,
  maxLeverage,
  px,
  delisted: delisted === true,
});

/**
 * The universe for a simulator. With `coins`, exactly those are tradable (unknown names get
 * fallback decimals); the delisted rows are always appended so `meta` keeps showing some.
 */
export const buildUniverse = (coins?: readonly string[], builderDexes = false): CoinSpec[] => {
  const rows = DEFAULT_ROWS.map(specOf);
  if (!coins) return builderDexes ? [...rows, ...BUILDER_ROWS.map(specOf)] : rows;
  const byName = new Map([...rows, ...BUILDER_ROWS.map(specOf)].map((r) => [r.name, r]));
  const listed = coins.map((name) => {
    const known = byName.get(name);
    return known && !known.delisted ? known : { name, ...FALLBACK, delisted: false };
  });
  const names = new Set(listed.map((c) => c.name));
  return [...listed, ...rows.filter((r) => r.delisted && !names.has(r.name))];
};

export const wireAsset = (spec: CoinSpec): WireAsset =>
  spec.delisted
    ? { name: spec.name, szDecimals: spec.szDecimals, maxLeverage: spec.maxLeverage, isDelisted: true }
    : { name: spec.name, szDecimals: spec.szDecimals, maxLeverage: spec.maxLeverage };
