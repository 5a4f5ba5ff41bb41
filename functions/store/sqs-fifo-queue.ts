import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import type { OrderedMessage, OrderedQueue } from "#domain/feed/ports.js";

/** SendMessageBatch takes at most 10 entries and 256 KiB in all; a margin for the request's own fields. */
const MAX_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024 - 4 * 1024;

const entryBytes = (m: OrderedMessage): number =>
  Buffer.byteLength(m.body, "utf8") + Buffer.byteLength(m.groupId) + Buffer.byteLength(m.deduplicationId);

/** Splits messages into SendMessageBatch requests (≤ 10 entries, ≤ MAX_BATCH_BYTES), keeping their order. */
export const batchesOf = (messages: readonly OrderedMessage[]): OrderedMessage[][] => {
  const batches: OrderedMessage[][] = [];
  let current: OrderedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = entryBytes(m);
    if (current.length > 0 && (current.length === MAX_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

/**
 * The SQS FIFO adapter of OrderedQueue. A refused entry is not retried here: what follows it in
 * its group would overtake it. The caller fails the records from there on, and their retry sends
 * them again; what SQS had accepted is then dropped by its deduplication id.
 */
export const createSqsFifoQueue = (sqs: SQSClient, queueUrl: string): OrderedQueue => ({
  async sendInOrder(messages) {
    let sent = 0;
    for (const batch of batchesOf(messages)) {
      const entries: SendMessageBatchRequestEntry[] = batch.map((m, i) => ({
        Id: String(i),
        MessageBody: m.body,
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.deduplicationId,
      }));
      try {
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        const refused = (out.Failed ?? []).map((f) => Number(f.Id)).filter(Number.isInteger);
        if (refused.length > 0) {
          const first = Math.min(...refused);
          const failure = out.Failed?.find((f) => Number(f.Id) === first);
          return { sent: sent + first, error: new Error(`SQS refused a fan-out message: ${failure?.Code ?? "?"} ${failure?.Message ?? ""}`) };
        }
      } catch (error) {
        return { sent, error };
      }
      sent += batch.length;
    }
    return { sent };
  },
});
