import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { z } from "zod";
import { ValidationError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import type { ConnectionStore, FeedSender } from "#domain/feed/ports.js";
import { newImageOf } from "./stream-records.js";
import { claimOf, createWelcomeFirst, OPENING_WINDOW_MS } from "./welcome-first.js";

/**
 * Greets each new client. Triggered by the connections table's stream (INSERT only): the item is
 * written by $connect, before API Gateway has opened the connection, so a post can still meet a
 * 410 for a moment; a young connection is retried briefly, an old one has really gone. A client
 * that sent a command or was sent an event first has been greeted already, by whoever sent that
 * (./welcome-first.ts): then there is nothing to do.
 */
export interface WelcomeDeps {
  connections: ConnectionStore;
  sender: FeedSender;
  logger: AppLogger;
  now: () => number;
  /** How long after connecting a 410 still means "not open yet" (default OPENING_WINDOW_MS). */
  openingWindowMs?: number;
  retryDelayMs?: number;
}

const connectionImageSchema = z.object({ connection_id: z.string().min(1), connected_at: z.number().optional() });

export const createWelcomeHandler = (deps: WelcomeDeps) => {
  const window = deps.openingWindowMs ?? OPENING_WINDOW_MS;
  const welcomeFirst = createWelcomeFirst(deps);

  const processRecord = async (record: DynamoDBRecord, context?: Context): Promise<void> => {
    const parsed = connectionImageSchema.safeParse(newImageOf(record));
    if (!parsed.success) throw new ValidationError(`Not a connection item: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    const { connection_id: connectionId, connected_at: connectedAt = deps.now() } = parsed.data;
    // The same claimant when the record is retried, so a retry can take up its own claim again.
    const claim = claimOf(`ws-welcome:${record.eventID ?? record.dynamodb?.SequenceNumber ?? connectionId}`, deps.now(), context);
    const result = await welcomeFirst.claimAndSend(connectionId, claim, { openingUntil: connectedAt + window });
    if (result === "gone") deps.logger.debug("Connection closed before its welcome", { connectionId });
    else if (result !== "sent") deps.logger.debug("Welcome sent by another function", { connectionId, state: result });
  };

  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> =>
    // Powertools hands the context to processRecord: a claim lasts as long as this invocation.
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.DynamoDBStreams), {
      ...(context !== undefined && { context }),
    });
};
