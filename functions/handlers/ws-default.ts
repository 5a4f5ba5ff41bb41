import { managementApi } from "#commons/clients/apigateway.js";
import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createDefaultHandler } from "#app/feed/connections.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createApiGatewaySender } from "#store/ws-sender.js";

/** Lambda entry: the WebSocket API's `$default` route (subscribe, unsubscribe, ping). */
const config = loadConfig();

export const handler = createDefaultHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  sender: createApiGatewaySender(managementApi),
  now: Date.now,
  logger,
});
