import { managementApi } from "#commons/clients/apigateway.js";
import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createDefaultHandler } from "#app/feed/connections.js";
import { feedLimitsFrom } from "#domain/feed/limits.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createDynamoMessageGate } from "#store/dynamo/message-gate.js";
import { createApiGatewayCloser, createApiGatewaySender } from "#store/ws-sender.js";

/** Lambda entry: the WebSocket API's `$default` route (subscribe, unsubscribe, ping; the message rate). */
const config = loadConfig();
const limits = feedLimitsFrom(config);

export const handler = createDefaultHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  gate: createDynamoMessageGate(documentClient, config.CONNECTIONS_TABLE, limits),
  closer: createApiGatewayCloser(managementApi),
  limits,
  sender: createApiGatewaySender(managementApi),
  now: Date.now,
  logger,
});
