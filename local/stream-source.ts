import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
  type AttributeValue as StreamAttributeValue,
  type DynamoDBStreamsClient,
  type Shard,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { LocalStartupError } from "./errors.js";
import { createLambdaContext, invokeWithTimeout, type InvocationResult } from "./lambda-context.js";

/**
 * What Lambda's DynamoDB stream event source mapping does, for a local handler, against DynamoDB
 * Local: read every open shard from LATEST (records written before start are not delivered, as
 * with a new mapping), keep only records matching the filter criteria, hand them over in batches
 * as a real DynamoDBStreamEvent, and honour `batchItemFailures` (ReportBatchItemFailures): retry
 * from the lowest failed sequence number, at most `maxRetryAttempts` times, then skip the rest of
 * the batch with an error log (the cloud's on-failure destination). Shards that close are followed
 * by their children, read from TRIM_HORIZON.
 */

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | void> | DynamoDBBatchResponse | void;

export interface StreamSourceOptions {
  functionName: string;
  handler: StreamHandler;
  dynamo: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  /** Filter criteria on `eventName`; other records are dropped before the handler sees them. */
  eventNames: readonly ("INSERT" | "MODIFY" | "REMOVE")[];
  batchSize: number;
  maxRetryAttempts: number;
  timeoutSeconds: number;
  memoryMb?: number;
  region?: string;
  /** Pause between polls of a shard that had nothing new (Lambda polls about 4 times a second). */
  pollIntervalMs?: number;
  /** Pause before retrying a failed batch. */
  retryDelayMs?: number;
  logger?: AppLogger;
}

/** Pause between polls of an idle shard unless told otherwise (Lambda polls about 4 times a second). */
export const DEFAULT_STREAM_POLL_MS = 150;

export interface StreamSource {
  streamArn: string;
  /** Stops polling and resolves once the invocation in flight has finished. */
  stop(): Promise<void>;
}

/** Lambda's event carries binary values base64-encoded and the creation time in epoch seconds. */
const toLambdaValue = (v: StreamAttributeValue): AttributeValue => {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString("base64") };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) };
  return v as AttributeValue;
};
const toLambdaImage = (image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));

export const toStreamEvent = (records: readonly _Record[], streamArn: string, region: string): DynamoDBStreamEvent => ({
  Records: records.map((r): DynamoDBRecord => {
    const d = r.dynamodb ?? {};
    return {
      eventID: r.eventID ?? "",
      eventName: r.eventName as DynamoDBRecord["eventName"],
      eventVersion: r.eventVersion ?? "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: region,
      eventSourceARN: streamArn,
      dynamodb: {
        ...(d.ApproximateCreationDateTime !== undefined && {
          ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000),
        }),
        ...(d.Keys !== undefined && { Keys: toLambdaImage(d.Keys) }),
        ...(d.NewImage !== undefined && { NewImage: toLambdaImage(d.NewImage) }),
        ...(d.OldImage !== undefined && { OldImage: toLambdaImage(d.OldImage) }),
        ...(d.SequenceNumber !== undefined && { SequenceNumber: d.SequenceNumber }),
        ...(d.SizeBytes !== undefined && { SizeBytes: d.SizeBytes }),
        ...(d.StreamViewType !== undefined && { StreamViewType: d.StreamViewType }),
      },
    };
  }),
});

/**
 * Index of the first record to retry after an invocation, by Lambda's rules for
 * ReportBatchItemFailures, or -1 when the batch succeeded. A failed or timed-out invocation, or an
 * identifier that names no record of the batch, fails the whole batch.
 */
export const retryFrom = (event: DynamoDBStreamEvent, outcome: InvocationResult): number => {
  if (outcome.status !== "succeeded") return 0;
  const failures = (outcome.value as Partial<DynamoDBBatchResponse> | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return -1;
  if (!Array.isArray(failures)) return 0;
  const sequence = event.Records.map((r) => r.dynamodb?.SequenceNumber);
  let lowest = -1;
  for (const f of failures as unknown[]) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === "string" ? sequence.indexOf(id) : -1;
    if (index < 0) return 0;
    lowest = lowest < 0 ? index : Math.min(lowest, index);
  }
  return lowest;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

const listShards = async (client: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> => {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start && { ExclusiveStartShardId: start }) }));
    shards.push(...(out.StreamDescription?.Shards ?? []));
    start = out.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
};

interface ShardCursor {
  shardId: string;
  iterator: string | undefined;
  /** Last sequence number handed over (or skipped), to resume after an expired iterator. */
  lastSequence?: string;
}

export const startStreamSource = async (o: StreamSourceOptions): Promise<StreamSource> => {
  const log = o.logger ?? defaultLogger;
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const pollMs = o.pollIntervalMs ?? DEFAULT_STREAM_POLL_MS;
  const stopping = new AbortController();
  const meta = { function: o.functionName, table: o.tableName };

  const { Table } = await o.dynamo.send(new DescribeTableCommand({ TableName: o.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new LocalStartupError(`Table ${o.tableName} has no stream, but function ${o.functionName} reads it.`);

  const iteratorFor = async (shardId: string, type: ShardIteratorType, sequence?: string) =>
    (
      await o.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequence !== undefined && { SequenceNumber: sequence }),
        }),
      )
    ).ShardIterator;

  // Open shards from LATEST, before start() resolves: anything written afterwards is delivered.
  const known = new Set<string>();
  const active = new Map<string, ShardCursor>();
  for (const shard of await listShards(o.streams, streamArn)) {
    const id = shard.ShardId;
    if (!id) continue;
    known.add(id);
    if (shard.SequenceNumberRange?.EndingSequenceNumber === undefined) {
      active.set(id, { shardId: id, iterator: await iteratorFor(id, "LATEST") });
    }
  }
  const finished = new Set<string>();

  /** New shards (after a rollover) start once their parent has been read to its end. */
  const discover = async () => {
    for (const shard of await listShards(o.streams, streamArn)) {
      const id = shard.ShardId;
      if (!id || known.has(id)) continue;
      const parent = shard.ParentShardId;
      if (parent !== undefined && known.has(parent) && !finished.has(parent)) continue;
      known.add(id);
      active.set(id, { shardId: id, iterator: await iteratorFor(id, "TRIM_HORIZON") });
      log.debug("Reading a new stream shard", { ...meta, shardId: id, parent });
    }
  };

  const deliver = async (batch: _Record[]) => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0 && !stopping.signal.aborted; attempt++) {
      const event = toStreamEvent(pending, streamArn, region);
      const context = createLambdaContext({
        functionName: o.functionName,
        timeoutSeconds: o.timeoutSeconds,
        region,
        ...(o.memoryMb !== undefined && { memoryMb: o.memoryMb }),
      });
      const outcome = await invokeWithTimeout((ctx) => o.handler(event, ctx), context);
      const from = retryFrom(event, outcome);
      if (from < 0) return;
      const details = {
        ...meta,
        requestId: context.awsRequestId,
        records: pending.length - from,
        firstSequenceNumber: pending[from]?.dynamodb?.SequenceNumber,
        ...(outcome.status === "failed" && { error: outcome.error }),
      };
      if (attempt >= o.maxRetryAttempts) {
        log.error(`Stream records still failing after ${o.maxRetryAttempts} retries; skipping them`, details);
        return;
      }
      log.warn(outcome.status === "timedOut" ? "Invocation timed out; retrying the batch" : "Stream records failed; retrying", details);
      pending = pending.slice(from);
      await sleep(o.retryDelayMs ?? 200 * (attempt + 1), stopping.signal);
    }
  };

  const readShard = async (cursor: ShardCursor): Promise<boolean> => {
    if (cursor.iterator === undefined) return false;
    let out;
    try {
      out = await o.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 1000 }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        cursor.iterator =
          cursor.lastSequence !== undefined
            ? await iteratorFor(cursor.shardId, "AFTER_SEQUENCE_NUMBER", cursor.lastSequence)
            : await iteratorFor(cursor.shardId, "TRIM_HORIZON");
        return true;
      }
      throw error;
    }
    const records = out.Records ?? [];
    const matching = records.filter((r) => o.eventNames.includes(r.eventName as "INSERT"));
    for (let i = 0; i < matching.length; i += o.batchSize) await deliver(matching.slice(i, i + o.batchSize));
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last !== undefined) cursor.lastSequence = last;
    cursor.iterator = out.NextShardIterator;
    return records.length > 0;
  };

  const loop = (async () => {
    let lastDiscovery = Date.now();
    while (!stopping.signal.aborted) {
      let busy = false;
      try {
        for (const cursor of [...active.values()]) {
          if (stopping.signal.aborted) break;
          busy = (await readShard(cursor)) || busy;
          if (cursor.iterator === undefined) {
            // The shard is closed and read to its end: its children take over.
            active.delete(cursor.shardId);
            finished.add(cursor.shardId);
            lastDiscovery = 0;
          }
        }
        if (Date.now() - lastDiscovery > 5_000) {
          lastDiscovery = Date.now();
          await discover();
        }
      } catch (error) {
        if (stopping.signal.aborted) break;
        log.warn("Reading the stream failed; retrying in 1 s", { ...meta, error });
        await sleep(1_000, stopping.signal);
        continue;
      }
      if (!busy) await sleep(pollMs, stopping.signal);
    }
  })();

  return {
    streamArn,
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
};
