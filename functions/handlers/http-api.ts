import { handle } from "hono/aws-lambda";
import { documentClient, dynamodb } from "#commons/clients/dynamodb.js";
import { secretsManager } from "#commons/clients/secrets-manager.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { resolveSecretSetting, secretsManagerFetcher } from "#commons/secrets.js";
import { createHyperliquidClientFromConfig } from "#hyperliquid/client.js";
import { createDynamoBudgetLedgerFromConfig, createWeightBudgetFromConfig } from "#hyperliquid/from-config.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { freshnessRules } from "#domain/history/freshness.js";
import { baseWeight } from "#hyperliquid/weights.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { createApiApp, createDynamoApiStores, dynamoTableCheck } from "#api/index.js";

/** Lambda entry: the HTTP API behind API Gateway (payload format 2.0) and CloudFront. */
const config = loadConfig();

// Once per cold start; in AWS the key comes from Secrets Manager, never from the environment.
const adminApiKey = await resolveSecretSetting(config, "ADMIN_API_KEY", secretsManagerFetcher(secretsManager));
// What CloudFront adds to each request it forwards: without it a request is refused (#api/viewer.js).
const originSecret = await resolveSecretSetting(config, "ORIGIN_SECRET", secretsManagerFetcher(secretsManager));

// Mid prices for open positions: one allMids (weight 2) per 15 s per instance at most, paid from the
// weight budget every Lambda shares through the state table. The ledger's usual lease (1/20 of a
// minute's weight) would mostly expire unused here, so this budget leases what one request costs.
const marksBudget = createWeightBudgetFromConfig(config, {
  leaseChunk: baseWeight("allMids"),
  ...(config.HL_BUDGET_MODE !== "local" && { ledger: createDynamoBudgetLedgerFromConfig(config, documentClient) }),
});
const marks = createHyperliquidMarks(createHyperliquidClientFromConfig(config, marksBudget, logger), { logger });

export const handler = handle(
  createApiApp({
    ...createDynamoApiStores(dynamodb, documentClient, {
      traders: config.TRADERS_TABLE,
      events: config.EVENTS_TABLE,
      state: config.STATE_TABLE,
      connections: config.CONNECTIONS_TABLE,
      pages: config.PAGES_TABLE,
      followers: config.FOLLOWERS_TABLE,
    }),
    // Nudges the copy engine after a create, resume or close (optional until the stack hands the API the queue).
    ...(config.COPY_QUEUE_URL !== undefined && { copyQueue: createSqsFifoQueue(sqs, config.COPY_QUEUE_URL) }),
    marks,
    freshness: freshnessRules(config),
    checks: [dynamoTableCheck(dynamodb, config.TRADERS_TABLE)],
    adminApiKey,
    originSecret,
    logger,
  }),
);
