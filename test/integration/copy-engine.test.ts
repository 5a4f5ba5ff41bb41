import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import { COPY_QUEUE } from "#commons/queues.js";
import { createAssetDirectory } from "#app/copy/live-venue-assets.js";
import { createCopyMarket, createLeaderSource } from "#app/copy/market.js";
import { createCopyReconcile } from "#app/copy/reconcile.js";
import { createVenueFor } from "#app/copy/venues.js";
import type { Address } from "#domain/address.js";
import { createCopyEngine } from "#domain/copy/engine.js";
import { copyQueueMessage } from "#domain/copy/messages.js";
import type { CopyOrder, FollowerStore } from "#domain/copy/ports.js";
import type { OrderedQueue } from "#domain/feed/ports.js";
import { trackTrader } from "#domain/traders.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { testQueue, type TestQueue } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { eventually } from "../support/wait.js";
import { startCopyTriggers } from "../support/copy-triggers.js";
import { createDemoFollower } from "#local/demo-follower.js";
import { paperConfig } from "../unit/copy/engine-harness.js";
import { followerRecord } from "../support/memory-follower-store.js";

/**
 * Copy trading end to end on the local runtime's pieces: the simulator as the exchange, tracking
 * committing the leader's events to DynamoDB Local, the events table's stream read by the local
 * stream source into copy dispatch, the FIFO copy queue on the SQS server, its event source into
 * the copy worker, and a paper follower stored by the DynamoDB FollowerStore. Nothing mocked.
 */
const FOLLOWER = "fol_integration00000001";

describe("a paper follower copying a leader in the simulator", () => {
  let p: Pipeline;
  let queue: TestQueue;
  let followers: FollowerStore;
  let triggers: Awaited<ReturnType<typeof startCopyTriggers>> | undefined;
  let leader: Address;
  /** Drops the next dispatch's messages (an event lost between the stream and the queue). */
  let dropNext = false;
  /** Crashes the next run after its orders were sent, before their results are written. */
  let crashNext = false;
  const { logger } = recordingLogger();

  beforeAll(async () => {
    p = await startPipeline({ seed: 17 });
    queue = await testQueue({ ...COPY_QUEUE, visibilityTimeoutSeconds: 1 }, "copy");
    followers = createDynamoFollowerStore(p.tables.doc, p.tables.names.followers);
    const fifo = createSqsFifoQueue(queue.client, queue.queueUrl);
    const lossy: OrderedQueue = {
      sendInOrder: async (messages) => {
        if (!dropNext) return fifo.sendInOrder(messages);
        dropNext = false;
        return { sent: messages.length };
      },
    };
    // The store as the worker sees it: a commit of sent orders' results may "crash" the worker.
    const crashing: FollowerStore = {
      ...followers,
      commit: async (input) => {
        if (crashNext && input.orders.some((o) => o.status !== "pending")) {
          crashNext = false;
          throw new Error("worker killed after sending, before writing the results");
        }
        return followers.commit(input);
      },
    };
    const engine = createCopyEngine({
      store: crashing,
      leaders: createLeaderSource(p.traders, p.exchange),
      market: createCopyMarket(createAssetDirectory(p.exchange, { now: Date.now }), createHyperliquidMarks(p.exchange, { ttlMs: 1_000 })),
      venueFor: createVenueFor(),
      logger,
      now: Date.now,
    });
    triggers = await startCopyTriggers({ p, queue, followers, dispatchTo: lossy, engine, logger });

    // A leader with no position yet: every order of the follower is one of the test's.
    leader = p.sim.populate(1, { positions: [0, 0] })[0] as Address;
    await trackTrader(p.traders, leader, { source: "manual", at: Date.now() });
    await p.cycle(); // his baseline
    // His positions from before count too (sync_now): the test compares with his whole book.
    const config = paperConfig({ leaders: [{ address: leader, sizing: { mode: "fixed_ratio", ratio: "0.1" } }], paperBalanceUsd: "100000" });
    await followers.create(followerRecord(FOLLOWER, config, Date.now()));
  }, 120_000);
  afterAll(async () => {
    await triggers?.stop();
    await p?.close();
  });

  const orders = async (): Promise<CopyOrder[]> => (await followers.listOrders(FOLLOWER, { limit: 200 })).items;
  /** The follower's paper position in `coin` (0 when flat). */
  const held = async (coin: string): Promise<string> => (await followers.getAccount(FOLLOWER)).ledger?.positions[coin]?.szi ?? "0";
  /** The leader trades `size` of BTC at the mark; tracking commits his event. */
  const leaderTrades = async (size: string) => {
    p.sim.execute({ user: leader, coin: "BTC", size, px: p.sim.markOf("BTC") });
    await p.cycle();
  };
  /** What he holds × 0.1, rounded down to BTC's 5 decimals, as the follower should. */
  const target = (): string => decStr(dec(p.sim.positionOf(leader, "BTC")?.szi ?? "0").times("0.1").round(5, 0));
  const queueIdle = async () =>
    eventually(
      async () => {
        const { GetQueueAttributesCommand } = await import("@aws-sdk/client-sqs");
        const { Attributes: a } = await queue.client.send(
          new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        );
        return Number(a?.ApproximateNumberOfMessages ?? 1) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 1) === 0;
      },
      { timeoutMs: 20_000, what: "the copy queue to be empty" },
    );

  it("follows an open, an add, a reduction and a close within seconds, one order each", { timeout: 120_000 }, async () => {
    const start = (await orders()).length;
    for (const size of ["2", "1", "-2.5"]) {
      await leaderTrades(size);
      await eventually(async () => (await held("BTC")) === target(), { timeoutMs: 10_000, what: `the follower at ${target()} BTC` });
    }
    await leaderTrades(decStr(dec(p.sim.positionOf(leader, "BTC")?.szi ?? "0").neg()));
    await eventually(async () => (await held("BTC")) === "0", { timeoutMs: 10_000, what: "the follower closed" });
    await queueIdle();

    const sent = (await orders()).slice(0, (await orders()).length - start);
    expect(sent).toHaveLength(4);
    expect(sent.every((o) => o.status === "filled")).toBe(true);
    expect(new Set(sent.map((o) => o.cloid)).size).toBe(4);
    // Newest first: the close and the reduction are reduce-only, the open and the add are not.
    expect(sent.map((o) => [o.side, o.reduceOnly])).toEqual([
      ["sell", true],
      ["sell", true],
      ["buy", false],
      ["buy", false],
    ]);
    // Every order names the leader event behind it; signal → order was measured from it.
    for (const o of sent) {
      expect(o.eventId.startsWith(`${leader}-`)).toBe(true);
      expect(o.sentAt! - o.signalAt).toBeLessThan(10_000);
    }
  });

  it("a redelivered message and a worker killed mid-batch double no order", { timeout: 120_000 }, async () => {
    const before = (await orders()).length;
    crashNext = true;
    await leaderTrades("1.5");
    // The crashed run left its order pending; the redelivery resolves it and plans once more.
    await eventually(async () => (await held("BTC")) === target(), { timeoutMs: 15_000, what: "the follower after the crash" });
    expect(crashNext).toBe(false); // the crash did happen
    await queueIdle();
    const after = await orders();
    expect(after.length - before).toBe(1);
    expect(after[0]).toMatchObject({ status: "filled", side: "buy", size: "0.15" });
    expect(await followers.pendingOrders(FOLLOWER)).toEqual([]);

    // The same event delivered again (as SQS may, past its deduplication window).
    const message = copyQueueMessage({ v: 1, follower_id: FOLLOWER, event_id: after[0]!.eventId, leader, coin: "BTC", signal_at: after[0]!.signalAt });
    await queue.client.send(
      new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: message.body, MessageGroupId: message.groupId, MessageDeduplicationId: "redelivery-1" }),
    );
    await queueIdle();
    expect((await orders()).length).toBe(after.length);
    expect(await held("BTC")).toBe(target());
  });

  it("the periodic reconcile trades an event that never reached the queue", { timeout: 120_000 }, async () => {
    dropNext = true;
    await leaderTrades("1");
    await queueIdle();
    expect(await held("BTC")).not.toBe(target());

    let skew = 0;
    const reconcile = createCopyReconcile({
      followers,
      queue: createSqsFifoQueue(queue.client, queue.queueUrl),
      intervalSeconds: 60,
      logger,
      now: () => Date.now() + skew,
    });
    // It ran (for the earlier events) within the interval: this tick leaves it out...
    expect(await reconcile()).toEqual({ followers: 0, recent: 1 });
    expect(await held("BTC")).not.toBe(target());
    // ...and the next one, an interval later, queues it.
    skew = 60_000;
    expect(await reconcile()).toEqual({ followers: 1, recent: 0 });
    await eventually(async () => (await held("BTC")) === target(), { timeoutMs: 10_000, what: "the reconcile's catch-up" });
    // Its signal time is the interval's start, so it need not sort first: found by its cause.
    const caughtUp = (await orders()).filter((o) => o.eventId.startsWith("reconcile:"));
    expect(caughtUp.map((o) => [o.side, o.size, o.status])).toEqual([["buy", "0.1", "filled"]]);
  });
});

describe("npm run demo's paper follower", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 5 });
  }, 60_000);
  afterAll(async () => p?.close());

  it("is created once tracking has a baseline of the first traders, and only once", { timeout: 60_000 }, async () => {
    const followers = createDynamoFollowerStore(p.tables.doc, p.tables.names.followers);
    const deps = { followers, traders: p.traders, logger: recordingLogger().logger };
    const traders = p.sim.populate(3) as Address[];
    for (const t of traders) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    // Tracked but not polled yet: no leader is ready.
    expect(await createDemoFollower(deps)).toBeNull();
    await p.cycle();
    const [created, ...others] = (await createDemoFollower(deps)) ?? [];
    expect(others).toEqual([]);
    expect(created?.id).toMatch(/^fol_[0-9a-f]{20}$/);
    expect(created?.config).toMatchObject({ mode: "paper", paperBalanceUsd: "10000", start: "sync_now" });
    expect(created?.config.leaders).toHaveLength(2);
    for (const leader of created!.config.leaders) expect(traders).toContain(leader.address);
    // Its leaders' events now reach it: the dispatch finds it by leader.
    expect(await followers.followersOf(created!.config.leaders[0]!.address)).toEqual([created!.id]);
    expect(await createDemoFollower(deps)).toBeNull();
    expect((await followers.list({ limit: 10 })).items).toHaveLength(1);
  });

  it("with the demo's live account, a live follower of the same leaders is stored beside it, its agent key in the environment", { timeout: 60_000 }, async () => {
    const followers = createDynamoFollowerStore(p.tables.doc, p.tables.names.followers);
    // As on a fresh table (the test above stored one): no follower yet.
    const empty = { ...followers, list: async () => ({ items: [] }) };
    const account = "0x00000000000000000000000000000000000de111" as Address;
    const made = await createDemoFollower({ followers: empty, traders: p.traders, logger: recordingLogger().logger, live: { account, agentKeyVar: "DEMO_AGENT_KEY" } });
    expect(made?.map((f) => f.config.mode)).toEqual(["paper", "live"]);
    const [paper, live] = made!;
    expect(live!.config).toMatchObject({ mode: "live", accountAddress: account, agentKeyRef: { source: "env", name: "DEMO_AGENT_KEY" }, network: "testnet" });
    expect(live!.config.leaders).toEqual(paper!.config.leaders);
  });
});
