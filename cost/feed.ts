import { dec, type Decimal } from "#commons/decimal.js";
import { FANOUT_QUEUE } from "#commons/queues.js";
import type { CostInput } from "./inputs.js";
import { ceil, gbSeconds, HOURS_PER_MONTH, powRounded, readUnits, type LambdaUse } from "./units.js";

/**
 * The live feed's month: the broadcaster (events table stream → the FIFO fan-out queue, one
 * message per event and occupied connection shard), the fan-out workers (one shard's messages →
 * its clients), the single-client retries, and the connections' own writes (the connection item,
 * its welcome, the connection caps' slots in the state table). #app/feed/broadcaster.js,
 * #app/feed/fan-out-worker.js, functions/store/dynamo/connections.ts and connection-slots.ts.
 */

/** A connection item as the shard listing reads it (id, connected_at, filters, welcomed_at). */
const CONNECTION_ITEM_BYTES = 200;
/**
 * Writes per connection: $connect takes a slot in its address's item and in a share of the total
 * (2 conditional UpdateItems on the state table, one unit each below ~35 slots an item) and puts
 * the connection item; the welcome claims and marks it (2); $disconnect gives both slots back (2)
 * and deletes the item (1).
 */
const WRITES_PER_CONNECTION = 8;

export interface FeedWorkload {
  /** Shards expected to hold a connection (a connection's shard is a hash of its id). */
  occupiedShards: Decimal;
  broadcaster: LambdaUse;
  fanOutWorker: LambdaUse;
  /** FIFO requests: the broadcaster's and the retries' SendMessageBatch, the pollers' receive and delete. */
  fifoSends: Decimal;
  fifoReceivesAndDeletes: Decimal;
  /** The broadcaster's key-only Query of every shard per stream batch; each worker invocation's shard listing. */
  shardQueryReads: Decimal;
  shardListingReads: Decimal;
  connectionWrites: Decimal;
  connections: Decimal;
  retries: Decimal;
}

/**
 * `batches`: broadcaster invocations (stream batches that hold events); `events`: events a month.
 * Memory: the broadcaster's and the fan-out worker's.
 */
export const feedWorkload = (
  i: CostInput,
  batches: Decimal,
  events: Decimal,
  memoryMb: { broadcaster: number; fanOutWorker: number },
): FeedWorkload => {
  const shards = i.feedShards;
  const clients = dec(i.wsClients);
  const occupied = i.wsClients === 0 ? dec(0) : dec(shards).times(dec(1).minus(powRounded(dec(1).minus(dec(1).div(shards)), i.wsClients)));
  const eventsPerBatch = batches.eq(0) ? dec(0) : events.div(batches);
  // A shard's share of a stream batch is queued in SendMessageBatch requests of 10 (each far under
  // the 64 KB a request is billed per), and received by its worker in batches of 10 too.
  const requestsPerShard = ceil(eventsPerBatch.div(FANOUT_QUEUE.batchSize));
  const workerInvocations = batches.times(occupied).times(requestsPerShard);
  const clientsPerShard = occupied.eq(0) ? dec(0) : clients.div(occupied);

  // A failed post (throttled, a 5xx) goes back on the queue for that client alone: a send, a
  // receive and delete, an invocation of its own.
  const retries = events.times(clients).times(i.feedRetryShare);

  const broadcasterMs = dec(i.broadcasterBaseMs);
  const messagesPerInvocation = eventsPerBatch.gt(FANOUT_QUEUE.batchSize) ? dec(FANOUT_QUEUE.batchSize) : eventsPerBatch;
  const workerMs = dec(i.fanOutBaseMs).plus(messagesPerInvocation.times(clientsPerShard).times(i.postCpuMs));
  const retryMs = dec(i.fanOutBaseMs).plus(i.postCpuMs);

  const connections = clients.times(HOURS_PER_MONTH).div(i.wsConnectionHours);
  return {
    occupiedShards: occupied,
    broadcaster: { invocations: batches, gbSeconds: gbSeconds(batches, broadcasterMs, memoryMb.broadcaster) },
    fanOutWorker: {
      invocations: workerInvocations.plus(retries),
      gbSeconds: gbSeconds(workerInvocations, workerMs, memoryMb.fanOutWorker).plus(gbSeconds(retries, retryMs, memoryMb.fanOutWorker)),
    },
    fifoSends: batches.times(occupied).times(requestsPerShard).plus(retries),
    fifoReceivesAndDeletes: workerInvocations.plus(retries).times(2),
    // A Query bills at least half a unit (eventually consistent), empty or not.
    shardQueryReads: batches.times(shards).times(readUnits(dec(CONNECTION_ITEM_BYTES), false)),
    shardListingReads: workerInvocations.times(readUnits(clientsPerShard.times(CONNECTION_ITEM_BYTES), false)),
    connectionWrites: connections.times(WRITES_PER_CONNECTION),
    connections,
    retries,
  };
};
