/**
 * What the copy engine publishes (#app/copy): orders sent, orders the venue refused or that failed
 * to send, followers its kill switch paused, and the delay from the leader's signal to our order.
 * Read by the alarms (./app-metrics.ts) and the cost model (cost/copy.ts); no CDK import here.
 */
export const COPY_METRICS = ["CopyOrdersSent", "CopyOrderErrors", "CopyFollowersPaused", "CopySignalToOrderMs"] as const;
export type CopyMetricName = (typeof COPY_METRICS)[number];
