import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange, isBudgetTimeout, isPermanentExchangeError, perpUniverse } from "#commons/clients/hyperliquid.js";
import type { Config } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import type { TrackingDeps } from "#domain/tracking.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";

/**
 * What a poll needs, composed once for the two functions that poll traders (the tracking worker
 * and the stream listener), so both track with the same stores, concurrency and error rules.
 * Not a Lambda entry itself.
 */
export const trackingDepsFrom = (config: Config): TrackingDeps => ({
  exchange,
  universe: perpUniverse,
  traders: createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE, events: config.EVENTS_TABLE }),
  fills: createDynamoFillStore(documentClient, config.FILLS_TABLE),
  logger,
  now: Date.now,
  concurrency: config.TRACK_CONCURRENCY,
  isPermanent: isPermanentExchangeError,
  isBudgetTimeout,
});
