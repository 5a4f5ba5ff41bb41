import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { z } from "zod";
import { isDecimalString } from "#commons/decimal.js";
import type { AppLogger } from "#commons/logger.js";
import type { Address } from "#domain/address.js";
import { copyQueueMessage, type CopyMessage } from "#domain/copy/messages.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import type { FeedEvent } from "#domain/feed/messages.js";
import type { OrderedMessage, OrderedQueue } from "#domain/feed/ports.js";
import { batchItemFailures, newImageOf, readStreamEvents } from "#app/feed/stream-records.js";

/**
 * Copy dispatch: the events table's stream (INSERTs), the broadcaster's sibling. Each event
 * becomes one copy-queue message per follower of its trader (leader-index), grouped by follower
 * and deduplicated by (follower, event), so a stream batch retried within 5 minutes queues
 * nothing twice, and a follower's runs happen one at a time, in commit order. It sends no order
 * itself: a record fails only when it is malformed, its followers cannot be read, or it could not
 * be queued; then it and every later record of the batch fail (their retry must not overtake it).
 */
export interface CopyDispatchDeps {
  followers: Pick<FollowerStore, "followersOf">;
  queue: OrderedQueue;
  logger: AppLogger;
}

export const createCopyDispatch =
  (deps: CopyDispatchDeps) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { events, failed } = readStreamEvents(event.Records, deps.logger);
    const followersOf = new Map<Address, string[]>();
    const messages: OrderedMessage[] = [];
    /** The record each message comes from, by message index. */
    const recordOf: DynamoDBRecord[] = [];
    for (const [i, { record, event: e }] of events.entries()) {
      let followers = followersOf.get(e.trader_address);
      if (followers === undefined) {
        try {
          followers = await deps.followers.followersOf(e.trader_address);
        } catch (error) {
          deps.logger.warn("Could not read an event's followers; it and the later records are retried", { eventId: e.id, error });
          return sendAndFail(deps, messages, recordOf, [...failed, ...events.slice(i).map((q) => q.record)]);
        }
        followersOf.set(e.trader_address, followers);
      }
      const signalAt = Date.parse(e.timestamp);
      const version = versionOf(record);
      const opened = openedBy(record, e, version);
      for (const followerId of followers) {
        messages.push(
          copyQueueMessage({
            v: 1,
            follower_id: followerId,
            event_id: e.id,
            leader: e.trader_address,
            coin: e.details.coin,
            signal_at: Number.isFinite(signalAt) ? signalAt : 0,
            ...(opened !== undefined && { opened }),
            ...(version !== undefined && { version }),
          }),
        );
        recordOf.push(record);
      }
    }
    const response = await sendAndFail(deps, messages, recordOf, failed);
    deps.logger.debug("Events queued for copying", { events: events.length, messages: messages.length, failed: response.batchItemFailures.length });
    return response;
  };

/** The event's state version, beyond the feed's fields. */
const versionSchema = z.object({ version: z.number().int().nonnegative() });

/** What an event that opened a position says of it besides: his size then. */
const openingSchema = z.object({ details: z.looseObject({ szi: z.string().refine(isDecimalString) }) });

/** The event's state version (none from an item without one). */
const versionOf = (record: DynamoDBRecord): number | undefined => {
  const parsed = versionSchema.safeParse(newImageOf(record));
  return parsed.success ? parsed.data.version : undefined;
};

/** The opening an OPEN or FLIP event (at `version`) carries into the copy message (none from an older item without it). */
const openedBy = (record: DynamoDBRecord, e: FeedEvent, version: number | undefined): CopyMessage["opened"] => {
  if ((e.event_type !== "OPEN_POSITION" && e.event_type !== "FLIP_POSITION") || version === undefined) return undefined;
  const parsed = openingSchema.safeParse(newImageOf(record));
  return parsed.success ? { szi: parsed.data.details.szi, version } : undefined;
};

/** Queues `messages` in order; where the queue stopped, that message's record and every later one fail. */
const sendAndFail = async (
  deps: CopyDispatchDeps,
  messages: readonly OrderedMessage[],
  recordOf: readonly DynamoDBRecord[],
  failed: DynamoDBRecord[],
): Promise<DynamoDBBatchResponse> => {
  const result = messages.length === 0 ? { sent: 0 } : await deps.queue.sendInOrder(messages);
  if (result.sent < messages.length) {
    deps.logger.warn("Could not queue copy messages; the records are retried", { error: (result as { error?: unknown }).error });
    const firstUnsent = recordOf[result.sent];
    const from = recordOf.indexOf(firstUnsent!);
    for (const record of new Set(recordOf.slice(from))) if (!failed.includes(record)) failed.push(record);
  }
  // The stream resumes from the earliest failed record, whatever order they are listed in.
  return batchItemFailures(failed);
};
