import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import { COPY_QUEUE } from "#commons/queues.js";
import type { Address } from "#domain/address.js";
import { copyQueueMessage } from "#domain/copy/messages.js";
import type { CopyOrder, FollowerStore } from "#domain/copy/ports.js";
import { trackTrader } from "#domain/traders.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { testQueue, type TestQueue } from "../support/aws.js";
import { copyWorkerEngine, liveAccount } from "../support/copy-worker-engine.js";
import { liveFollowerConfig } from "../support/live-follower.js";
import { recordingLogger } from "../support/logger.js";
import { followerRecord } from "../support/memory-follower-store.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { eventually } from "../support/wait.js";
import { startCopyTriggers } from "../support/copy-triggers.js";

/**
 * A LIVE follower end to end, wired as the copy worker's handler wires it (openLiveVenue over
 * liveVenueDepsFromConfig): the leader trades in the simulator, tracking commits his event, the
 * events stream reaches copy dispatch, the FIFO copy queue the worker, and the worker signs IOC
 * orders with the follower's agent key (an `env:` reference) and sends them to the simulator's
 * POST /exchange, which checks the signature against the approved agent and fills them on the
 * follower's own account there. The follower's position is read back from the simulator, not from
 * anything of ours. Keys are generated per run; none is real.
 */
const FOLLOWER = "fol_integrationlive00001";
const AGENT_VAR = "COPY_LIVE_TEST_AGENT_KEY";

describe("a live follower trading through its agent wallet on the simulator's /exchange", () => {
  let p: Pipeline;
  let queue: TestQueue;
  let followers: FollowerStore;
  let triggers: Awaited<ReturnType<typeof startCopyTriggers>> | undefined;
  let leader: Address;
  let closeVenue: (() => Promise<void>) | undefined;
  let wallet: ReturnType<typeof liveAccount>;
  const { logger } = recordingLogger();

  beforeAll(async () => {
    p = await startPipeline({ seed: 23 });
    queue = await testQueue({ ...COPY_QUEUE, visibilityTimeoutSeconds: 1 }, "copylive");
    followers = createDynamoFollowerStore(p.tables.doc, p.tables.names.followers);
    const worker = copyWorkerEngine(p, followers, { logger });
    closeVenue = worker.close;
    const engine = worker.engine;
    const fifo = createSqsFifoQueue(queue.client, queue.queueUrl);
    triggers = await startCopyTriggers({ p, queue, followers, dispatchTo: fifo, engine, logger });

    leader = p.sim.populate(1, { positions: [0, 0] })[0] as Address;
    await trackTrader(p.traders, leader, { source: "manual", at: Date.now() });
    await p.cycle(); // his baseline
    // The follower's own account on the exchange, and its agent approved once (as the user does).
    wallet = liveAccount(p, AGENT_VAR);
  }, 120_000);
  afterAll(async () => {
    wallet?.remove();
    await triggers?.stop();
    await closeVenue?.();
    await p?.close();
  });

  const orders = async (id: string): Promise<CopyOrder[]> => (await followers.listOrders(id, { limit: 200 })).items;
  /** The follower's BTC on the exchange (the simulator's books, not ours). */
  const onExchange = (): string => p.sim.positionOf(wallet.user.address.toLowerCase(), "BTC")?.szi ?? "0";
  const leaderTrades = async (size: string) => {
    p.sim.execute({ user: leader, coin: "BTC", size, px: p.sim.markOf("BTC") });
    await p.cycle();
  };
  /** His BTC × 0.1, rounded down to BTC's 5 decimals. */
  const target = (): string => decStr(dec(p.sim.positionOf(leader, "BTC")?.szi ?? "0").times("0.1").round(5, 0));
  const same = (a: string, b: string): boolean => dec(a).eq(b);
  const queueIdle = async () =>
    eventually(
      async () => {
        const { Attributes: a } = await queue.client.send(
          new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        );
        return Number(a?.ApproximateNumberOfMessages ?? 1) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 1) === 0;
      },
      { timeoutMs: 20_000, what: "the copy queue to be empty" },
    );
  /** The first run, as the API sends it on create: notes what the leader holds (nothing). */
  const start = async (id: string) => {
    const m = copyQueueMessage({ v: 1, follower_id: id, event_id: `api:create:${Date.now()}`, leader: null, coin: null, signal_at: Date.now() });
    await createSqsFifoQueue(queue.client, queue.queueUrl).sendInOrder([m]);
    await queueIdle();
  };

  it("follows an open, an add, a reduction and a close on its own exchange account, signed orders only", { timeout: 120_000 }, async () => {
    const config = liveFollowerConfig(wallet.user.address, AGENT_VAR, { leaders: [{ address: leader, sizing: { mode: "fixed_ratio", ratio: "0.1" } }] });
    await followers.create(followerRecord(FOLLOWER, config, Date.now()));
    await start(FOLLOWER);

    for (const size of ["2", "1", "-2.5"]) {
      await leaderTrades(size);
      await eventually(() => same(onExchange(), target()), { timeoutMs: 15_000, what: `the follower at ${target()} BTC on the exchange` });
    }
    await leaderTrades(decStr(dec(p.sim.positionOf(leader, "BTC")?.szi ?? "0").neg()));
    await eventually(() => same(onExchange(), "0"), { timeoutMs: 15_000, what: "the follower closed on the exchange" });
    await queueIdle();

    const sent = await orders(FOLLOWER);
    expect(sent.map((o) => [o.side, o.reduceOnly, o.status])).toEqual([
      ["sell", true, "filled"],
      ["sell", true, "filled"],
      ["buy", false, "filled"],
      ["buy", false, "filled"],
    ]);
    // The exchange's own order ids, and every cloid once: the simulator refuses a reused one.
    expect(sent.every((o) => typeof o.oid === "number")).toBe(true);
    expect(new Set(sent.map((o) => o.cloid)).size).toBe(4);
    const account = await followers.getAccount(FOLLOWER);
    expect(account.actual?.positions).toEqual({});
  });

  it("a follower whose agent key is not there pauses, saying so, and sends nothing", { timeout: 60_000 }, async () => {
    const id = "fol_integrationlive00002";
    const config = liveFollowerConfig(wallet.user.address, "COPY_LIVE_TEST_NO_SUCH_VARIABLE", {
      leaders: [{ address: leader, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
    });
    await followers.create(followerRecord(id, config, Date.now()));
    await start(id);
    await leaderTrades("1");
    await eventually(async () => (await followers.get(id))?.state === "paused", { timeoutMs: 15_000, what: "the follower paused" });
    const record = await followers.get(id);
    expect(record?.pause).toMatchObject({ reason: "agent_key" });
    expect(record?.pause?.message).toMatch(/COPY_LIVE_TEST_NO_SUCH_VARIABLE is not set/);
    expect(await orders(id)).toEqual([]);
  });
});
