import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LISTINGS_MAX_AGE_MS } from "#app/copy/live-venue-assets.js";
import type { Address } from "#domain/address.js";
import type { CopyEngine } from "#domain/copy/engine.js";
import type { CopyOrder, FollowerStore } from "#domain/copy/ports.js";
import { liveCopyWorld } from "../support/copy-worker-engine.js";
import { liveFollowerConfig } from "../support/live-follower.js";
import { recordingLogger } from "../support/logger.js";
import { followerRecord } from "../support/memory-follower-store.js";
import type { Pipeline } from "../support/pipeline.js";
import { paperConfig } from "../unit/copy/engine-harness.js";

/**
 * One copy worker process, wired as functions/handlers/copy-worker.ts wires it (one perp directory
 * over the process's exchange client, given to the copy market and to the live venue), copying a
 * leader for a live follower and a paper one. Both need `meta`: the market for szDecimals (every
 * run, either mode), the live venue for the asset id its orders name. The simulator counts the
 * `meta` requests it receives: one per listings period for the whole process, not one per user
 * of it. The directory's clock is the test's, so "an hour later" takes no hour.
 */
const LIVE = "fol_integrationmeta00001";
const PAPER = "fol_integrationmeta00002";
const AGENT_VAR = "COPY_META_TEST_AGENT_KEY";

describe("the exchange's meta, read once per period by a worker copying live and on paper", () => {
  let world: Awaited<ReturnType<typeof liveCopyWorld>>;
  let p: Pipeline;
  let followers: FollowerStore;
  let engine: CopyEngine;
  let leader: Address;
  const listingsClock = { now: Date.now() };
  const { logger } = recordingLogger();

  beforeAll(async () => {
    world = await liveCopyWorld({ seed: 29, agentVar: AGENT_VAR, logger, listingsNow: () => listingsClock.now });
    ({ p, followers, engine, leader } = world);
    const leaders = world.leaders;
    await followers.create(followerRecord(LIVE, liveFollowerConfig(world.wallet.user.address, AGENT_VAR, { leaders }), Date.now()));
    await followers.create(followerRecord(PAPER, paperConfig({ leaders, paperBalanceUsd: "100000" }), Date.now()));
  }, 120_000);
  afterAll(async () => world?.close());

  /** `meta` requests the simulator received during the copy runs (tracking's own reads, for fills, are not counted). */
  let copyMeta = 0;
  const run = async (message: Parameters<CopyEngine>[0]) => {
    const before = p.sim.stats().requests.meta ?? 0;
    await engine(message);
    copyMeta += (p.sim.stats().requests.meta ?? 0) - before;
  };
  const lastOrder = async (id: string): Promise<CopyOrder | undefined> => (await followers.listOrders(id, { limit: 1 })).items[0];
  /** The leader buys `size` BTC; tracking commits it; both followers run on it, one after the other. */
  const leaderBuysAndBothCopy = async (size: string) => {
    p.sim.execute({ user: leader, coin: "BTC", size, px: p.sim.markOf("BTC") });
    await p.cycle();
    for (const id of [LIVE, PAPER]) {
      const at = Date.now();
      await run({ v: 1, follower_id: id, event_id: `test:${size}:${at}`, leader, coin: "BTC", signal_at: at });
    }
  };

  it("one read serves the market's szDecimals and the live venue's asset ids until the listings are due again", { timeout: 120_000 }, async () => {
    // The first runs note what he holds (nothing); nothing needs meta except the market's szDecimals.
    for (const id of [LIVE, PAPER]) await run({ v: 1, follower_id: id, event_id: `test:start:${Date.now()}`, leader: null, coin: null, signal_at: Date.now() });

    await leaderBuysAndBothCopy("2");
    // Each follower sent an order that filled: the live one named BTC's asset id, the paper one
    // was sized in BTC's lot. Both, and the market before them, used the one read.
    expect((await lastOrder(LIVE))?.status).toBe("filled");
    expect((await lastOrder(PAPER))?.status).toBe("filled");
    expect(copyMeta).toBe(1);

    // Later within the period: more runs, more orders, no new read.
    listingsClock.now += LISTINGS_MAX_AGE_MS - 1;
    await leaderBuysAndBothCopy("1");
    expect((await lastOrder(LIVE))?.size).toBe("0.1");
    expect(copyMeta).toBe(1);

    // The period is over: the next use reads again, once, for both.
    listingsClock.now += 1;
    await leaderBuysAndBothCopy("1");
    expect((await lastOrder(LIVE))?.status).toBe("filled");
    expect((await lastOrder(PAPER))?.status).toBe("filled");
    expect(copyMeta).toBe(2);
  });
});
