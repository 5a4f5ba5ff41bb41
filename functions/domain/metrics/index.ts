export { buildRoundTrips, type RoundTrip, type RoundTrips, type RoundTripSide } from "./round-trips.js";
export { computeFillMetrics, countedRoundTrips, type FillMetrics, type TimeWindow } from "./fill-metrics.js";
export { computeEquityMetrics, equityPointsFor } from "./equity.js";
export { cashFlowsFromLedger } from "./flows.js";
export { computeTraderRows } from "./trader-metrics.js";
export { botFlag } from "./bots.js";
export { scoreRows } from "./score.js";
export { rowsForTrader } from "./trader-leaderboard.js";
export * from "./types.js";
