// The entry of a local function's worker thread. Workers do not inherit `--import tsx`, so the
// TypeScript loader is registered here before the (TypeScript) worker module is imported.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
