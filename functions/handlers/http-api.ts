import { handle } from "hono/aws-lambda";
import { documentClient, dynamodb } from "#commons/clients/dynamodb.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createApiApp, createDynamoApiStores, dynamoTableCheck } from "#api/index.js";

/** Lambda entry: the HTTP API behind API Gateway. */
const config = loadConfig();

export const handler = handle(
  createApiApp({
    ...createDynamoApiStores(dynamodb, documentClient, {
      traders: config.TRADERS_TABLE,
      events: config.EVENTS_TABLE,
      state: config.STATE_TABLE,
      connections: config.CONNECTIONS_TABLE,
    }),
    checks: [dynamoTableCheck(dynamodb, config.TRADERS_TABLE)],
    adminApiKey: config.ADMIN_API_KEY,
    logger,
  }),
);
