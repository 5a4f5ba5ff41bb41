import { managementApi } from "#commons/clients/apigateway.js";
import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { feedMetricsPublisher } from "#commons/metrics.js";
import { createBroadcaster } from "#app/feed/broadcaster.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createApiGatewaySender } from "#store/ws-sender.js";

/** Lambda entry: the events table's stream (INSERT) → `trade_event` to every matching client. */
const config = loadConfig();

export const handler = createBroadcaster({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  sender: createApiGatewaySender(managementApi),
  logger,
  now: Date.now,
  concurrency: config.FEED_FANOUT_CONCURRENCY,
  publishMetrics: feedMetricsPublisher(),
});
