import { Duration, Validations } from "aws-cdk-lib";
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { QueueDef } from "#commons/queues.js";

/**
 * A catalog FIFO queue (the feed's fan-out, copy trading's) and its FIFO dead-letter queue, as
 * `<name>Queue` and `<name>DeadLetterQueue` in `scope`:
 * - explicit deduplication ids (the senders derive them from what a message is about), so a
 *   retried stream batch queues nothing twice;
 * - high-throughput FIFO: limits per message group instead of 300 sends a second (3,000 batched)
 *   for the queue; the senders' ids name their group, so deduplicating within a group loses nothing;
 * - SSE, TLS only, the definition's visibility timeout and receives before the DLQ, a short
 *   retention (`retention`: what a message is worth late), the DLQ kept 14 days.
 */
export const fifoQueueWithDeadLetters = (
  scope: Construct,
  name: string,
  def: QueueDef,
  o: { retention: Duration; deadLettersAre: string },
): { queue: Queue; deadLetterQueue: Queue } => {
  if (!def.fifo) throw new Error(`Queue "${def.id}" is not FIFO in its definition`);
  const deadLetterQueue = new Queue(scope, `${name}DeadLetterQueue`, {
    fifo: true, // a FIFO queue's dead-letter queue must be FIFO too
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14), // the longest SQS allows: time to look before it is gone
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: "AwsSolutions-SQS3",
    reason: `This queue is itself a dead-letter queue: ${o.deadLettersAre}.`,
  });
  const queue = new Queue(scope, `${name}Queue`, {
    fifo: true,
    contentBasedDeduplication: false,
    deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
    fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
    retentionPeriod: o.retention,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: def.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
};
