import { handle } from "hono/aws-lambda";
import { documentClient, dynamodb } from "#commons/clients/dynamodb.js";
import { secretsManager } from "#commons/clients/secrets-manager.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { resolveSecretSetting, secretsManagerFetcher } from "#commons/secrets.js";
import { createApiApp, createDynamoApiStores, dynamoTableCheck } from "#api/index.js";

/** Lambda entry: the HTTP API behind API Gateway (payload format 2.0) and CloudFront. */
const config = loadConfig();

// Once per cold start; in AWS the key comes from Secrets Manager, never from the environment.
const adminApiKey = await resolveSecretSetting(config, "ADMIN_API_KEY", secretsManagerFetcher(secretsManager));

export const handler = handle(
  createApiApp({
    ...createDynamoApiStores(dynamodb, documentClient, {
      traders: config.TRADERS_TABLE,
      events: config.EVENTS_TABLE,
      state: config.STATE_TABLE,
      connections: config.CONNECTIONS_TABLE,
    }),
    checks: [dynamoTableCheck(dynamodb, config.TRADERS_TABLE)],
    adminApiKey,
    logger,
  }),
);
