import { createHash } from "node:crypto";
import { z } from "zod";
import { isDecimalString } from "#commons/decimal.js";
import { isAddress, type Address } from "#domain/address.js";
import type { OrderedMessage } from "#domain/feed/ports.js";

/**
 * The copy queue's message: "reconcile this follower now", with what caused it. Sent by the copy
 * dispatcher (a leader event), the periodic reconcile (`reconcile:<ms>`) and the API (`api:<what>:<ms>`:
 * a new follower, a resume, a pause or a stop: a closing one closes, any other reads the last
 * fills' fees). Validated at the worker like every other input.
 */
export const copyMessageSchema = z.object({
  v: z.literal(1),
  follower_id: z.string().min(1).max(100),
  /** The leader event id, or `reconcile:<ms>` / `api:<what>:<ms>`: part of every order's cloid. */
  event_id: z.string().min(1).max(200),
  /** The leader whose event it is (null for a reconciliation). */
  leader: z
    .string()
    .refine(isAddress, "expected 0x followed by 40 hexadecimal digits")
    .transform((a) => a.toLowerCase() as Address)
    .nullable(),
  coin: z.string().min(1).max(100).nullable(),
  /** When the signal happened (the event's timestamp), ms: signal→order and signal→fill are measured from it. */
  signal_at: z.number().int().nonnegative(),
  /**
   * A leader event that opened a position (OPEN, or a FLIP's new side): his signed size then and
   * his state version. fixed_notional sizes the copy from the size he opened at, which a run that
   * first sees the position later (behind a queue) no longer can.
   */
  opened: z.object({ szi: z.string().refine(isDecimalString, "expected a decimal string"), version: z.number().int().nonnegative() }).optional(),
  /**
   * A leader event's state version (his state after it): a run whose read of his positions is
   * older (an eventually consistent read just after the commit) reads them again, consistently.
   */
  version: z.number().int().nonnegative().optional(),
});

export type CopyMessage = z.infer<typeof copyMessageSchema>;

/**
 * One message group per follower (its runs never overlap and keep their order); the deduplication
 * id is (follower, event), so a stream batch retried within SQS's 5-minute window queues nothing twice.
 */
export const copyQueueMessage = (m: CopyMessage): OrderedMessage => ({
  body: JSON.stringify({
    v: 1,
    follower_id: m.follower_id,
    event_id: m.event_id,
    leader: m.leader,
    coin: m.coin,
    signal_at: m.signal_at,
    ...(m.opened !== undefined && { opened: m.opened }),
    ...(m.version !== undefined && { version: m.version }),
  }),
  groupId: m.follower_id,
  deduplicationId: createHash("sha256").update(JSON.stringify([m.follower_id, m.event_id])).digest("hex").slice(0, 64),
});
