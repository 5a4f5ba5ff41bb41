/** Messages between the runtime and a stream consumer's worker thread. */

export interface StreamWorkerData {
  kind?: "stream";
  /** The worker module (local/isolated/stream-worker.ts) as a file URL; read by boot.mjs. */
  entry: string;
  /** The catalog function to run, by name. */
  functionName: string;
  tableName: string;
  dynamoEndpoint: string;
  region: string;
  pollIntervalMs?: number;
}

/** A queue consumer's thread: its SQS event source and handler module (the fan-out worker). */
export interface QueueWorkerData {
  kind: "sqs";
  entry: string;
  functionName: string;
  sqsEndpoint: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Pollers on the thread, each with one invocation in flight. */
  concurrency: number;
}

export type WorkerData = StreamWorkerData | QueueWorkerData;

export type FromWorker =
  | { type: "ready"; streamArn: string }
  /** Start-up failed; `userFacing` errors are printed as one sentence (LocalStartupError). */
  | { type: "failed"; message: string; userFacing: boolean; stack?: string }
  | { type: "stopped" };

export type ToWorker = { type: "stop" };
