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
    ...(o.weightPerMinute !== undefined && { weightPerMinute: o.weightPerMinute }),
  });
  const baseUrl = await simulator.start();
  const traders = simulator.populate(o.traders ?? 200);
  // The exchange can send a ledger entry in a form nobody expects (here an amount as a number):
  // the history sync sets it aside with a counted warning and goes on (README, "Data freshness").
  if (traders[0] !== undefined) simulator.recordLedgerUpdate(traders[0], { type: "deposit", usdc: 250.5 });
  let ticks = 0;
  const timer = setInterval(() => {
    try {
      simulator.randomActivity(o.tradesPerTick ?? 10);
      // Every tenth tick a liquidation or a leverage change, so the demo shows those events too.
      if (++ticks % 10 === 0) simulator.randomIncident();
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
