import { documentClient } from "#commons/clients/dynamodb.js";
import { secretsManager } from "#commons/clients/secrets-manager.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { resolveSecretSetting, secretsManagerFetcher } from "#commons/secrets.js";
import { createConnectHandler } from "#app/feed/connections.js";
import { feedLimitsFrom } from "#domain/feed/limits.js";
import { createDynamoConnectionSlots } from "#store/dynamo/connection-slots.js";
import { createDynamoConnectionStore } from "#store/dynamo/connections.js";

/** Lambda entry: the WebSocket API's `$connect` route (token check, connection caps, store the connection). */
const config = loadConfig();

// Once per cold start; undefined (no token required) unless WS_TOKEN or WS_TOKEN_SECRET_ARN is set.
const token = await resolveSecretSetting(config, "WS_TOKEN", secretsManagerFetcher(secretsManager));

export const handler = createConnectHandler({
  connections: createDynamoConnectionStore(documentClient, config.CONNECTIONS_TABLE),
  slots: createDynamoConnectionSlots(
    documentClient,
    { state: config.STATE_TABLE, connections: config.CONNECTIONS_TABLE },
    feedLimitsFrom(config),
  ),
  token,
  now: Date.now,
  logger,
  shards: config.FEED_SHARDS,
});
