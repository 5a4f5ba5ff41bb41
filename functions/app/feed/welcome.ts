import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { z } from "zod";
import { ValidationError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import { serverMessages } from "#domain/feed/messages.js";
import { ConnectionGoneError, type FeedSender } from "#domain/feed/ports.js";
import { newImageOf } from "./stream-records.js";

/**
 * Greets each new client. Triggered by the connections table's stream (INSERT only): the item is
 * written by $connect, before API Gateway has opened the connection, so a post can still meet a
 * 410 for a moment; a young connection is retried briefly, an old one has really gone.
 */
export interface WelcomeDeps {
  sender: FeedSender;
  logger: AppLogger;
  now: () => number;
  /** How long after connecting a 410 still means "not open yet" (default 5 s). */
  openingWindowMs?: number;
  retryDelayMs?: number;
}

const connectionImageSchema = z.object({ connection_id: z.string().min(1), connected_at: z.number().optional() });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const createWelcomeHandler = (deps: WelcomeDeps) => {
  const window = deps.openingWindowMs ?? 5_000;
  const delay = deps.retryDelayMs ?? 150;

  const processRecord = async (record: DynamoDBRecord): Promise<void> => {
    const parsed = connectionImageSchema.safeParse(newImageOf(record));
    if (!parsed.success) throw new ValidationError(`Not a connection item: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    const { connection_id: connectionId, connected_at: connectedAt = deps.now() } = parsed.data;
    for (;;) {
      try {
        await deps.sender.send(connectionId, serverMessages.connection(deps.now()));
        return;
      } catch (error) {
        if (!(error instanceof ConnectionGoneError)) throw error;
        if (deps.now() - connectedAt > window) {
          deps.logger.debug("Connection closed before its welcome", { connectionId });
          return;
        }
        await sleep(delay);
      }
    }
  };

  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.DynamoDBStreams), {
      ...(context !== undefined && { context }),
    });
};
