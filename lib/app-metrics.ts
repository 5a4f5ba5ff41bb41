import type { Duration } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { CopyMetricName } from "./copy-metrics.js";
import { METRICS_NAMESPACE, type ExchangeMetricName, type FeedMetricName, type LeaderboardMetricName, type StreamMetricName } from "#commons/metrics.js";

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
