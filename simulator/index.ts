/**
 * A deterministic Hyperliquid exchange simulator speaking the real `/info` wire format.
 * Used by integration tests, the benchmark and `npm run demo`.
 */
export { createSimulator, Simulator, type SimulatorOptions } from "./simulator.js";
export type { ExecuteInput, ExecuteResult, PositionSnapshot } from "./market.js";
export { DEFAULT_EPOCH_MS } from "./market.js";
export type { Leverage } from "./account.js";
export type { PopulateOptions } from "./crowd.js";
export type { FaultConfig, FaultKind } from "./faults.js";
export type { SimulatorStats } from "./stats.js";
export type { StreamLimits } from "./stream.js";
export { EXCHANGE_STREAM_LIMITS, DEFAULT_STREAM_IDLE_TIMEOUT_MS } from "./stream.js";
export type { StreamStats } from "./stream-stats.js";
export type { Answered, Reply } from "./server.js";
export { baseWeight, itemWeight } from "./stats.js";
export { TAKER_FEE_RATE, MAKER_FEE_RATE } from "./positions.js";
export type { Dir, Side, WireFill, WireTrade } from "./wire.js";
