import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventMessage, parseFanOutMessage, retryMessage, storedEventSchema } from "#app/feed/fan-out-message.js";
import { DEFAULT_FEED_SHARDS, shardOf } from "#domain/feed/shards.js";
import { batchesOf, MAX_BATCH_BYTES } from "#store/sqs-fifo-queue.js";

const event = (id: string, pad = 0) =>
  storedEventSchema.parse({
    id,
    trader_id: "0x00000000000000000000000000000000000000a1",
    trader_address: "0x00000000000000000000000000000000000000a1",
    timestamp: "2026-12-06T12:00:00.000Z",
    event_type: "OPEN_POSITION",
    details: { coin: "BTC", pad: "x".repeat(pad) },
  });

describe("connection shards", () => {
  it("are stable and spread 10,000 connections evenly: a few hundred each at the default count", () => {
    const ids = Array.from({ length: 10_000 }, () => randomUUID());
    expect(ids.map((id) => shardOf(id, DEFAULT_FEED_SHARDS))).toEqual(ids.map((id) => shardOf(id, DEFAULT_FEED_SHARDS)));
    const sizes = new Array<number>(DEFAULT_FEED_SHARDS).fill(0);
    for (const id of ids) sizes[shardOf(id, DEFAULT_FEED_SHARDS)]!++;
    expect(Math.min(...sizes)).toBeGreaterThan(200);
    expect(Math.max(...sizes)).toBeLessThan(450);
    expect(() => shardOf("x", 0)).toThrow(RangeError);
  });
});

describe("fan-out messages", () => {
  it("deduplicate by shard and event, however the stream batches them", () => {
    const e = event("e-1");
    expect(eventMessage(3, e)).toEqual(eventMessage(3, event("e-1")));
    expect(eventMessage(3, e).deduplicationId).not.toBe(eventMessage(4, e).deduplicationId);
    expect(eventMessage(3, e).groupId).toBe("shard-3");
    expect(parseFanOutMessage(eventMessage(3, e).body)).toEqual({ shard: 3, event: e });
  });

  it("a retry names its clients and attempt, and is a message of its own per attempt", () => {
    const e = event("e-1");
    const first = retryMessage(3, e, 1, ["b", "a"]);
    expect(first.groupId).toBe("shard-3");
    expect(first.deduplicationId).toBe(retryMessage(3, e, 1, ["a", "b"]).deduplicationId);
    expect(first.deduplicationId).not.toBe(retryMessage(3, e, 2, ["a", "b"]).deduplicationId);
    expect(first.deduplicationId).not.toBe(eventMessage(3, e).deduplicationId);
    expect(parseFanOutMessage(first.body)).toEqual({ shard: 3, event: e, retry: { attempt: 1, connection_ids: ["b", "a"] } });
  });

  it("refuses what is not one (validated at the queue's boundary)", () => {
    expect(() => parseFanOutMessage("{")).toThrow(/not JSON/);
    expect(() => parseFanOutMessage(JSON.stringify({ shard: -1, event: event("e") }))).toThrow(/Not a fan-out message/);
    expect(() => parseFanOutMessage(JSON.stringify({ shard: 1, event: { id: "e" } }))).toThrow(/Not a fan-out message/);
  });
});

describe("SendMessageBatch requests", () => {
  it("hold at most 10 messages and 256 KiB, in order", () => {
    const small = Array.from({ length: 23 }, (_, i) => eventMessage(0, event(`s-${i}`)));
    expect(batchesOf(small).map((b) => b.length)).toEqual([10, 10, 3]);
    // ~100 KB events: two fit in one request, not three.
    const large = Array.from({ length: 5 }, (_, i) => eventMessage(0, event(`l-${i}`, 100_000)));
    const batches = batchesOf(large);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches) expect(b.reduce((n, m) => n + Buffer.byteLength(m.body), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(batches.flat()).toEqual(large);
  });
});
