/** The Hyperliquid adapter: the `/info` client, its weight budget, the shared budget ledger and the trades stream. */
export * from "./budget.js";
export { WINDOW_MS } from "./budget-window.js";
export * from "./client.js";
export * from "./dynamo-ledger.js";
export * from "./errors.js";
export * from "./from-config.js";
export * from "./marks.js";
export * from "./mappers.js";
export * from "./schemas.js";
export * from "./weights.js";
export * from "./trades-stream.js";
