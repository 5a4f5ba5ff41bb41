import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadConfig } from "#commons/config.js";
import { createAssetDirectory } from "#app/copy/live-venue-assets.js";
import { liveVenueDepsFromConfig } from "#app/copy/live-venue-deps.js";
import { openLiveVenue } from "#app/copy/live-venue.js";
import { createCopyMarket, createLeaderSource } from "#app/copy/market.js";
import { createVenueFor } from "#app/copy/venues.js";
import type { AppLogger } from "#commons/logger.js";
import { createCopyEngine } from "#domain/copy/engine.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import type { Pipeline } from "./pipeline.js";

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
    leaders: createLeaderSource(p.traders, p.exchange),
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
