import { randomUUID } from "node:crypto";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { z } from "zod";
import { ValidationError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import type { FeedCounts } from "#commons/metrics.js";
import { fanOut } from "#domain/feed/fan-out.js";
import { EVENT_TYPES, matchesFilters } from "#domain/feed/filters.js";
import { serverMessages, type FeedEvent } from "#domain/feed/messages.js";
import { ConnectionGoneError, MessageTooLargeError, type ConnectionStore, type FeedConnection, type FeedSender } from "#domain/feed/ports.js";
import { newImageOf } from "./stream-records.js";
import { claimOf, createWelcomeFirst } from "./welcome-first.js";

/**
 * The live feed: every event the tracker stores (events table stream, INSERT only) goes to every
 * connected client whose filters match. A record fails (and Lambda retries it) only when it cannot
 * be delivered at all, e.g. the connections cannot be listed; one client's failure is logged, not
 * retried, because a retry would send the event again to everyone who already has it. Clients can
 * still drop duplicates by the event's stable `id`.
 */
export interface BroadcasterDeps {
  connections: ConnectionStore;
  sender: FeedSender;
  logger: AppLogger;
  now: () => number;
  concurrency?: number;
  /** Publishes the invocation's FeedMessagesTooLarge when > 0 (#commons/metrics.js feedMetricsPublisher). */
  publishMetrics?: (counts: FeedCounts) => void;
}

/** The stored event (see #store/dynamo/traders.js `eventItem`) reduced to its public fields. */
export const storedEventSchema = z
  .object({
    id: z.string().min(1),
    trader_id: z.string().min(1),
    trader_address: z.string().min(1),
    timestamp: z.string().min(1),
    event_type: z.enum(EVENT_TYPES),
    details: z.looseObject({ coin: z.string().min(1) }),
  })
  .transform((e): FeedEvent => ({
    id: e.id,
    trader_id: e.trader_id,
    trader_address: e.trader_address as FeedEvent["trader_address"],
    timestamp: e.timestamp,
    event_type: e.event_type,
    details: e.details,
  }));

export const createBroadcaster = (deps: BroadcasterDeps) => {
  const welcomeFirst = createWelcomeFirst(deps);
  const publish = (counts: FeedCounts): void => {
    try {
      deps.publishMetrics?.(counts);
    } catch (error) {
      deps.logger.warn("Could not publish feed metrics", { error });
    }
  };

  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    // Clients that connected a moment ago may not have their welcome yet; it goes out before the
    // event (./welcome-first.ts). Everyone else is posted to directly.
    const notYetWelcomed = new Set<string>();
    // One scan per invocation, shared by its records; a failed scan fails each record (retried).
    let listing: Promise<FeedConnection[]> | undefined;
    const connections = () =>
      (listing ??= deps.connections.list().then((all) => {
        for (const c of all) if (c.welcomed === false) notYetWelcomed.add(c.connectionId);
        return all;
      }));
    const sender: FeedSender = {
      send: async (connectionId, message) => {
        if (notYetWelcomed.has(connectionId)) {
          const claim = claimOf(`broadcaster:${randomUUID()}`, deps.now(), context);
          if ((await welcomeFirst.ensure(connectionId, claim)) === "gone") throw new ConnectionGoneError(connectionId);
          notYetWelcomed.delete(connectionId);
        }
        await deps.sender.send(connectionId, message);
      },
    };

    const processRecord = async (record: DynamoDBRecord): Promise<void> => {
      const parsed = storedEventSchema.safeParse(newImageOf(record));
      if (!parsed.success) {
        throw new ValidationError(`Stream record is not a position event: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      }
      const feedEvent = parsed.data;
      const targets = (await connections()).filter((c) => matchesFilters(c.filters, feedEvent));
      const result = await fanOut(targets, serverMessages.tradeEvent(feedEvent, deps.now()), {
        sender,
        onGone: (id) => deps.connections.remove(id),
        ...(deps.concurrency !== undefined && { concurrency: deps.concurrency }),
      });
      const tooLarge = result.failed.find((f) => f.error instanceof MessageTooLargeError);
      if (tooLarge !== undefined) {
        // Not retried: it would be as large again. Counted and alarmed instead of lost in the logs.
        oversize++;
        const { bytes } = tooLarge.error as MessageTooLargeError;
        deps.logger.error("An event is over the feed's message limit: no client got it", { eventId: feedEvent.id, bytes, clients: targets.length });
      }
      for (const { connectionId, error } of result.failed) {
        if (error instanceof MessageTooLargeError) continue;
        deps.logger.warn("Could not send an event to a client", { connectionId, eventId: feedEvent.id, error });
      }
      deps.logger.debug("Event broadcast", { eventId: feedEvent.id, sent: result.sent, gone: result.gone.length, failed: result.failed.length });
    };

    let oversize = 0;
    try {
      // In order: a trader's events must reach clients in the order they happened.
      return await processPartialResponse(event, processRecord, new BatchProcessor(EventType.DynamoDBStreams), {
        ...(context !== undefined && { context }),
        processInParallel: false,
      });
    } finally {
      if (oversize > 0) publish({ FeedMessagesTooLarge: oversize });
    }
  };
};
