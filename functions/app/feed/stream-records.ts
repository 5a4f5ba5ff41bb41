import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { ValidationError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import type { FeedEvent } from "#domain/feed/messages.js";
import { storedEventSchema } from "./fan-out-message.js";

/** The NEW_IMAGE of a stream record as a plain object (the stream's attribute values have the SDK's shape). */
export const newImageOf = (record: DynamoDBRecord): Record<string, unknown> => {
  const image = record.dynamodb?.NewImage;
  if (image === undefined) {
    throw new ValidationError(`Stream record ${record.dynamodb?.SequenceNumber ?? record.eventID ?? "?"} has no NewImage`);
  }
  return unmarshall(image as Record<string, AttributeValue>);
};

/**
 * The events of a stream batch (INSERTs of the events table), in commit order, each with its
 * record; a record that is not a position event is logged and returned in `failed` (its retry is
 * the stream's, then it is skipped). Shared by the stream's readers (the broadcaster, copy dispatch).
 */
export const readStreamEvents = (
  records: readonly DynamoDBRecord[],
  logger: AppLogger,
): { events: { record: DynamoDBRecord; event: FeedEvent }[]; failed: DynamoDBRecord[] } => {
  const events: { record: DynamoDBRecord; event: FeedEvent }[] = [];
  const failed: DynamoDBRecord[] = [];
  for (const record of records) {
    try {
      const parsed = storedEventSchema.safeParse(newImageOf(record));
      if (!parsed.success) throw new Error(`Stream record is not a position event: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      events.push({ record, event: parsed.data });
    } catch (error) {
      logger.error("Could not read a stream record", { error, sequenceNumber: record.dynamodb?.SequenceNumber });
      failed.push(record);
    }
  }
  return { events, failed };
};

/** ReportBatchItemFailures: the stream retries from the first of these. */
export const batchItemFailures = (failed: readonly DynamoDBRecord[]): DynamoDBBatchResponse => ({
  batchItemFailures: failed.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? "" })),
});
