import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import type { FeedCounts } from "#commons/metrics.js";
import type { FeedEvent } from "#domain/feed/messages.js";
import type { ConnectionStore, OrderedQueue } from "#domain/feed/ports.js";
import { MAX_BATCH_BYTES } from "#store/sqs-fifo-queue.js";
import { eventMessage } from "./fan-out-message.js";
import { publishFeedCounts } from "./feed-counts.js";
import { batchItemFailures, readStreamEvents } from "./stream-records.js";

/**
 * The live feed's first half: every event the tracker stores (events table stream, INSERT only)
 * goes, in commit order, to each connection shard's message group on the fan-out queue; the
 * fan-out workers (./fan-out-worker.js) post it to that shard's clients. This function posts
 * nothing, so its retry re-sends nothing: a record fails only when it is malformed or could not be
 * queued for some shard, and the retry queues it again for every shard, where SQS drops what it
 * already had (same deduplication id within 5 minutes). Only shards that hold a connection get
 * the event: a shard nobody is in would cost a message, a receive and an invocation for nothing
 * (with 10 clients, most of the 32 shards are empty).
 */
export interface BroadcasterDeps {
  queue: OrderedQueue;
  /** FEED_SHARDS: every occupied shard gets every event (its worker filters by what each client wants). */
  shards: number;
  /** Which shards hold a connection, read once per stream batch. */
  connections: Pick<ConnectionStore, "occupiedShards">;
  logger: AppLogger;
  /** Publishes the invocation's FeedMessagesTooLarge when > 0 (#commons/metrics.js feedMetricsPublisher). */
  publishMetrics?: (counts: FeedCounts) => void;
}

export const createBroadcaster =
  (deps: BroadcasterDeps) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { events, failed } = readStreamEvents(event.Records, deps.logger);
    const queued: { record: DynamoDBRecord; event: FeedEvent }[] = [];
    let oversize = 0;
    for (const q of events) {
      // Over SQS's message size it is over the feed's 128 KB too: no client could get it, and a
      // retry would not help. Counted and alarmed, as a post API Gateway refuses would be.
      const bytes = Buffer.byteLength(eventMessage(deps.shards, q.event).body);
      if (bytes > MAX_BATCH_BYTES) {
        oversize++;
        deps.logger.error("An event is over the feed's message limit: no client got it", { eventId: q.event.id, bytes });
        continue;
      }
      queued.push(q);
    }

    // Which shards to queue for; if that cannot be read, every record is retried.
    let occupied: number[];
    try {
      occupied = queued.length === 0 ? [] : [...(await deps.connections.occupiedShards(deps.shards))].sort((a, b) => a - b);
    } catch (error) {
      deps.logger.warn("Could not read which shards hold connections; the records are retried", { error });
      failed.push(...queued.map((q) => q.record));
      return batchItemFailures(failed);
    }
    // Shards in parallel, each shard's events in order. Where a shard stopped, that event and
    // every later one fail (their retry must not overtake it in any shard).
    const results = await Promise.all(occupied.map((shard) => deps.queue.sendInOrder(queued.map((q) => eventMessage(shard, q.event)))));
    let firstUnsent = queued.length;
    for (const [i, result] of results.entries()) {
      const shard = occupied[i];
      if (result.sent >= queued.length) continue;
      firstUnsent = Math.min(firstUnsent, result.sent);
      deps.logger.warn("Could not queue events for a shard; the records are retried", { shard, eventId: queued[result.sent]?.event.id, error: result.error });
    }
    failed.push(...queued.slice(firstUnsent).map((q) => q.record));
    publishFeedCounts(deps.publishMetrics, deps.logger, { FeedMessagesTooLarge: oversize, FeedDeliveriesDropped: 0 });
    deps.logger.debug("Events queued for fan-out", { events: firstUnsent, shards: occupied.length, failed: failed.length });
    return batchItemFailures(failed);
  };

