import type { SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { byGroup, createFanOutWorker } from "#app/feed/fan-out-worker.js";
import { eventMessage, storedEventSchema } from "#app/feed/fan-out-message.js";
import type { FeedEvent } from "#domain/feed/messages.js";
import type { ConnectionStore, FeedConnection, OrderedMessage } from "#domain/feed/ports.js";
import { eventItem } from "#store/dynamo/traders.js";
import { benchEvent } from "../../../bench/api-fixtures.js";
import { recordingLogger } from "../../support/logger.js";

/**
 * The fan-out worker's concurrency, with the store and the sender replaced by fakes that record
 * when each post starts and ends: the shards of one batch are posted side by side, and each
 * connection still gets its shard's events once each, in commit order.
 */

const SHARDS = 3;
const PER_SHARD = 40;
const EVENTS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const feedEvents = (): FeedEvent[] => Array.from({ length: EVENTS }, (_, i) => storedEventSchema.parse(eventItem(benchEvent(i, Date.now(), "c0ffee"))));

/** A batch as Lambda hands a FIFO queue's messages over: the shards' messages interleaved, each shard's in order. */
const batchOf = (messages: OrderedMessage[]): SQSEvent => ({
  Records: messages.map(
    (m, i) => ({ messageId: `m${i}`, body: m.body, attributes: { MessageGroupId: m.groupId } }) as unknown as SQSRecord,
  ),
});

const connectionsOf = (shard: number): FeedConnection[] =>
  Array.from({ length: PER_SHARD }, (_, i) => ({ connectionId: `s${shard}-c${i}`, connectedAt: 0, welcomed: true, shard }));

const workerWith = (o: { listShard?: (shard: number) => Promise<FeedConnection[]> } = {}) => {
  const received = new Map<string, string[]>();
  const inFlight = new Map<number, number>();
  let mostShardsAtOnce = 0;
  const worker = createFanOutWorker({
    connections: { listShard: o.listShard ?? (async (shard) => connectionsOf(shard)), remove: async () => {} } as unknown as ConnectionStore,
    sender: {
      send: async (connectionId, message) => {
        const shard = Number(/^s(\d+)-/.exec(connectionId)![1]);
        inFlight.set(shard, (inFlight.get(shard) ?? 0) + 1);
        mostShardsAtOnce = Math.max(mostShardsAtOnce, [...inFlight.values()].filter((n) => n > 0).length);
        // Posts that take uneven times, so that a later one could overtake an earlier one.
        await sleep(Math.random() * 4);
        inFlight.set(shard, inFlight.get(shard)! - 1);
        const data = (message as { bytes?: Uint8Array }).bytes;
        const id = (JSON.parse(new TextDecoder().decode(data)) as { data: { id: string } }).data.id;
        received.set(connectionId, [...(received.get(connectionId) ?? []), id]);
      },
    },
    retries: { sendInOrder: async () => ({ sent: 1 }) },
    logger: recordingLogger().logger,
    now: Date.now,
    concurrency: 10,
  });
  return { worker, received, mostShardsAtOnce: () => mostShardsAtOnce };
};

describe("fan-out worker, concurrency", () => {
  it("posts the shards of one batch side by side, each connection getting its shard's events once, in commit order", async () => {
    const events = feedEvents();
    const messages = events.flatMap((e) => Array.from({ length: SHARDS }, (_, shard) => eventMessage(shard, e)));
    const { worker, received, mostShardsAtOnce } = workerWith();

    const response = await worker(batchOf(messages));

    expect(response.batchItemFailures).toEqual([]);
    expect(mostShardsAtOnce()).toBe(SHARDS);
    for (let shard = 0; shard < SHARDS; shard++) {
      for (const { connectionId } of connectionsOf(shard)) expect(received.get(connectionId), connectionId).toEqual(events.map((e) => e.id));
    }
  });

  it("holds back only the shard whose message failed, and fails none of the others' messages", async () => {
    const events = feedEvents();
    const messages = events.flatMap((e) => Array.from({ length: SHARDS }, (_, shard) => eventMessage(shard, e)));
    let shard1Listings = 0;
    const { worker, received } = workerWith({
      listShard: async (shard) => {
        if (shard === 1 && shard1Listings++ === 0) throw new Error("throttled");
        return connectionsOf(shard);
      },
    });

    const response = await worker(batchOf(messages));

    // Every message of shard 1, the failed one and those behind it: redelivered in order.
    const shard1 = batchOf(messages).Records.filter((r) => r.attributes.MessageGroupId === "shard-1").map((r) => r.messageId);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(shard1.sort());
    expect(received.get("s1-c0")).toBeUndefined();
    expect(received.get("s0-c0")).toEqual(events.map((e) => e.id));
    expect(received.get("s2-c0")).toEqual(events.map((e) => e.id));
  });

  it("groups a batch's records by message group, keeping each group's order", () => {
    const records = ["a", "b", "a", "c", "b", "a"].map((g, i) => ({ messageId: `${g}${i}`, attributes: { MessageGroupId: g } }) as unknown as SQSRecord);
    expect(byGroup(records).map((g) => g.map((r) => r.messageId))).toEqual([["a0", "a2", "a5"], ["b1", "b4"], ["c3"]]);
  });
});
