import type { EngineVenue, VenueChoice, VenueContext } from "#domain/copy/engine-ports.js";
import { takerFeeRateOf } from "#domain/copy/engine-plan.js";
import type { FollowerRecord } from "#domain/copy/ports.js";
import { ConfigError } from "#commons/errors.js";
import { createPaperVenue } from "./paper-venue.js";

/**
 * Which venue a follower's run trades on: paper followers on their ledger, live ones on the
 * exchange through their agent wallet (the factory the live venue's module provides). Without
 * that factory a live follower cannot trade at all, and is paused saying so rather than retried.
 */
export type LiveVenueFactory = (record: FollowerRecord & { config: { mode: "live" } }) => EngineVenue | Promise<EngineVenue>;

export const NO_LIVE_VENUE_MESSAGE =
  "live trading is not available in this deployment (no exchange venue for agent wallets is configured); the follower cannot place orders";

export const createVenueFor =
  (live?: LiveVenueFactory) =>
  async ({ record, account, mids }: VenueContext): Promise<VenueChoice> => {
    const config = record.config;
    if (config.mode === "paper") {
      return {
        venue: createPaperVenue({
          ledger: account.ledger,
          balanceUsd: config.paperBalanceUsd,
          mids,
          lastMarks: account.actual?.marks ?? {},
          slippageBps: config.caps.maxSlippageBps,
          takerFeeRate: takerFeeRateOf(config),
        }),
      };
    }
    if (live === undefined) return { unavailable: { reason: "agent_key", message: NO_LIVE_VENUE_MESSAGE } };
    try {
      return { venue: await live({ ...record, config }) };
    } catch (error) {
      // The key cannot be had (missing, unreadable, not a key, outside the prefix): no run can trade
      // until the user fixes it, so the follower pauses saying why. Anything else is retried.
      if (error instanceof ConfigError) return { unavailable: { reason: "agent_key", message: error.message } };
      throw error;
    }
  };
