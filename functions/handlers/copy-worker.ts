import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange } from "#commons/clients/hyperliquid.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { copyMetricsPublisher, withExchangeMetrics } from "#commons/metrics.js";
import { createWebhookAlerts } from "#app/copy/alerts.js";
import { createCopyMarket, createLeaderSource } from "#app/copy/market.js";
import { createVenueFor } from "#app/copy/venues.js";
import { createCopyWorker } from "#app/copy/worker.js";
import { createCopyEngine } from "#domain/copy/engine.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";

/** Lambda entry: the FIFO copy queue → one follower reconciled per message (partial batch responses). */
const config = loadConfig();

/** Orders are priced at the mids: at most a second old. */
const MIDS_TTL_MS = 1_000;

const engine = createCopyEngine({
  store: createDynamoFollowerStore(documentClient, config.FOLLOWERS_TABLE),
  leaders: createLeaderSource(createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE, events: config.EVENTS_TABLE }), exchange),
  market: createCopyMarket(exchange, createHyperliquidMarks(exchange, { ttlMs: MIDS_TTL_MS, logger })),
  // Paper followers only until the live venue's factory is passed here; live ones are paused (agent_key).
  venueFor: createVenueFor(),
  alert: createWebhookAlerts(logger),
  publishCounts: copyMetricsPublisher(),
  logger,
  now: Date.now,
});

export const handler = withExchangeMetrics(createCopyWorker({ engine, logger }), exchange);
