import type { AppLogger } from "#commons/logger.js";
import { isAddress, type Address } from "./address.js";
import type { WeightBudget } from "./budget.js";
import type { ExchangePort } from "./exchange.js";
import { listedPerpCoins } from "./perp-universe.js";
import type { RunStateStore, TraderStore } from "./ports.js";
import { listActiveAddresses } from "./traders.js";

/**
 * Discovery: every public trade names its buyer and seller, so reading each coin's recent trades
 * reveals who is active. Runs on the "discovery" lane of the weight budget, which only gets what
 * tracking leaves; coins it cannot reach before its deadline are picked up by the next run
 * (rotation), so every coin is covered over time.
 */
export interface DiscoveryDeps {
  exchange: ExchangePort;
  traders: TraderStore;
  runState: RunStateStore;
  logger: AppLogger;
  now: () => number;
  /** POPULAR_COINS when set; otherwise every listed, non-delisted perpetual. */
  coins?: readonly string[];
  /** Stop starting new coins after this long (ms); the rest waits for the next run. */
  maxRunMs: number;
  /** Only read, to log the weight the run spent. */
  budget?: Pick<WeightBudget, "snapshot">;
  /** Stop adding traders once this many are tracked (MAX_TRACKED_TRADERS); absent: no cap. */
  maxTracked?: number;
}

export interface DiscoverySummary {
  coinsTotal: number;
  coinsScanned: number;
  trades: number;
  addressesSeen: number;
  tradersCreated: number;
  nextCoinIndex: number;
  stoppedEarly: boolean;
  /** The run had no room under MAX_TRACKED_TRADERS (left early, or before scanning anything). */
  capReached: boolean;
}

export const runDiscovery = async (deps: DiscoveryDeps): Promise<DiscoverySummary> => {
  const started = deps.now();
  let room = deps.maxTracked === undefined ? Infinity : deps.maxTracked - (await listActiveAddresses(deps.traders)).length;
  const weightAtStart = deps.budget?.snapshot().totalByLane.discovery;
  const deadline = AbortSignal.timeout(deps.maxRunMs);
  const coins = deps.coins !== undefined ? [...deps.coins] : await listedCoins(deps, deadline);
  coins.sort();
  const start = coins.length === 0 ? 0 : (await deps.runState.getDiscoveryCursor()) % coins.length;
  const summary: DiscoverySummary = {
    coinsTotal: coins.length,
    coinsScanned: 0,
    trades: 0,
    addressesSeen: 0,
    tradersCreated: 0,
    nextCoinIndex: start,
    stoppedEarly: false,
    capReached: false,
  };
  const seen = new Set<Address>();
  for (let i = 0; i < coins.length; i++) {
    // No room: spend no weight on coins whose traders could not be added.
    if (room <= 0) {
      summary.capReached = true;
      break;
    }
    if (deps.now() - started >= deps.maxRunMs || deadline.aborted) {
      summary.stoppedEarly = true;
      break;
    }
    const index = (start + i) % coins.length;
    const coin = coins[index] as string;
    try {
      const trades = await deps.exchange.recentTrades(coin, { lane: "discovery", signal: deadline });
      summary.trades += trades.length;
      const addresses = new Set<Address>();
      for (const t of trades) {
        for (const user of t.users) {
          // Both sides of every trade are traders; the all-zero address of some system trades is not.
          if (isAddress(user) && !/^0x0{40}$/i.test(user)) addresses.add(user.toLowerCase() as Address);
        }
      }
      const fresh = [...addresses].filter((a) => !seen.has(a));
      fresh.forEach((a) => seen.add(a));
      for (const address of await deps.traders.unknown(fresh)) {
        if (room <= 0) break;
        const { created } = await deps.traders.addTrader({ address, source: "recent_trades", coin, at: deps.now() });
        if (created) {
          summary.tradersCreated += 1;
          room -= 1;
        }
      }
    } catch (error) {
      if (deadline.aborted) {
        summary.stoppedEarly = true;
        break;
      }
      // One coin failing (bad answer, exchange down for it) must not stop the others.
      deps.logger.warn("Discovery skipped a coin", { coin, error: error instanceof Error ? error.message : String(error) });
    }
    summary.coinsScanned += 1;
    summary.nextCoinIndex = (index + 1) % coins.length;
  }
  summary.addressesSeen = seen.size;
  if (room <= 0) summary.capReached = true;
  if (coins.length > 0) await deps.runState.setDiscoveryCursor(summary.nextCoinIndex);
  deps.logger.info("Discovery run finished", {
    ...summary,
    ...(deps.budget !== undefined && { weightUsed: deps.budget.snapshot().totalByLane.discovery - (weightAtStart ?? 0) }),
  });
  return summary;
};

/** Every perp dex's markets, builder-deployed (HIP-3) ones too: their traders trade there. */
const listedCoins = (deps: DiscoveryDeps, signal: AbortSignal): Promise<string[]> =>
  listedPerpCoins(deps.exchange, { lane: "discovery", signal });
