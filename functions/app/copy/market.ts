import { decStr, sumDec } from "#commons/decimal.js";
import { ttlCache } from "#commons/ttl-cache.js";
import type { Address } from "#domain/address.js";
import type { CopyMarket, LeaderPositions, LeaderSource, StoredOpening } from "#domain/copy/engine-ports.js";
import { dexesToPoll } from "#domain/dex-polling.js";
import type { CallOptions, ExchangePort } from "#domain/exchange.js";
import type { MarkSource } from "#domain/marks.js";
import { builderDexesOf } from "#domain/perp-universe.js";
import type { TraderStore } from "#domain/ports.js";
import type { AssetDirectory } from "./live-venue-assets.js";

/**
 * The copy engine's view of the leaders and the market, over the traders table and the exchange
 * client (every call paid in the shared weight budget). Cached per process: a leader's account
 * value for a minute (it sizes proportional copies and measures copy_gap, neither of which needs
 * it to the second), mids for a second (orders are priced at them); `meta` by the process's perp directory.
 */
export const LEADER_EQUITY_TTL_MS = 60_000;
/**
 * A leader's opening at a state version never changes: kept a while per (leader, coin, version),
 * so that his one new position found by many followers' runs is read once. Bounded in entries.
 */
const OPENING_TTL_MS = 10 * 60_000;
const OPENING_ENTRIES = 10_000;

/** Copying is live work, like tracking: its requests go in tracking's lane, not behind history backfill. */
const CALL: CallOptions = { lane: "tracking" };

export const createLeaderSource = (
  traders: Pick<TraderStore, "trackingStates">,
  exchange: Pick<ExchangePort, "clearinghouseState">,
  opts: {
    /** His stored events' openings (#store/dynamo/leader-openings.js); without it none is read. */
    openings?: (leader: Address, coin: string, version: number) => Promise<StoredOpening | null>;
    now?: () => number;
  } = {},
): LeaderSource => {
  const now = opts.now ?? Date.now;
  // His account value is every dex's he is active on, as tracking polls him (#domain/dex-polling.js):
  // each builder dex holds its own margin. The main dex is read beside his state (most leaders
  // trade nowhere else); his builder dexes, if any, after it.
  const equity = ttlCache(LEADER_EQUITY_TTL_MS, now, async (key) => {
    const leader = key as Address; // the cache is keyed by the address it was asked for
    const [main, states] = await Promise.all([exchange.clearinghouseState(leader, CALL), traders.trackingStates([leader])]);
    const state = states.get(leader);
    const dexes = state === undefined ? [] : dexesToPoll(state, []);
    const others = await Promise.all(dexes.map((dex) => exchange.clearinghouseState(leader, CALL, dex)));
    return decStr(sumDec([main, ...others].map((s) => s.accountValue)));
  });
  return {
    async positions(leaders, positionsOpts) {
      const states = await traders.trackingStates(leaders, positionsOpts);
      const out = new Map<Address, LeaderPositions | null>();
      for (const leader of leaders) {
        const state = states.get(leader);
        // No baseline yet (or a new one due): what he holds is not known.
        if (state === undefined || state.version === undefined || state.needsBaseline) {
          out.set(leader, null);
          continue;
        }
        const sizes: Record<string, string> = {};
        for (const [coin, p] of Object.entries(state.positions)) sizes[coin] = p.szi;
        out.set(leader, { sizes, version: state.version, ...(state.asOf !== undefined && { asOf: state.asOf }) });
      }
      return out;
    },
    equityUsd: (leader, notBefore) => equity(leader, notBefore),
    ...(opts.openings !== undefined && { opening: openingsCache(opts.openings, now) }),
  };
};

const openingsCache = (read: NonNullable<LeaderSource["opening"]>, now: () => number): NonNullable<LeaderSource["opening"]> => {
  const cached = ttlCache(OPENING_TTL_MS, now, (key) => {
    const [leader, coin, version] = JSON.parse(key) as [Address, string, number];
    return read(leader, coin, version);
  }, OPENING_ENTRIES);
  return (leader, coin, version) => cached(JSON.stringify([leader, coin, version]));
};

/**
 * `perps` is the process's one directory of the exchange's listings (#app/copy/live-venue-assets.js),
 * shared with the live venue's asset ids: `meta` is read once per process and hour for both.
 */
export const createCopyMarket = (perps: Pick<AssetDirectory, "szDecimalsOf">, marks: MarkSource): CopyMarket => ({
  async mids(coins) {
    const prices = await marks.current([...builderDexesOf(coins)]);
    if (prices === null) throw new Error("mid prices are unavailable: no order can be priced");
    const out: Record<string, string> = {};
    for (const coin of coins) {
      const mid = prices.mids[coin];
      if (mid !== undefined) out[coin] = mid;
    }
    return out;
  },
  szDecimals: (coin) => perps.szDecimalsOf(coin),
});
