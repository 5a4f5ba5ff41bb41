import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { createSimulator } from "#simulator/index.js";

/**
 * `npm run demo`: the exchange simulator (simulator/) stands in for Hyperliquid, speaking its wire
 * format, with a population of traders that keep trading, so every part of the app has something
 * to do within seconds and without a network.
 */

/** Settings that make the demo lively; each applies only when the user has not set it. */
export const DEMO_ENV_DEFAULTS: Record<string, string> = {
  // The demo exchange enforces this limit (the real one's 1,200 would make 200 traders crawl).
  HL_WEIGHT_PER_MINUTE: "100000",
  TRACKING_INTERVAL_SECONDS: "10",
  DISCOVERY_INTERVAL_SECONDS: "30",
  LEADERBOARD_INTERVAL_SECONDS: "60",
};

export interface DemoOptions {
  seed?: number;
  traders?: number;
  /** Trades generated per tick, and the tick. */
  tradesPerTick?: number;
  tickMs?: number;
  /** The exchange's weight rule per client a minute: the HL_WEIGHT_PER_MINUTE we plan with. */
  weightPerMinute?: number;
  logger?: AppLogger;
}

export interface DemoExchange {
  baseUrl: string;
  stop(): Promise<void>;
}

export const startDemoExchange = async (o: DemoOptions = {}): Promise<DemoExchange> => {
  const log = o.logger ?? defaultLogger;
  // Wall-clock time: the functions ask for "the last N minutes" by Date.now().
  const simulator = createSimulator({
    seed: o.seed ?? 1,
    realTime: true,
    // A builder-deployed (HIP-3) dex, xyz (xyz:TSLA, xyz:NVDA), which the crowd trades too.
    builderDexes: true,
    ...(o.weightPerMinute !== undefined && { weightPerMinute: o.weightPerMinute }),
  });
  const baseUrl = await simulator.start();
  const crowd = simulator.populate(o.traders ?? 200);
  // A trader on the builder dex from the start, and fills that are no perp trades (an outcome
  // market's settlement, a spot buy) for a crowd trader: they must count in none of his figures.
  const hip3 = "0x0000000000000000000000000000000000003a3a";
  simulator.deposit(hip3, "50000");
  simulator.execute({ user: hip3, coin: "xyz:TSLA", size: "10", px: "431.25" });
  const dusty = crowd[0];
  if (dusty !== undefined) {
    simulator.nonPerpFill({ user: dusty, kind: "settlement", coin: "#118440", px: "1.0", sz: "500", closedPnl: "250" });
    simulator.nonPerpFill({ user: dusty, kind: "spot", coin: "@107", px: "35.5", sz: "4" });
  }
  const timer = setInterval(() => {
    try {
      simulator.randomActivity(o.tradesPerTick ?? 10);
    } catch (error) {
      log.warn("Simulated activity failed", { error });
    }
  }, o.tickMs ?? 3_000);
  return {
    baseUrl,
    stop: async () => {
      clearInterval(timer);
      await simulator.stop();
    },
  };
};
