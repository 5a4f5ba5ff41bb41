import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadConfig } from "#commons/config.js";
import { createAssetDirectory } from "#app/copy/live-venue-assets.js";
import { liveVenueDepsFromConfig } from "#app/copy/live-venue-deps.js";
import { openLiveVenue } from "#app/copy/live-venue.js";
import { createCopyMarket, createLeaderSource } from "#app/copy/market.js";
import { createVenueFor } from "#app/copy/venues.js";
import type { AppLogger } from "#commons/logger.js";
import { createCopyEngine } from "#domain/copy/engine.js";
import type { Address } from "#domain/address.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import { trackTrader } from "#domain/traders.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoLeaderOpenings } from "#store/dynamo/leader-openings.js";
import { startPipeline, type Pipeline } from "./pipeline.js";

/**
 * The copy engine wired as functions/handlers/copy-worker.ts wires it, over a test pipeline: one
 * perp directory over the process's exchange client for the market and the live venue, the live
 * venue's deps from the config (both networks on the simulator), paper followers on their ledger.
 * `listingsNow` is the directory's clock (a test may move it past the listings' period), `engineNow`
 * the engine's (a test may move it past the interval at which fees are read).
 */
export const copyWorkerEngine = (
  p: Pipeline,
  followers: FollowerStore,
  opts: { logger: AppLogger; listingsNow?: () => number; engineNow?: () => number },
) => {
  const config = loadConfig({ HYPERLIQUID_API_URL: p.sim.url, HYPERLIQUID_TESTNET_API_URL: p.sim.url });
  const perps = createAssetDirectory(p.exchange, { now: opts.listingsNow ?? Date.now });
  const live = liveVenueDepsFromConfig(config, { mainnetInfo: p.exchange, mainnetAssets: perps, budget: p.budget, logger: opts.logger });
  const engine = createCopyEngine({
    store: followers,
    leaders: createLeaderSource(p.traders, p.exchange, { openings: createDynamoLeaderOpenings(p.tables.doc, p.tables.names.events) }),
    market: createCopyMarket(perps, createHyperliquidMarks(p.exchange, { ttlMs: 1_000 })),
    venueFor: createVenueFor((record) => openLiveVenue(live, record.config)),
    logger: opts.logger,
    now: opts.engineNow ?? Date.now,
  });
  return { engine, close: async () => live.close?.() };
};

/**
 * A follower's own account on the simulated exchange, funded, with an agent approved once (as the
 * user does) whose key is in the environment variable `agentVar` (an `env:` reference). Keys are
 * generated per run; none is real. `remove()` takes the key out of the environment again.
 */
export const liveAccount = (p: Pipeline, agentVar: string, depositUsd = "100000") => {
  const user = privateKeyToAccount(generatePrivateKey());
  const agentKey = generatePrivateKey();
  process.env[agentVar] = agentKey;
  p.sim.deposit(user.address, depositUsd);
  p.sim.approveAgent(user.address, privateKeyToAccount(agentKey).address);
  return { user, remove: () => void delete process.env[agentVar] };
};

/**
 * A test pipeline with the copy worker's engine over the followers table, one leader tracked (his
 * baseline taken, holding nothing) and a live follower's own account, funded, its agent approved.
 * `leaders` follows him at fixed_ratio 0.1. `close()` undoes it all.
 */
export const liveCopyWorld = async (opts: {
  seed: number;
  agentVar: string;
  logger: AppLogger;
  /** The simulator's clock on wall time (the live venue then finds fills by when orders were sent). */
  simRealTime?: boolean;
  listingsNow?: () => number;
  engineNow?: () => number;
}) => {
  const p = await startPipeline({ seed: opts.seed, ...(opts.simRealTime === true && { simRealTime: true }) });
  const followers = createDynamoFollowerStore(p.tables.doc, p.tables.names.followers);
  const worker = copyWorkerEngine(p, followers, {
    logger: opts.logger,
    ...(opts.listingsNow && { listingsNow: opts.listingsNow }),
    ...(opts.engineNow && { engineNow: opts.engineNow }),
  });
  const leader = p.sim.populate(1, { positions: [0, 0] })[0] as Address;
  await trackTrader(p.traders, leader, { source: "manual", at: Date.now() });
  await p.cycle(); // his baseline
  const wallet = liveAccount(p, opts.agentVar);
  const leaders = [{ address: leader, sizing: { mode: "fixed_ratio" as const, ratio: "0.1" } }];
  const close = async () => {
    wallet.remove();
    await worker.close();
    await p.close();
  };
  return { p, followers, engine: worker.engine, leader, leaders, wallet, close };
};
