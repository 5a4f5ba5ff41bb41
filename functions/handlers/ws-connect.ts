import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createConnectHandler } from "#app/feed/connections.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";

/** Lambda entry: the WebSocket API's `$connect` route (token check, store the connection). */
const config = loadConfig();

export const handler = createConnectHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  token: config.WS_TOKEN,
  now: Date.now,
  logger,
});
