export { buildRoundTrips, type RoundTrip, type RoundTrips, type RoundTripSide } from "./round-trips.js";
export { computeFillMetrics, countedRoundTrips, type FillMetrics, type TimeWindow } from "./fill-metrics.js";
