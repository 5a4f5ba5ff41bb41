import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createDisconnectHandler } from "#app/feed/connections.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";

/** Lambda entry: the WebSocket API's `$disconnect` route (forget the connection). */
const config = loadConfig();

export const handler = createDisconnectHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  logger,
});
