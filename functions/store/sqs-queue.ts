import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { chunk } from "#domain/concurrency.js";
import type { QueuePort } from "#domain/ports.js";
import { untilProcessed } from "./dynamo/retry.js";

/** SendMessageBatch takes at most 10 entries; entries SQS refuses are retried, never dropped. */
export const createSqsQueue = (sqs: SQSClient, queueUrl: string): QueuePort => ({
  async sendAll(bodies) {
    for (const [n, part] of chunk(bodies, 10).entries()) {
      const entries = part.map((body, i) => ({ Id: `m${n}-${i}`, MessageBody: body }));
      await untilProcessed(
        entries,
        async (pending) => {
          const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
          const failed = new Set((out.Failed ?? []).map((f) => f.Id));
          return pending.filter((e) => failed.has(e.Id));
        },
        (pending) => pending.length === 0,
        "SendMessageBatch",
      );
    }
  },
});
