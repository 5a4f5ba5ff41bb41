/**
 * Queue definitions shared by the CDK stack and the local runtime (one source of truth).
 */
export interface QueueDef {
  id: "tracking";
  envVar: string;
  /** Seconds a received message stays hidden; must exceed the worker's timeout. */
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Messages handed to one worker invocation. */
  batchSize: number;
  /** Worker timeout the visibility timeout is sized against. */
  workerTimeoutSeconds: number;
}

export const TRACKING_QUEUE: QueueDef = {
  id: "tracking",
  envVar: "TRACKING_QUEUE_URL",
  workerTimeoutSeconds: 50,
  visibilityTimeoutSeconds: 90,
  maxReceiveCount: 3,
  batchSize: 5,
};

export const defaultQueueName = (def: QueueDef, prefix = "hl"): string => `${prefix}-${def.id}`;
