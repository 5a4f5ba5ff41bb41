import { createHash } from "node:crypto";

/**
 * A live-feed connection's fan-out shard: stable for its life (a hash of API Gateway's connection
 * id, which is random, so shards fill evenly), stored on its item at $connect. Each shard is
 * fanned out by a message of its own (#app/feed/broadcaster.js), so what a failure retries is one
 * shard, never every client.
 */
/** At 10,000 connections a shard is ~300 of them: one message's posts take well under a second. */
export const DEFAULT_FEED_SHARDS = 32;

export const shardOf = (connectionId: string, shards: number): number => {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  return createHash("sha256").update(connectionId, "utf8").digest().readUInt32BE(0) % shards;
};
