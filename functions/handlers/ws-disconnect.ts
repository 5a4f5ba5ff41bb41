import { documentClient } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createDisconnectHandler } from "#app/feed/connections.js";
import { feedLimitsFrom } from "#domain/feed/limits.js";
import { createDynamoConnectionSlots } from "#store/dynamo/connection-slots.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";

/** Lambda entry: the WebSocket API's `$disconnect` route (forget the connection, give its slot back). */
const config = loadConfig();

export const handler = createDisconnectHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  slots: createDynamoConnectionSlots(
    documentClient,
    { state: config.STATE_TABLE, connections: config.CONNECTIONS_TABLE },
    feedLimitsFrom(config),
  ),
  logger,
});
