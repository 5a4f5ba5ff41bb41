import { randomUUID } from "node:crypto";
import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import type { FeedCounts } from "#commons/metrics.js";
import { fanOut } from "#domain/feed/fan-out.js";
import { matchesFilters } from "#domain/feed/filters.js";
import { serverMessages, type FeedEvent } from "#domain/feed/messages.js";
import {
  ConnectionGoneError,
  MessageTooLargeError,
  type ConnectionStore,
  type FeedConnection,
  type FeedSender,
  type OrderedQueue,
} from "#domain/feed/ports.js";
import { parseFanOutMessage, retryMessage } from "./fan-out-message.js";
import { publishFeedCounts } from "./feed-counts.js";
import { claimOf, createWelcomeFirst } from "./welcome-first.js";

/**
 * The live feed's second half: each message of the fan-out queue (./broadcaster.js) posts one
 * event to the matching clients of one connection shard, a few hundred at most, listed by key.
 * A message fails (SQS redelivers it to the whole shard) only when the shard cannot be listed. A
 * client whose post fails otherwise is retried alone: a message naming only it goes back on the
 * queue, up to FANOUT_MAX_RETRIES times, then the delivery is given up (warned and counted,
 * FeedDeliveriesDropped). A client that has gone (410) is removed.
 */

/** Retries of one client's failing post before its delivery is given up. */
export const FANOUT_MAX_RETRIES = 3;

export interface FanOutWorkerDeps {
  connections: ConnectionStore;
  sender: FeedSender;
  /** The fan-out queue itself, for the retries. */
  retries: OrderedQueue;
  logger: AppLogger;
  now: () => number;
  concurrency?: number;
  maxRetries?: number;
  /** Publishes the invocation's FeedMessagesTooLarge and FeedDeliveriesDropped when either is > 0. */
  publishMetrics?: (counts: FeedCounts) => void;
}

export const createFanOutWorker = (deps: FanOutWorkerDeps) => {
  const welcomeFirst = createWelcomeFirst(deps);
  const maxRetries = deps.maxRetries ?? FANOUT_MAX_RETRIES;

  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    // Clients that connected a moment ago may not have their welcome yet; it goes out before the
    // event (./welcome-first.ts). Everyone else is posted to directly.
    const notYetWelcomed = new Set<string>();
    const gone = new Set<string>();
    // One listing per shard per invocation, shared by its messages; a failed one is not kept.
    const listings = new Map<number, Promise<FeedConnection[]>>();
    const shardConnections = (shard: number): Promise<FeedConnection[]> => {
      let listing = listings.get(shard);
      if (listing === undefined) {
        listing = deps.connections.listShard(shard).then((all) => {
          for (const c of all) if (c.welcomed === false) notYetWelcomed.add(c.connectionId);
          return all;
        });
        listing.catch(() => listings.delete(shard));
        listings.set(shard, listing);
      }
      return listing;
    };
    const sender: FeedSender = {
      send: async (connectionId, message) => {
        if (notYetWelcomed.has(connectionId)) {
          const claim = claimOf(`fan-out:${randomUUID()}`, deps.now(), context);
          if ((await welcomeFirst.ensure(connectionId, claim)) === "gone") throw new ConnectionGoneError(connectionId);
          notYetWelcomed.delete(connectionId);
        }
        await deps.sender.send(connectionId, message);
      },
    };
    let oversize = 0;
    let dropped = 0;

    /** Queues a retry for the clients whose post failed, or gives them up past the last retry. */
    const retryLater = async (shard: number, feedEvent: FeedEvent, attempt: number, connectionIds: string[]) => {
      if (attempt > maxRetries) {
        dropped += connectionIds.length;
        deps.logger.warn("Gave up delivering an event to clients whose posts kept failing", { eventId: feedEvent.id, shard, connectionIds, retries: maxRetries });
        return;
      }
      const { sent, error } = await deps.retries.sendInOrder([retryMessage(shard, feedEvent, attempt, connectionIds)]);
      if (sent === 1) return;
      // Failing the message instead would post the event again to the whole shard.
      dropped += connectionIds.length;
      deps.logger.error("Could not queue a retry; those clients miss the event", { eventId: feedEvent.id, shard, connectionIds, error });
    };

    const processRecord = async (record: SQSRecord): Promise<void> => {
      const { shard, event: feedEvent, retry } = parseFanOutMessage(record.body);
      const only = retry === undefined ? undefined : new Set(retry.connection_ids);
      const targets = (await shardConnections(shard)).filter(
        (c) => !gone.has(c.connectionId) && (only === undefined || only.has(c.connectionId)) && matchesFilters(c.filters, feedEvent),
      );
      const result = await fanOut(targets, serverMessages.tradeEvent(feedEvent, deps.now()), {
        sender,
        onGone: (id) => deps.connections.remove(id),
        ...(deps.concurrency !== undefined && { concurrency: deps.concurrency }),
      });
      for (const id of result.gone) gone.add(id);
      const tooLarge = result.failed.find((f) => f.error instanceof MessageTooLargeError);
      if (tooLarge !== undefined) {
        // Not retried: it would be as large again. Counted and alarmed instead of lost in the logs.
        oversize++;
        const { bytes } = tooLarge.error as MessageTooLargeError;
        deps.logger.error("An event is over the feed's message limit: no client got it", { eventId: feedEvent.id, bytes, clients: targets.length, shard });
      }
      const failing = result.failed.filter((f) => !(f.error instanceof MessageTooLargeError) && !gone.has(f.connectionId));
      for (const { connectionId, error } of failing) {
        deps.logger.warn("Could not send an event to a client; it is retried alone", { connectionId, eventId: feedEvent.id, error });
      }
      if (failing.length > 0) await retryLater(shard, feedEvent, (retry?.attempt ?? 0) + 1, failing.map((f) => f.connectionId));
      deps.logger.debug("Event fanned out", { eventId: feedEvent.id, shard, sent: result.sent, gone: result.gone.length, failed: failing.length });
    };

    try {
      // A shard's messages in order; a message that fails holds back only its own shard's next ones.
      return await processPartialResponse(event, processRecord, new SqsFifoPartialProcessorAsync(), {
        ...(context !== undefined && { context }),
        skipGroupOnError: true,
      });
    } finally {
      publishFeedCounts(deps.publishMetrics, deps.logger, { FeedMessagesTooLarge: oversize, FeedDeliveriesDropped: dropped });
    }
  };
};
