import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange } from "#commons/clients/hyperliquid.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireTrackingQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { exchangeMetricsPublisher, streamMetricsPublisher, takeExchangeDelta, withExchangeMetrics } from "#commons/metrics.js";
import { createStreamListener } from "#app/stream-listener.js";
import { openListenerStream } from "#app/listener-stream.js";
import { trackTraders } from "#domain/tracking.js";
import { VENUE_STREAM_LIMITS } from "#hyperliquid/stream-pacing.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import { createSqsQueue } from "#store/sqs-queue.js";
import { trackingDepsFrom } from "./tracking-deps.js";

/** Lambda entry: the trades-stream listener (started every minute; one run at a time listens). */
const config = loadConfig();
const queueUrl = requireTrackingQueueUrl(config, "stream listener");
const trackingDeps = trackingDepsFrom(config);

const publishStream = streamMetricsPublisher();
const publishExchange = exchangeMetricsPublisher();

const listen = createStreamListener({
  exchange,
  traders: trackingDeps.traders,
  status: createDynamoStreamStatusStore(documentClient, config.STATE_TABLE),
  openStream: openListenerStream(config, logger),
  track: (addresses, live) => trackTraders(addresses, trackingDeps, { live }),
  requeue: createSqsQueue(sqs, queueUrl),
  logger,
  now: Date.now,
  maxTrackedTraders: config.MAX_TRACKED_TRADERS,
  maxCoins: VENUE_STREAM_LIMITS.subscriptions,
  // Each heartbeat, not once a 15-minute run: the alarms judge the exchange by the minute, and a
  // run that crashes would never publish at all. withExchangeMetrics publishes the rest at the end.
  publish: (counts) => {
    publishStream(counts);
    const exchangeCounts = takeExchangeDelta(exchange);
    if (Object.values(exchangeCounts).some((n) => n > 0)) publishExchange(exchangeCounts);
  },
});

export const handler = withExchangeMetrics(listen, exchange);
