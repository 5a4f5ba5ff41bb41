import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import type { FollowerConfig } from "#domain/copy/follower.js";
import type { CopyMessage } from "#domain/copy/messages.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import { trackTrader } from "#domain/traders.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoLeaderOpenings } from "#store/dynamo/leader-openings.js";
import { copyWorkerEngine } from "../support/copy-worker-engine.js";
import { recordingLogger } from "../support/logger.js";
import { followerRecord } from "../support/memory-follower-store.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { paperConfig } from "../unit/copy/engine-harness.js";

/**
 * A position a follower's run finds without its event's message (lost, still queued, or a leader
 * added later): its opening is read from the leader's events as tracking committed them to
 * DynamoDB Local, so max_signal_age_seconds and fixed_notional hold for it as for its message.
 * The simulator's clock follows wall time: events carry the time their fills happened.
 */
describe("a leader's openings, read from his stored events", () => {
  let p: Pipeline;
  let followers: FollowerStore;
  let leader: Address;
  /** His state version after each move. */
  const versions: number[] = [];
  const { logger } = recordingLogger();

  const trade = async (coin: string, size: string) => {
    p.sim.execute({ user: leader, coin, size, px: p.sim.markOf(coin) });
    await p.cycle();
    versions.push((await p.traders.trackingStates([leader])).get(leader)!.version!);
  };

  beforeAll(async () => {
    p = await startPipeline({ seed: 23, simRealTime: true });
    followers = createDynamoFollowerStore(p.tables.doc, p.tables.names.followers);
    leader = p.sim.populate(1, { positions: [0, 0] })[0] as Address;
    await trackTrader(p.traders, leader, { source: "manual", at: Date.now() });
    await p.cycle(); // his baseline
  }, 120_000);
  afterAll(async () => p?.close());

  it("the latest OPEN or FLIP of a coin at or before a version, other coins' events and later ones aside, none after a close; a bounded read", { timeout: 60_000 }, async () => {
    const opening = createDynamoLeaderOpenings(p.tables.doc, p.tables.names.events);
    await trade("BTC", "2"); // OPEN long 2
    await trade("ETH", "5"); // another coin
    await trade("BTC", "1"); // INCREASE to 3
    await trade("BTC", "-5"); // FLIP to short 2
    await trade("ETH", "1"); // another coin again
    const [open, eth, , flip] = versions;
    // His state read consistently (a run whose plain read is older than its event) is the same state.
    expect(await p.traders.trackingStates([leader], { consistent: true })).toEqual(await p.traders.trackingStates([leader]));

    const first = await opening(leader, "BTC", flip! - 1);
    expect(first).toMatchObject({ szi: "2", version: open });
    // Its time is the event's (his fill's), on the wall clock.
    expect(Math.abs(first!.signalAt - Date.now())).toBeLessThan(60_000);
    expect(await opening(leader, "BTC", versions.at(-1)!)).toMatchObject({ szi: "-2", version: flip });
    expect(await opening(leader, "ETH", versions.at(-1)!)).toMatchObject({ szi: "5", version: eth });
    expect(await opening(leader, "SOL", versions.at(-1)!)).toBeNull();
    expect(await opening(leader, "BTC", open! - 1)).toBeNull();
    // The read stops after its pages: two events a page, one page, cannot reach his first BTC opening.
    const bounded = createDynamoLeaderOpenings(p.tables.doc, p.tables.names.events, { pageSize: 2, maxPages: 1 });
    expect(await bounded(leader, "ETH", versions.at(-1)!)).toBeNull();
    expect(await bounded(leader, "BTC", versions.at(-1)!)).toMatchObject({ version: flip });
    // He closes BTC: at that version no opening is his current position's (the older ones were others').
    await trade("BTC", "2");
    expect(await opening(leader, "BTC", versions.at(-1)!)).toBeNull();
  });

  it("a reconciliation that finds his position without its message holds it to max_signal_age_seconds and sizes fixed_notional from his opening", { timeout: 60_000 }, async () => {
    let skewMs = 0;
    const worker = copyWorkerEngine(p, followers, { logger, engineNow: () => Date.now() + skewMs });
    const mk = async (id: string, config: Partial<FollowerConfig>) => {
      await followers.create(followerRecord(id, paperConfig({ paperBalanceUsd: "100000", start: "new_changes_only", ...config }), Date.now()));
      await worker.engine(reconcile(id)); // its first run: what he holds now is not copied
      return id;
    };
    const reconcile = (id: string): CopyMessage => ({ v: 1, follower_id: id, event_id: `reconcile:${Date.now() + skewMs}`, leader: null, coin: null, signal_at: Date.now() + skewMs });
    const held = async (id: string, coin: string) => (await followers.getAccount(id)).ledger?.positions[coin]?.szi ?? "0";

    const capped = { maxSlippageBps: 50, maxSignalAgeSeconds: 30 };
    const late = await mk("fol_openings_late00001", { leaders: [{ address: leader, sizing: { mode: "fixed_ratio", ratio: "0.1" } }], caps: capped });
    const fresh = await mk("fol_openings_fresh0001", { leaders: [{ address: leader, sizing: { mode: "fixed_ratio", ratio: "0.1" } }], caps: capped });
    const notional = await mk("fol_openings_notional1", { leaders: [{ address: leader, sizing: { mode: "fixed_notional", notionalUsd: "1000" } }] });

    // He opens 40 SOL, which none of them holds, then doubles it. No message reaches them.
    await trade("SOL", "40");
    await trade("SOL", "40");
    const mark = p.sim.markOf("SOL");

    await worker.engine(reconcile(fresh));
    expect(await held(fresh, "SOL")).toBe("8"); // 80 × 0.1: opened a second or two ago

    // fixed_notional: $1,000 at his opening's 40, so 80 is $2,000; from his 80 now it would be $1,000.
    await worker.engine(reconcile(notional));
    const usd = dec(await held(notional, "SOL")).times(mark);
    expect(usd.gt(1990) && usd.lte(2000)).toBe(true);

    // 45 s later he trades ETH: his snapshot is new, his SOL opening is not (past the 30 s cap).
    p.sim.advance(45_000);
    skewMs = 45_000;
    await trade("ETH", "1");
    await worker.engine(reconcile(late));
    expect(await held(late, "SOL")).toBe("0");
    expect((await followers.getAccount(late)).memory[`${leader} SOL`]).toEqual({ kind: "ignored", side: 1 });
    await worker.close();
  });
});
