import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange, weightBudget } from "#commons/clients/hyperliquid.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { withExchangeMetrics } from "#commons/metrics.js";
import { createDiscoveryHandler } from "#app/discovery.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";

/** Lambda entry: scheduled trader discovery. Composition only; the logic is in #domain/discovery. */
const config = loadConfig();

const discover = createDiscoveryHandler({
  exchange,
  budget: weightBudget,
  traders: createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE }),
  runState: createDynamoRunStateStore(documentClient, config.STATE_TABLE),
  logger,
  now: Date.now,
  ...(config.POPULAR_COINS !== undefined && { coins: config.POPULAR_COINS }),
  maxRunMs: config.DISCOVERY_MAX_RUN_SECONDS * 1000,
  maxTracked: config.MAX_TRACKED_TRADERS,
});

/** Each run's exchange traffic (requests, 429s, retries) goes to CloudWatch for the alarms. */
export const handler = withExchangeMetrics(discover, exchange);
