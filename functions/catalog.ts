import type { QueueDef } from "#commons/queues.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import type { TableDef } from "#store/tables.js";
import { EVENTS_TABLE, FILLS_TABLE, STATE_TABLE, TRADERS_TABLE } from "#store/tables.js";

/**
 * Every Lambda function, its trigger and what it may touch: read by the CDK stack to build the
 * functions and by the local runtime to run the very same handler modules on the same triggers.
 */
export type Trigger =
  | {
      kind: "schedule";
      /** Config key holding the interval in seconds (see #commons/config.js). */
      intervalSetting: "DISCOVERY_INTERVAL_SECONDS" | "TRACKING_INTERVAL_SECONDS" | "LEADERBOARD_INTERVAL_SECONDS";
    }
  | { kind: "sqs"; queue: QueueDef };

export interface FunctionDef {
  /** Logical name, also used in log lines and CDK ids. */
  name: string;
  /** Path of the handler module from the repository root. */
  entry: string;
  /** Name of the exported handler in that module. */
  handler: "handler";
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
  /** Tables the function reads and writes (grants + env vars). */
  tables: readonly TableDef[];
  /** Queues the function sends to (grants + env vars). */
  sendsTo: readonly QueueDef[];
}

export const DISCOVERY_FUNCTION: FunctionDef = {
  name: "discovery",
  entry: "functions/handlers/discovery.ts",
  handler: "handler",
  trigger: { kind: "schedule", intervalSetting: "DISCOVERY_INTERVAL_SECONDS" },
  timeoutSeconds: 300,
  memoryMb: 512,
  tables: [TRADERS_TABLE, STATE_TABLE],
  sendsTo: [],
};

export const TRACK_DISPATCH_FUNCTION: FunctionDef = {
  name: "track-dispatch",
  entry: "functions/handlers/track-dispatch.ts",
  handler: "handler",
  trigger: { kind: "schedule", intervalSetting: "TRACKING_INTERVAL_SECONDS" },
  timeoutSeconds: 50,
  memoryMb: 512,
  tables: [TRADERS_TABLE, STATE_TABLE],
  sendsTo: [TRACKING_QUEUE],
};

export const TRACK_WORKER_FUNCTION: FunctionDef = {
  name: "track-worker",
  entry: "functions/handlers/track-worker.ts",
  handler: "handler",
  trigger: { kind: "sqs", queue: TRACKING_QUEUE },
  timeoutSeconds: TRACKING_QUEUE.workerTimeoutSeconds,
  memoryMb: 1024,
  tables: [TRADERS_TABLE, EVENTS_TABLE, FILLS_TABLE, STATE_TABLE],
  sendsTo: [],
};

export const ALL_FUNCTIONS: readonly FunctionDef[] = [
  DISCOVERY_FUNCTION,
  TRACK_DISPATCH_FUNCTION,
  TRACK_WORKER_FUNCTION,
];
