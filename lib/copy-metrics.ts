/**
 * What the copy engine publishes (#app/copy): orders sent, orders the venue refused or that failed
 * to send, followers its kill switch paused, and the delay from the leader's signal to our order.
 * Read by the alarms (./app-metrics.ts) and the cost model (cost/copy.ts): the names are the
 * engine's own (#commons/metrics.js), so the two cannot drift.
 */
export { COPY_METRICS } from "#commons/metrics.js";
import type { COPY_METRICS } from "#commons/metrics.js";
export type CopyMetricName = (typeof COPY_METRICS)[number];
