import { managementApi } from "#commons/clients/apigateway.js";
import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createWelcomeHandler } from "#app/feed/welcome.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";
import { createApiGatewaySender } from "#store/ws-sender.js";

/** Lambda entry: the connections table's stream (INSERT) → the `connection` welcome message. */
const config = loadConfig();

export const handler = createWelcomeHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  sender: createApiGatewaySender(managementApi),
  logger,
  now: Date.now,
});
