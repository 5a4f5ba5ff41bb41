import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import type { CopyEngine } from "#domain/copy/engine.js";
import { copyMessageSchema, type CopyMessage } from "#domain/copy/messages.js";
import { parseMessageBody } from "#app/sqs-message.js";

/**
 * The copy worker: each message of the FIFO copy queue reconciles one follower (#domain/copy/engine.js).
 * A message that fails (bad JSON, the store or the exchange down) is redelivered by SQS, and the
 * later messages of its group (the same follower) fail with it, so one follower's runs never
 * overtake each other; other followers' messages in the batch go on. A redelivery is safe: the
 * run resolves what the failed one left pending and plans against the actual position.
 *
 * The followers of a batch run side by side, each one's messages in order: a leader event reaches
 * many followers at once, and run one after another the tenth would wait for nine runs before its
 * order left (signal→order is what copying is judged by).
 */
export interface CopyWorkerDeps {
  engine: CopyEngine;
  logger: AppLogger;
}

export const parseCopyMessage = (record: Pick<SQSRecord, "messageId" | "body">): CopyMessage =>
  parseMessageBody(record, copyMessageSchema, "a copy message");

export const createCopyWorker = (deps: CopyWorkerDeps) => {
  const processRecord = async (record: SQSRecord): Promise<void> => {
    const message = parseCopyMessage(record);
    const started = performance.now();
    try {
      const outcome = await deps.engine(message);
      deps.logger.debug("Copy message done", { followerId: message.follower_id, eventId: message.event_id, outcome, ms: Math.round(performance.now() - started) });
    } catch (error) {
      deps.logger.warn("Copy run failed; the message is retried", { followerId: message.follower_id, eventId: message.event_id, error });
      throw error;
    }
  };
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const groups = new Map<string, SQSRecord[]>();
    for (const record of event.Records) {
      // A FIFO message always has its group; without one (not FIFO) it is a group of its own.
      const group = record.attributes.MessageGroupId ?? record.messageId;
      groups.set(group, [...(groups.get(group) ?? []), record]);
    }
    const failed = new Set<string>();
    await Promise.all(
      [...groups.values()].map(async (records) => {
        for (const [i, record] of records.entries()) {
          try {
            await processRecord(record);
          } catch {
            // This one and the rest of its follower's come back, in order (skip the group on error).
            for (const later of records.slice(i)) failed.add(later.messageId);
            return;
          }
        }
      }),
    );
    return { batchItemFailures: event.Records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
  };
};
