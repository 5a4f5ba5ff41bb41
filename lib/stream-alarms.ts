import { Duration } from "aws-cdk-lib";
import { ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { appMetric } from "./app-metrics.js";

/**
 * The trades-stream listener's alarms, deployed with it (TRADES_STREAM=on) and read from the
 * counters it publishes every heartbeat (~10 s), zeros included (#commons/metrics.js
 * STREAM_METRICS): while a listener runs these metrics are never silent, so silence means none runs.
 */
export const STREAM_ALARM_THRESHOLDS = {
  /**
   * Not one trade from the stream in 10 minutes. The exchange's perps trade every second between
   * them, day and night, so 10 quiet minutes is a broken stream, not a quiet market. Ten and not
   * one: a hand-over or a reconnect costs seconds, and a page should mean an outage.
   */
  noTradesMinutes: 10,
  /**
   * The exchange counts as failing, and a silent stream as its fault rather than ours, when at
   * least this share of our REST requests in the same 10 minutes ended in a 5xx or a timeout (and
   * there were at least the 429 alarm's `exchangeMinRequests`). Healthy, it is well under 1%.
   */
  exchangeFailingPercent: 10,
  /**
   * Reconnects counts every attempt after a dropped connection, failed ones too (hand-overs are
   * new listeners, not reconnects). The client pings a quiet connection, so the venue has no
   * reason to drop a healthy one; a restart on its side costs one reconnect, a few at most. 12 in
   * an hour is either a drop every 5 minutes or a retry loop of about a minute (the backoff doubles
   * from 0.25 s to 10 s): trades are being missed, and while a listener is stuck reconnecting the
   * dispatcher still counts the stream as up and only reconciles, so changes come late.
   */
  reconnectsPerHour: 12,
  /**
   * Gaps counts stretches without a connection after the stream was live: one per outage however
   * many attempts it took. Each is caught up from the trades the venue sends on subscribing, and
   * beyond those only by the reconciliation sweep. More than 4 in an hour is a connection being cut
   * over and over (our network path, the venue's per-IP limits), not the venue's own restarts.
   */
  gapsPerHour: 4,
} as const;

export interface AlarmSpec {
  id: string;
  name: string;
  metric: IMetric;
  threshold: number;
  comparison: ComparisonOperator;
  description: string;
  evaluationPeriods?: number;
  /** Default: not breaching. */
  treatMissingData?: TreatMissingData;
}

export interface StreamAlarmOptions {
  /** The service the functions publish as: the only dimension of the app's metrics. */
  serviceName: string;
  /** Below this many exchange requests in a period, their failure share means nothing. */
  exchangeMinRequests: number;
  runbook: string;
}

const T = STREAM_ALARM_THRESHOLDS;

/**
 * Trades received, or 1 while the exchange is failing: below 1 means no trade although the
 * exchange answers. FILL turns "nothing published" into 0: no StreamTrades is no listener (that is
 * the outage too), no exchange metrics is no evidence against the exchange. So the alarm stays
 * quiet only when the exchange itself is shown to fail; then our REST calls, and the errors alarms
 * of the functions that make them, already tell the story. A network of ours that drops every
 * request (a broken NAT route) also looks like a failing exchange here, and is caught by those.
 */
const tradesUnlessExchangeFails = (o: StreamAlarmOptions): MathExpression => {
  const period = Duration.minutes(T.noTradesMinutes);
  const requests = "FILL(requests, 0)";
  const failed = "(FILL(http5xx, 0) + FILL(timeouts, 0))";
  return new MathExpression({
    expression:
      `IF((${requests} >= ${o.exchangeMinRequests}) AND (100 * ${failed} >= ${T.exchangeFailingPercent} * ${requests}), ` +
      `1, FILL(trades, 0))`,
    usingMetrics: {
      trades: appMetric(o.serviceName, "StreamTrades", period),
      requests: appMetric(o.serviceName, "ExchangeRequests", period),
      http5xx: appMetric(o.serviceName, "Exchange5xx", period),
      timeouts: appMetric(o.serviceName, "ExchangeTimeouts", period),
    },
    label: "Trades from the stream (1 while the exchange fails)",
    period,
  });
};

export const streamAlarmSpecs = (o: StreamAlarmOptions): AlarmSpec[] => [
  {
    id: "StreamNoTrades",
    name: "stream-no-trades",
    metric: tradesUnlessExchangeFails(o),
    threshold: 1,
    comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
    // The expression fills every gap itself; it can only come back empty when nothing at all was
    // published for 10 minutes (no listener, no exchange call anywhere), which is an outage too.
    treatMissingData: TreatMissingData.BREACHING,
    description:
      `No trade came from the exchange's trades stream in ${T.noTradesMinutes} minutes while the exchange answered our ` +
      `requests: the stream-listener is not running, cannot connect or subscribe, or is stuck reconnecting. Without ` +
      `a listener the dispatcher polls everyone each tick; with one stuck it only reconciles, so changes come late. ` +
      `Look at the stream-listener's log group ("Listening to the trades stream", "connection lost", CONFIG_ERROR) ` +
      `and Errors, its status item (pk "stream-listener") in the state table, and HYPERLIQUID_WS_URL. ${o.runbook}`,
  },
  {
    id: "StreamReconnects",
    name: "stream-reconnects",
    metric: appMetric(o.serviceName, "StreamReconnects", Duration.hours(1)),
    threshold: T.reconnectsPerHour,
    comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    description:
      `The trades stream reconnected more than ${T.reconnectsPerHour} times in an hour: its connection keeps dropping ` +
      `or cannot be made again. Trades in the gaps are caught up late, by reconciliation. Read "connection lost" ` +
      `warnings in the stream-listener's logs for the reason; check the exchange's status and our egress. ${o.runbook}`,
  },
  {
    id: "StreamGaps",
    name: "stream-gaps",
    metric: appMetric(o.serviceName, "StreamGaps", Duration.hours(1)),
    threshold: T.gapsPerHour,
    comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    description:
      `The trades stream lost a live connection more than ${T.gapsPerHour} times in an hour; trades of each gap are ` +
      `caught up from the resubscription or, beyond it, by reconciliation. Read the stream-listener's "had a gap" ` +
      `warnings for their length and reason. ${o.runbook}`,
  },
];
