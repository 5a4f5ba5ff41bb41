import { managementApi } from "#commons/clients/apigateway.js";
import { documentClient } from "#commons/clients/dynamodb.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireFanoutQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { feedMetricsPublisher } from "#commons/metrics.js";
import { createFanOutWorker } from "#app/feed/fan-out-worker.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { createApiGatewaySender } from "#store/ws-sender.js";

/** Lambda entry: the fan-out FIFO queue → `trade_event` to the matching clients of one shard (partial batch responses). */
const config = loadConfig();

export const handler = createFanOutWorker({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  sender: createApiGatewaySender(managementApi),
  retries: createSqsFifoQueue(sqs, requireFanoutQueueUrl(config, "fan-out worker")),
  logger,
  now: Date.now,
  concurrency: config.FEED_FANOUT_CONCURRENCY,
  publishMetrics: feedMetricsPublisher(),
});
