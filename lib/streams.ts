import { Duration, Validations } from "aws-cdk-lib";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { TableDef } from "#store/tables.js";
import type { FunctionDef } from "../functions/catalog.js";
import type { Data } from "./data.js";
import type { HouseFunction } from "./house-function.js";
import { pascal } from "./ingestion.js";

/**
 * How old a stream record may get (while Lambda is throttled or failing) before it is skipped to
 * the DLQ. Keyed by table so a new stream consumer fails synth until someone decides.
 * - events: a position change is live news; an hour late it is history, which the HTTP API serves.
 *   The copy dispatcher reads the same records: an hour-old event opens nothing for a follower
 *   (max_signal_age_seconds), and the periodic reconciliation trades any difference it left.
 * - connections: a welcome minutes after connecting is noise (the client has long got its first
 *   events); 10 minutes still rides out a short throttling without filling the DLQ.
 */
export const STREAM_MAX_RECORD_AGE: Partial<Record<TableDef["id"], Duration>> = {
  events: Duration.hours(1),
  connections: Duration.minutes(10),
};

/**
 * Lambda functions reading one table's stream. DynamoDB serves each stream shard to at most two
 * readers at once; a third gets throttled, and every reader's IteratorAge grows with it (AWS: "no
 * more than two processes at most should be reading from the same streams shard at the same
 * time"). The events stream has exactly two: the broadcaster (live feed) and the copy dispatcher.
 * A third must fan out from one of them (or through Kinesis), not add a mapping.
 */
export const MAX_STREAM_READERS = 2;

/** Fails synth when a table's stream would get more readers than DynamoDB serves. */
export const checkStreamReaders = (defs: readonly FunctionDef[]): void => {
  const readers = new Map<TableDef["id"], string[]>();
  for (const def of defs) {
    if (def.trigger.kind !== "dynamodb-stream") continue;
    const id = def.trigger.table.id;
    readers.set(id, [...(readers.get(id) ?? []), def.name]);
  }
  for (const [table, names] of readers) {
    if (names.length > MAX_STREAM_READERS) {
      throw new Error(
        `The ${table} table's stream has ${names.length} readers (${names.join(", ")}); DynamoDB serves at most ` +
          `${MAX_STREAM_READERS} per shard without throttling them all: fan out from an existing reader instead (lib/streams.ts)`,
      );
    }
  }
};

/**
 * A catalog `dynamodb-stream` trigger as an event source mapping: only the filtered records
 * (INSERT), partial batch failures, bisecting, bounded retries and record age, then an SQS DLQ
 * that holds the failed batch's coordinates. Returns that DLQ (created in `scope`).
 */
export const attachStreamMapping = (
  scope: Construct,
  house: HouseFunction,
  trigger: Extract<FunctionDef["trigger"], { kind: "dynamodb-stream" }>,
  data: Data,
): Queue => {
  const { def, fn } = house;
  const maxRecordAge = STREAM_MAX_RECORD_AGE[trigger.table.id];
  if (maxRecordAge === undefined) {
    throw new Error(`${def.name} reads the ${trigger.table.id} stream: choose its maximum record age in STREAM_MAX_RECORD_AGE`);
  }
  // Holds only the failed batch's coordinates (shard, sequence numbers), not the records.
  const deadLetterQueue = new Queue(scope, `${pascal(def.name)}StreamDeadLetterQueue`, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14), // the longest SQS allows: time to look before it is gone
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: "AwsSolutions-SQS3",
    reason: "This queue is itself a dead-letter queue: the stream mapping's on-failure destination.",
  });
  fn.addEventSource(
    new DynamoEventSource(data.table(trigger.table), {
      // The feed is live: a new mapping starts at now, not at 24 h of history.
      startingPosition: StartingPosition.LATEST,
      filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual(trigger.filter) })],
      batchSize: trigger.batchSize,
      reportBatchItemFailures: true, // the handlers use processPartialResponse
      bisectBatchOnError: true, // a batch that fails as a whole is split until the bad record is alone
      retryAttempts: trigger.maxRetryAttempts,
      maxRecordAge,
      onFailure: new SqsDlq(deadLetterQueue),
    }),
  );
  return deadLetterQueue;
};
