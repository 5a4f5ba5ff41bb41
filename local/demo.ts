import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { createSimulator } from "#simulator/index.js";
import { DEMO_LIVE_BALANCE_USD, type DemoLiveAccount } from "./demo-live-account.js";

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
  // The demo's paper follower catches up with its leaders' changes tracking saw without an event.
  COPY_RECONCILE_INTERVAL_SECONDS: "15",
};

/** Outside addresses that deposit into the demo's vault. */
const DEPOSITORS = ["0x00000000000000000000000000000000000de901", "0x00000000000000000000000000000000000de902"];

export interface DemoOptions {
  seed?: number;
  traders?: number;
  /** Trades generated per tick, and the tick. */
  tradesPerTick?: number;
  tickMs?: number;
  /** How often the exchange pays funding on open positions (hourly on the real one; faster here so it shows). */
  fundingEveryMs?: number;
  /** The exchange's weight rule per client a minute: the HL_WEIGHT_PER_MINUTE we plan with. */
  weightPerMinute?: number;
  /** An account funded on the simulator with an agent approved for it: the demo's live follower trades there. */
  live?: Pick<DemoLiveAccount, "account" | "agent">;
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
    // Live followers on either network trade here (the runtime points both API URLs at it).
    exchange: { network: "both" },
    ...(o.weightPerMinute !== undefined && { weightPerMinute: o.weightPerMinute }),
  });
  const baseUrl = await simulator.start();
  const traders = simulator.populate(o.traders ?? 200);
  // One of the crowd runs a vault: it trades like the others, and depositors keep paying in, which
  // raises its account value but not its PnL (the leaderboard shows it with a vault badge).
  const vault = traders[0];
  if (vault !== undefined) simulator.createVault(vault);
  for (const depositor of DEPOSITORS) simulator.deposit(depositor, "1000000");
  if (o.live !== undefined) {
    simulator.deposit(o.live.account, DEMO_LIVE_BALANCE_USD);
    simulator.approveAgent(o.live.account, o.live.agent);
  }
  // The exchange can send a ledger entry in a form nobody expects (here an amount as a number):
  // the history sync sets it aside with a counted warning and goes on (README, "Data freshness").
  if (traders[1] !== undefined) simulator.recordLedgerUpdate(traders[1], { type: "deposit", usdc: 250.5 });
  // A trader on the builder dex from the start, and fills that are no perp trades (an outcome
  // market's settlement, a spot buy) for a crowd trader: they must count in none of his figures.
  const hip3 = "0x0000000000000000000000000000000000003a3a";
  simulator.deposit(hip3, "50000");
  simulator.execute({ user: hip3, coin: "xyz:TSLA", size: "10", px: "431.25" });
  const dusty = traders[2];
  if (dusty !== undefined) {
    simulator.nonPerpFill({ user: dusty, kind: "settlement", coin: "#118440", px: "1.0", sz: "500", closedPnl: "250" });
    simulator.nonPerpFill({ user: dusty, kind: "spot", coin: "@107", px: "35.5", sz: "4" });
  }
  let ticks = 0;
  const timer = setInterval(() => {
    try {
      simulator.randomActivity(o.tradesPerTick ?? 10);
      ticks++;
      // Every tenth tick a liquidation or a leverage change, so the demo shows those events too.
      if (ticks % 10 === 0) simulator.randomIncident();
      if (vault !== undefined && ticks % 5 === 0) simulator.vaultDeposit(vault, DEPOSITORS[ticks % DEPOSITORS.length]!, "2500");
    } catch (error) {
      log.warn("Simulated activity failed", { error });
    }
  }, o.tickMs ?? 3_000);
  // Funding as the exchange pays it: on every open position, longs paying shorts at a positive rate.
  const funding = setInterval(() => {
    try {
      simulator.payFunding(ticks % 3 === 0 ? "-0.00002" : "0.0000125");
    } catch (error) {
      log.warn("Simulated funding failed", { error });
    }
  }, o.fundingEveryMs ?? 60_000);
  return {
    baseUrl,
    stop: async () => {
      clearInterval(timer);
      clearInterval(funding);
      await simulator.stop();
    },
  };
};
