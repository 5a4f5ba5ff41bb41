import type { Duration } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import { METRICS_NAMESPACE, type ExchangeMetricName, type FeedMetricName, type LeaderboardMetricName, type StreamMetricName } from "#commons/metrics.js";

/**
 * What the copy engine publishes (#app/copy): orders sent, orders the venue refused or that failed
 * to send, followers its kill switch paused, and the delay from the leader's signal to our order.
 */
export const COPY_METRICS = ["CopyOrdersSent", "CopyOrderErrors", "CopyFollowersPaused", "CopySignalToOrderMs"] as const;
export type CopyMetricName = (typeof COPY_METRICS)[number];

/**
 * One of the app's own counters as the functions publish it (#commons/metrics.js): our namespace,
 * the `service` dimension only, summed over the period. Every alarm reads them through here, so an
 * alarm on the stream cannot look under another name or dimension than the one on the exchange.
 */
export const appMetric = (
  serviceName: string,
  name: ExchangeMetricName | StreamMetricName | LeaderboardMetricName | FeedMetricName | CopyMetricName,
  period: Duration,
  statistic = "Sum",
): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: serviceName },
    statistic,
    period,
  });
