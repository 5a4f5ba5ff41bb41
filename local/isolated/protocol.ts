/** Messages between the runtime and a stream consumer's worker thread. */

export interface StreamWorkerData {
  /** The worker module (local/isolated/stream-worker.ts) as a file URL; read by boot.mjs. */
  entry: string;
  /** The catalog function to run, by name. */
  functionName: string;
  tableName: string;
  dynamoEndpoint: string;
  region: string;
  pollIntervalMs?: number;
}

export type FromWorker =
  | { type: "ready"; streamArn: string }
  /** Start-up failed; `userFacing` errors are printed as one sentence (LocalStartupError). */
  | { type: "failed"; message: string; userFacing: boolean; stack?: string }
  | { type: "stopped" };

export type ToWorker = { type: "stop" };
