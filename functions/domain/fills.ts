import { dec, decStr, sumDec, ZERO } from "#commons/decimal.js";
import type { Fill } from "./exchange.js";
import type { PerpUniverse } from "./perp-universe.js";
import type { StreamFill } from "./stream-fills.js";

/**
 * Fill helpers shared by tracking (attributing fills to events) and, later, the leaderboard.
 */

/**
 * A perp fill is one whose coin is listed on a perp dex (#domain/perp-universe.js): that is how
 * fills enter the store, from tracking and from the history sync. The fills endpoints also return
 * spot fills (`@107`, `PURR/USDC`; direction `Buy`/`Sell`) and outcome-market settlements (`#118440`,
 * direction `Settlement`), which are none of a perp trader's volume, PnL or round trips.
 */
export const isPerpFillIn =
  (universe: PerpUniverse) =>
  (f: Pick<Fill, "coin">): boolean =>
    universe.coins.has(f.coin);

/** Directions of fills that are never perp trades, whatever the coin. */
const NON_PERP_DIRS = new Set(["Buy", "Sell", "Settlement"]);

/**
 * The same question where no universe is at hand (metrics and the trader story read stored fills):
 * the coin's form says it. Spot coins are `@N` or `BASE/QUOTE`, outcome markets `#N`; perp coins
 * (`BTC`, `kPEPE`, `xyz:TSLA`) have none of these marks. Fills are stored only after the universe
 * check, so this only ever meets what was stored before it existed.
 */
export const isPerpFill = (f: Pick<Fill, "coin" | "dir">): boolean =>
  !f.coin.startsWith("@") && !f.coin.startsWith("#") && !f.coin.includes("/") && !NON_PERP_DIRS.has(f.dir);

/**
 * Oldest first; fills that share a millisecond are ordered by `tid` so every reader processes them
 * in the same order.
 */
export const compareFills = (a: Fill, b: Fill): number => a.time - b.time || a.tid - b.tid;

/** Deduplicates by tid (+hash: tids are unique per exchange, the hash guards against a reused tid) and sorts. */
export const dedupeFills = (fills: readonly Fill[]): Fill[] => {
  // Fills read back from the store are already deduplicated and in order: one look says so.
  let ordered = true;
  for (let i = 1; i < fills.length && ordered; i++) ordered = compareFills(fills[i - 1]!, fills[i]!) < 0;
  if (ordered) return fills.slice();
  // Sorting first puts copies of a fill next to each other (same time, same tid), so no map of
  // string keys over every fill is needed: this runs for every trader of every leaderboard run.
  // The sort is stable, so copies stay in the order given.
  const sorted = fills.slice().sort(compareFills);
  const out: Fill[] = [];
  for (let k = 0; k < sorted.length; ) {
    const first = sorted[k]!;
    let end = k + 1;
    while (end < sorted.length && sorted[end]!.time === first.time && sorted[end]!.tid === first.tid) end++;
    if (end === k + 1) out.push(first);
    else {
      // Copies of one fill: the last one given wins. A different fill reusing the tid (another hash) stays.
      const byHash = new Map<string, Fill>();
      for (let j = k; j < end; j++) byHash.set(sorted[j]!.hash, sorted[j]!);
      out.push(...byHash.values());
    }
    k = end;
  }
  return out;
};

/** What the fills behind one event add to it: real execution price, fees and realized PnL. */
export interface FillSummary {
  fill_count: number;
  /** Size-weighted average execution price; null when no fill was found. */
  execution_price: string | null;
  filled_size: string;
  /** Null when the fills came from the trades stream, which tells neither (see ./stream-fills.ts). */
  fees: string | null;
  realized_pnl: string | null;
  first_fill_time: number | null;
  last_fill_time: number | null;
  /**
   * The fills' tids, in order; above MAX_LISTED_TIDS only the first and last halves of that many
   * (`tids_truncated`, `fill_count` says how many there were). Uncapped, an event behind 10,000
   * fills is ~160 KB, over API Gateway's 128 KB WebSocket frame: no client would receive it.
   */
  tids: number[];
  tids_truncated: boolean;
}

/**
 * The most tids an event lists: the first and last 50. At most 17 bytes each in JSON, ~1.7 KB,
 * which keeps the worst-case event a few KB (test/unit/domain/event-size.test.ts). The rest stay
 * in the fills table, between first_fill_time and last_fill_time.
 */
export const MAX_LISTED_TIDS = 100;

/** All tids up to MAX_LISTED_TIDS, else the first and last half of that many. */
const listedTids = (fills: readonly (Fill | StreamFill)[]): number[] => {
  const tids = fills.map((f) => f.tid);
  if (tids.length <= MAX_LISTED_TIDS) return tids;
  const half = MAX_LISTED_TIDS / 2;
  return [...tids.slice(0, half), ...tids.slice(-half)];
};

const isExchangeFill = (f: Fill | StreamFill): f is Fill => "fee" in f && "closedPnl" in f;

export const summarizeFills = (fills: readonly (Fill | StreamFill)[]): FillSummary => {
  if (fills.length === 0) {
    return {
      fill_count: 0,
      execution_price: null,
      filled_size: "0",
      fees: "0",
      realized_pnl: "0",
      first_fill_time: null,
      last_fill_time: null,
      tids: [],
      tids_truncated: false,
    };
  }
  const size = sumDec(fills.map((f) => f.sz));
  const notional = fills.reduce((acc, f) => acc.plus(dec(f.px).times(f.sz)), ZERO);
  // Prices are quoted to at most 6 significant decimals on Hyperliquid; 8 dp keeps the average exact enough.
  const vwap = size.eq(0) ? null : decStr(notional.div(size).round(8));
  const full = fills.every(isExchangeFill) ? fills : null;
  return {
    fill_count: fills.length,
    execution_price: vwap,
    filled_size: decStr(size),
    fees: full === null ? null : decStr(sumDec(full.map((f) => f.fee))),
    realized_pnl: full === null ? null : decStr(sumDec(full.map((f) => f.closedPnl))),
    first_fill_time: fills[0]?.time ?? null,
    last_fill_time: fills[fills.length - 1]?.time ?? null,
    tids: listedTids(fills),
    tids_truncated: fills.length > MAX_LISTED_TIDS,
  };
};
