import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
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
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, new SqsFifoPartialProcessorAsync(), {
      ...(context !== undefined && { context }),
      skipGroupOnError: true,
    });
};
