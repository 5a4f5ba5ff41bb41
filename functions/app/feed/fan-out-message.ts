import { createHash } from "node:crypto";
import { z } from "zod";
import { ValidationError } from "#commons/errors.js";
import { EVENT_TYPES } from "#domain/feed/filters.js";
import type { FeedEvent } from "#domain/feed/messages.js";
import type { OrderedMessage } from "#domain/feed/ports.js";

/**
 * What the broadcaster hands the fan-out workers through the FIFO queue (#commons/queues.js
 * FANOUT_QUEUE): one event for one connection shard, or, on a retry, for the named connections of
 * that shard only. One event a message, so that a message's deduplication id (shard and event id)
 * is the same however the stream batches the events: a retried stream batch, split or joined
 * differently, queues nothing twice within SQS's 5-minute window.
 */

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

export const fanOutMessageSchema = z.object({
  shard: z.number().int().nonnegative(),
  event: storedEventSchema,
  /** A retry: only these connections (their post failed), the `attempt`-th retry. */
  retry: z.object({ attempt: z.number().int().min(1), connection_ids: z.array(z.string().min(1)).min(1) }).optional(),
});

export type FanOutMessage = z.output<typeof fanOutMessageSchema>;

/** One message group per shard: a shard's events reach its clients in commit order. */
const groupOf = (shard: number): string => `shard-${shard}`;

const digest = (...parts: readonly (string | number)[]): string => createHash("sha256").update(parts.join("\n")).digest("hex");

/** The message that fans `event` out to one shard's connections. */
export const eventMessage = (shard: number, event: FeedEvent): OrderedMessage => ({
  groupId: groupOf(shard),
  deduplicationId: digest("event", shard, event.id),
  body: JSON.stringify({ shard, event }),
});

/** The message that tries `event` again for the named connections of its shard. */
export const retryMessage = (shard: number, event: FeedEvent, attempt: number, connectionIds: readonly string[]): OrderedMessage => ({
  groupId: groupOf(shard),
  deduplicationId: digest("retry", shard, event.id, attempt, ...[...connectionIds].sort()),
  body: JSON.stringify({ shard, event, retry: { attempt, connection_ids: connectionIds } }),
});

export const parseFanOutMessage = (body: string): FanOutMessage => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ValidationError("A fan-out message is not JSON");
  }
  const parsed = fanOutMessageSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError(`Not a fan-out message: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
};
