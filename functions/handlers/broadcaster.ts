import { documentClient } from "#commons/clients/dynamodb.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireFanoutQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { feedMetricsPublisher } from "#commons/metrics.js";
import { createBroadcaster } from "#app/feed/broadcaster.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";

/** Lambda entry: the events table's stream (INSERT) → one fan-out message per event and occupied connection shard. */
const config = loadConfig();

export const handler = createBroadcaster({
  queue: createSqsFifoQueue(sqs, requireFanoutQueueUrl(config, "broadcaster")),
  shards: config.FEED_SHARDS,
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  logger,
  publishMetrics: feedMetricsPublisher(),
});
