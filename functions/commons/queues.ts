/**
 * Queue definitions shared by the CDK stack and the local runtime (one source of truth).
 */
export interface QueueDef {
  id: "tracking" | "fanout" | "copy";
  envVar: string;
  /** Seconds a received message stays hidden; must exceed the worker's timeout. */
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Messages handed to one worker invocation. */
  batchSize: number;
  /** Worker timeout the visibility timeout is sized against. */
  workerTimeoutSeconds: number;
  /**
   * A FIFO queue (with a FIFO dead-letter queue): messages of one group are delivered in order,
   * one batch in flight at a time, and a message sent again with the same deduplication id
   * within 5 minutes is accepted but not delivered again.
   */
  fifo?: true;
}

export const TRACKING_QUEUE: QueueDef = {
  id: "tracking",
  envVar: "TRACKING_QUEUE_URL",
  workerTimeoutSeconds: 50,
  visibilityTimeoutSeconds: 90,
  maxReceiveCount: 3,
  batchSize: 5,
};

/**
 * The live feed's fan-out (#app/feed/broadcaster.js → #app/feed/fan-out-worker.js): one message
 * group per connection shard keeps each shard's events in commit order, and deduplication ids
 * derived from shard and event make a retried stream batch a no-op for what was already queued.
 * A batch is a few messages of one or more shards, each a few hundred posts: seconds, far below
 * the timeout. Three deliveries: a message fails only when its shard cannot be listed.
 */
export const FANOUT_QUEUE: QueueDef = {
  id: "fanout",
  envVar: "FANOUT_QUEUE_URL",
  workerTimeoutSeconds: 30,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  batchSize: 10,
  fifo: true,
};

/** FIFO queue names must end in `.fifo` (their dead-letter queue's too: see #local/sqs.js). */
export const defaultQueueName = (def: QueueDef, prefix = "hl"): string => `${prefix}-${def.id}${def.fifo ? ".fifo" : ""}`;

/**
 * Copy trading's work (#app/copy): one message per follower and leader event (or periodic
 * reconciliation), grouped by follower so one follower's reconciliations never overlap and run in
 * order; the deduplication id (follower, event) makes a retried stream batch queue nothing twice.
 * Reconciliations place orders: seconds each, far below the timeout.
 */
export const COPY_QUEUE: QueueDef = {
  id: "copy",
  envVar: "COPY_QUEUE_URL",
  workerTimeoutSeconds: 60,
  visibilityTimeoutSeconds: 120,
  maxReceiveCount: 5,
  batchSize: 10,
  fifo: true,
};
