import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { createLambdaContext, invokeWithTimeout } from "./lambda-context.js";

/**
 * What Lambda's SQS event source mapping does, for a local handler: long-poll, hand the batch to
 * the handler as a real SQSEvent, delete what succeeded. A record listed in `batchItemFailures`
 * (or the whole batch, when the handler throws or times out) is left alone, so it comes back after
 * the visibility timeout and, after maxReceiveCount deliveries, SQS moves it to the DLQ.
 */

export type SqsHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | void> | SQSBatchResponse | void;

export interface EventSourceOptions {
  functionName: string;
  handler: SqsHandler;
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Messages per invocation (1–10, like the mapping's BatchSize for a standard queue). */
  batchSize: number;
  timeoutSeconds: number;
  memoryMb?: number;
  region?: string;
  /** Parallel pollers, each with at most one invocation in flight (Lambda scales this itself). */
  concurrency?: number;
  /** Long-poll wait; Lambda uses 20 s. */
  waitTimeSeconds?: number;
  logger?: AppLogger;
}

export interface EventSource {
  /** Stops polling and resolves once the invocations in flight have finished and been acknowledged. */
  stop(): Promise<void>;
}

const toRecordAttributes = (m: Message): SQSRecord["attributes"] => {
  const a = m.Attributes ?? {};
  return {
    ...a,
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? "000000000000",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
};

/** Lambda spells message attributes in camelCase and base64-encodes binary values. */
const toRecordMessageAttributes = (attrs: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(attrs ?? {}).map(([name, v]) => [
      name,
      {
        dataType: v.DataType ?? "String",
        ...(v.StringValue !== undefined && { stringValue: v.StringValue }),
        ...(v.BinaryValue !== undefined && { binaryValue: Buffer.from(v.BinaryValue).toString("base64") }),
        stringListValues: v.StringListValues ?? [],
        binaryListValues: (v.BinaryListValues ?? []).map((b) => Buffer.from(b).toString("base64")),
      },
    ]),
  );

export const toSqsEvent = (messages: Message[], queueArn: string, region: string): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: toRecordAttributes(m),
    messageAttributes: toRecordMessageAttributes(m.MessageAttributes),
    md5OfBody: m.MD5OfBody ?? "",
    ...(m.MD5OfMessageAttributes !== undefined && { md5OfMessageAttributes: m.MD5OfMessageAttributes }),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  })),
});

/**
 * The records to delete after an invocation, by Lambda's rules for ReportBatchItemFailures: a
 * response naming an id that is not in the batch (or an empty one) fails the whole batch.
 */
export const succeededRecords = (records: SQSRecord[], response: unknown): SQSRecord[] => {
  const failures = (response as Partial<SQSBatchResponse> | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return records;
  if (!Array.isArray(failures)) return [];
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const f of failures as unknown[]) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !ids.has(id)) return [];
    failed.add(id);
  }
  return records.filter((r) => !failed.has(r.messageId));
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export const startSqsEventSource = (o: EventSourceOptions): EventSource => {
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 10) {
    throw new RangeError(`batchSize must be 1–10 (one ReceiveMessage), got ${o.batchSize}`);
  }
  const log = o.logger ?? defaultLogger;
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const stopping = new AbortController();

  const deleteSucceeded = async (records: SQSRecord[]) => {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      const { Failed } = await o.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: o.queueUrl,
          Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
        }),
      );
      // Not fatal: the message is redelivered, and handlers are idempotent for exactly this reason.
      if (Failed?.length) log.warn("Could not delete processed messages", { function: o.functionName, failed: Failed });
    }
  };

  const invoke = async (messages: Message[]) => {
    const event = toSqsEvent(messages, o.queueArn, region);
    const context = createLambdaContext({
      functionName: o.functionName,
      timeoutSeconds: o.timeoutSeconds,
      region,
      ...(o.memoryMb !== undefined && { memoryMb: o.memoryMb }),
    });
    const outcome = await invokeWithTimeout((ctx) => o.handler(event, ctx), context);
    const done = outcome.status === "succeeded" ? succeededRecords(event.Records, outcome.value) : [];
    const meta = { function: o.functionName, requestId: context.awsRequestId, records: event.Records.length };
    if (outcome.status === "failed") {
      log.error("Invocation failed; the batch will be retried", { ...meta, error: outcome.error });
    } else if (outcome.status === "timedOut") {
      log.error(`Invocation timed out after ${o.timeoutSeconds} s; the batch will be retried`, meta);
    } else if (done.length < event.Records.length) {
      log.warn("Some records failed and will be retried", { ...meta, failed: event.Records.length - done.length });
    }
    if (done.length > 0) await deleteSucceeded(done);
  };

  const poll = async () => {
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        const result = await o.client.send(
          new ReceiveMessageCommand({
            QueueUrl: o.queueUrl,
            MaxNumberOfMessages: o.batchSize,
            WaitTimeSeconds: o.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: stopping.signal },
        );
        messages = result.Messages ?? [];
      } catch (error) {
        if (stopping.signal.aborted) return;
        log.warn("Polling the queue failed; retrying in 1 s", { function: o.functionName, error });
        await sleep(1_000, stopping.signal);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await invoke(messages);
      } catch (error) {
        log.error("Acknowledging a batch failed", { function: o.functionName, error });
      }
    }
  };

  const pollers = Array.from({ length: Math.max(1, o.concurrency ?? 1) }, () => poll());
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(pollers);
    },
  };
};
