import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, decStr, sumDec } from "#commons/decimal.js";
import { FILL_DETAILS_INTERVAL_MS } from "#domain/copy/engine-settle.js";
import type { CopyMessage } from "#domain/copy/messages.js";
import type { CopyOrder, FollowerStore } from "#domain/copy/ports.js";
import { liveCopyWorld } from "../support/copy-worker-engine.js";
import { liveFollowerConfig } from "../support/live-follower.js";
import { recordingLogger } from "../support/logger.js";
import { followerRecord } from "../support/memory-follower-store.js";
import type { Pipeline } from "../support/pipeline.js";

/**
 * A live follower's fees and closed PnL, wired as the copy worker wires it (openLiveVenue over
 * liveVenueDepsFromConfig, the followers table on DynamoDB Local, the simulator's /exchange and
 * /info). The simulator counts the `userFillsByTime` requests it receives: the batches that fill
 * within a minute read none; the first run a minute after them reads one, for all of them. The
 * engine's clock is the test's (wall time plus what the test adds), so "a minute later" takes no
 * minute; the simulator's fills keep their wall-clock times. The expected fees and closed PnL are
 * the exchange's own: the simulator's fills of each order, read after the counting.
 */
const FOLLOWER = "fol_integrationfees00001";
const AGENT_VAR = "COPY_FEES_TEST_AGENT_KEY";

describe("a live follower's fees, read once a minute from the exchange's fills", () => {
  let world: Awaited<ReturnType<typeof liveCopyWorld>>;
  let p: Pipeline;
  let followers: FollowerStore;
  const clock = { skew: 0 };
  const now = () => Date.now() + clock.skew;
  const { logger } = recordingLogger();

  beforeAll(async () => {
    // Wall-clock time, so the venue finds the follower's fills by the times its orders were sent.
    world = await liveCopyWorld({ seed: 31, agentVar: AGENT_VAR, logger, simRealTime: true, engineNow: now });
    ({ p, followers } = world);
    await followers.create(followerRecord(FOLLOWER, liveFollowerConfig(world.wallet.user.address, AGENT_VAR, { leaders: world.leaders }), Date.now()));
  }, 120_000);
  afterAll(async () => world?.close());

  /** userFillsByTime requests the simulator received during the copy runs (tracking's own are not counted). */
  let fillReads = 0;
  const run = async (message: CopyMessage) => {
    const before = p.sim.stats().requests.userFillsByTime ?? 0;
    await world.engine(message);
    fillReads += (p.sim.stats().requests.userFillsByTime ?? 0) - before;
  };
  const reconcile = (): CopyMessage => ({ v: 1, follower_id: FOLLOWER, event_id: `reconcile:${now()}`, leader: null, coin: null, signal_at: now() });
  const leaderTradesAndCopies = async (size: string) => {
    p.sim.execute({ user: world.leader, coin: "BTC", size, px: p.sim.markOf("BTC") });
    await p.cycle();
    const at = now();
    await run({ v: 1, follower_id: FOLLOWER, event_id: `test:${size}:${at}`, leader: world.leader, coin: "BTC", signal_at: at });
  };
  const orders = async (): Promise<CopyOrder[]> => (await followers.listOrders(FOLLOWER, { limit: 100 })).items;

  it("three filled batches within a minute read no fills; the run a minute later reads once, and the totals are the exchange's", { timeout: 120_000 }, async () => {
    await run(reconcile()); // the first run notes what he holds (nothing)
    for (const size of ["2", "1", "-1.5"]) await leaderTradesAndCopies(size);
    const filled = await orders();
    expect(filled.map((o) => [o.side, o.status, o.feeUsd])).toEqual([
      ["sell", "filled", null],
      ["buy", "filled", null],
      ["buy", "filled", null],
    ]);
    expect(fillReads).toBe(0);
    expect((await followers.getAccount(FOLLOWER)).unsettled?.map((o) => o.cloid).sort()).toEqual(filled.map((o) => o.cloid).sort());

    clock.skew += FILL_DETAILS_INTERVAL_MS;
    await run(reconcile());
    expect(fillReads).toBe(1);
    await run(reconcile());
    expect(fillReads).toBe(1); // nothing left to read

    // The exchange's own fills of the follower's orders (read now, after the counting).
    const fills = await p.exchange.userFillsByTime(world.wallet.user.address.toLowerCase(), 0, undefined, { lane: "tracking" });
    const settled = await orders();
    for (const o of settled) {
      const mine = fills.filter((f) => f.oid === o.oid);
      expect(mine.length, `fills of ${o.oid}`).toBeGreaterThan(0);
      expect(dec(o.feeUsd ?? "NaN").eq(sumDec(mine.map((f) => f.fee))), `fee of ${o.oid}`).toBe(true);
    }
    const account = await followers.getAccount(FOLLOWER);
    expect(account.unsettled).toBeUndefined();
    expect(account.actual?.feesUsd).toBe(decStr(sumDec(fills.map((f) => f.fee))));
    expect(account.actual?.realizedPnlUsd).toBe(decStr(sumDec(fills.map((f) => f.closedPnl))));
    // The sell closed part of the long at another price than it was bought: closed PnL counts too.
    expect(fills.filter((f) => f.side === "A")).toHaveLength(1);
    expect(dec(account.actual?.realizedPnlUsd ?? "0").eq(0)).toBe(false);
  });
});
