import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import type { CopyRunCounts } from "#domain/copy/engine-ports.js";
import type { ClientStats } from "#hyperliquid/client.js";

/**
 * The one metrics module. CloudWatch gets custom metrics from Embedded Metric Format lines that
 * Powertools writes to stdout, so publishing costs no API call. The stack's alarms read the same
 * namespace and names from here, so the two cannot drift.
 */
export const METRICS_NAMESPACE = "HlCopytrader";

/**
 * The exchange client's cumulative counters, published after each invocation as the increase since
 * the previous one. Only the `service` dimension (Powertools' default): every extra dimension value
 * is another billed custom metric and another series an alarm would have to add up, and each EMF
 * line already sits in the log group of the function that wrote it.
 */
export const EXCHANGE_METRICS = {
  ExchangeRequests: "requests",
  ExchangeRetries: "retries",
  Exchange429: "http429",
  Exchange5xx: "http5xx",
  ExchangeTimeouts: "timeouts",
} as const satisfies Record<string, keyof ClientStats>;

export type ExchangeMetricName = keyof typeof EXCHANGE_METRICS;
export type ExchangeCounts = Record<ExchangeMetricName, number>;
export type ExchangeMetricsPublisher = (counts: ExchangeCounts) => void;

/** Anything with the exchange client's counters (the client itself, or a test double). */
export interface ExchangeStatsSource {
  stats(): Pick<ClientStats, (typeof EXCHANGE_METRICS)[ExchangeMetricName]>;
}

const NAMES = Object.keys(EXCHANGE_METRICS) as ExchangeMetricName[];

/** Writes one EMF line with every count, through the given Powertools instance. */
export const createCloudWatchPublisher =
  (metrics: Metrics): ExchangeMetricsPublisher =>
  (counts) => {
    try {
      for (const name of NAMES) metrics.addMetric(name, MetricUnit.Count, counts[name]);
    } finally {
      // Also empties the store, so a failed add cannot leak into the next invocation's line.
      metrics.publishStoredMetrics();
    }
  };

export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "hl-copytrader",
  logger: defaultLogger,
});

/**
 * Publishes only inside Lambda (its runtime sets AWS_LAMBDA_FUNCTION_NAME; the local runtime does
 * not), so `npm start` and the tests print no EMF lines whatever POWERTOOLS_DEV says. Inside Lambda,
 * Powertools' own POWERTOOLS_METRICS_DISABLED=true still turns them off.
 */
export const exchangeMetricsPublisher = (env: NodeJS.ProcessEnv = process.env): ExchangeMetricsPublisher =>
  env.AWS_LAMBDA_FUNCTION_NAME !== undefined ? createCloudWatchPublisher(metrics) : () => {};

/**
 * The counters last published per stats source. Keyed by the source rather than held per handler:
 * locally several handlers share one client in one process, and each increase must be counted once.
 */
const lastSeen = new WeakMap<ExchangeStatsSource, ExchangeCounts>();

/** The increase of each counter since the previous call for this source (since process start the first time). */
export const takeExchangeDelta = (source: ExchangeStatsSource): ExchangeCounts => {
  const stats = source.stats();
  const before = lastSeen.get(source);
  const now = {} as ExchangeCounts;
  const delta = {} as ExchangeCounts;
  for (const name of NAMES) {
    now[name] = stats[EXCHANGE_METRICS[name]];
    delta[name] = Math.max(0, now[name] - (before?.[name] ?? 0));
  }
  lastSeen.set(source, now);
  return delta;
};

export interface ExchangeMetricsOptions {
  publish?: ExchangeMetricsPublisher;
  logger?: AppLogger;
}

/**
 * Wraps a handler so that after every invocation, returned or thrown (the failed ones are where
 * 429s matter), the exchange traffic it caused is published. The handler's result, such as an SQS
 * partial batch response, and its error pass through untouched; a metrics failure is only logged.
 */
export const withExchangeMetrics = <A extends unknown[], R>(
  handler: (...args: A) => Promise<R>,
  source: ExchangeStatsSource,
  { publish = exchangeMetricsPublisher(), logger = defaultLogger }: ExchangeMetricsOptions = {},
): ((...args: A) => Promise<R>) => {
  const record = (): void => {
    try {
      const delta = takeExchangeDelta(source);
      // No exchange traffic, nothing to say: the alarms treat missing data as fine.
      if (NAMES.some((name) => delta[name] > 0)) publish(delta);
    } catch (error) {
      logger.warn("Could not publish exchange metrics", { error });
    }
  };
  return async (...args: A): Promise<R> => {
    try {
      return await handler(...args);
    } finally {
      record();
    }
  };
};

/**
 * The trades-stream listener's counters, published once a heartbeat (every ~10 s) as increases,
 * zeros included: the "no trades" alarm must see a zero, not missing data, while a listener runs.
 */
export const STREAM_METRICS = ["StreamTrades", "StreamReconnects", "StreamGaps", "StreamEvents"] as const;
export type StreamMetricName = (typeof STREAM_METRICS)[number];
export type StreamCounts = Record<StreamMetricName, number>;

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One EMF line with each of `names`, only inside Lambda (as exchangeMetricsPublisher). */
const lambdaPublisher =
  <N extends string>(names: readonly N[], unitOf: (name: N) => Unit, env: NodeJS.ProcessEnv) =>
  (counts: Record<N, number>): void => {
    if (env.AWS_LAMBDA_FUNCTION_NAME === undefined) return;
    try {
      for (const name of names) metrics.addMetric(name, unitOf(name), counts[name]);
    } finally {
      metrics.publishStoredMetrics();
    }
  };

export const streamMetricsPublisher = (env: NodeJS.ProcessEnv = process.env): ((counts: StreamCounts) => void) =>
  lambdaPublisher(STREAM_METRICS, () => MetricUnit.Count, env);

/**
 * What each leaderboard run says about the history behind the figures, published once a run:
 * the share of traders whose history is stale (#domain/history/freshness.js), in percent, and the
 * history entries the exchange sent that could not be read and were set aside.
 */
export const LEADERBOARD_METRICS = ["StaleTraderPercent", "HistoryEntriesSetAside"] as const;
export type LeaderboardMetricName = (typeof LEADERBOARD_METRICS)[number];
export type LeaderboardCounts = Record<LeaderboardMetricName, number>;

export const leaderboardMetricsPublisher = (env: NodeJS.ProcessEnv = process.env): ((counts: LeaderboardCounts) => void) =>
  lambdaPublisher(LEADERBOARD_METRICS, (name) => (name === "StaleTraderPercent" ? MetricUnit.Percent : MetricUnit.Count), env);

/**
 * The live feed's fan-out: events that API Gateway refused to post as over its 128 KB message
 * limit (413), so that no client got them; and deliveries to one client given up after
 * FANOUT_MAX_RETRIES retries of a failing post (#app/feed/fan-out-worker.js). Published only when
 * one was (the alarm treats missing data as none): an event is bounded (#domain/fills.js
 * MAX_LISTED_TIDS), so any too large is a bug to fix.
 */
export const FEED_METRICS = ["FeedMessagesTooLarge", "FeedDeliveriesDropped"] as const;
export type FeedMetricName = (typeof FEED_METRICS)[number];
export type FeedCounts = Record<FeedMetricName, number>;

export const feedMetricsPublisher = (env: NodeJS.ProcessEnv = process.env): ((counts: FeedCounts) => void) =>
  lambdaPublisher(FEED_METRICS, () => MetricUnit.Count, env);

/**
 * The copy engine, per run (#domain/copy/engine.js): orders sent, orders the venue refused (not an
 * IOC that found nothing to match: the alarm watches real refusals), followers paused (kill switch,
 * no agent key) and each order's delay from the leader's event to the order (a value per order).
 * Published only when a run sent or paused something; the alarms treat missing data as none.
 */
export const COPY_METRICS = ["CopyOrdersSent", "CopyOrderErrors", "CopyFollowersPaused", "CopySignalToOrderMs"] as const;

export const copyMetricsPublisher =
  (env: NodeJS.ProcessEnv = process.env) =>
  (counts: CopyRunCounts): void => {
    if (env.AWS_LAMBDA_FUNCTION_NAME === undefined) return;
    if (counts.ordersSent === 0 && counts.followersPaused === 0) return;
    try {
      metrics.addMetric("CopyOrdersSent", MetricUnit.Count, counts.ordersSent);
      metrics.addMetric("CopyOrderErrors", MetricUnit.Count, counts.orderErrors);
      metrics.addMetric("CopyFollowersPaused", MetricUnit.Count, counts.followersPaused);
      for (const ms of counts.signalToOrderMs) metrics.addMetric("CopySignalToOrderMs", MetricUnit.Milliseconds, ms);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
