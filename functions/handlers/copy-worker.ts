import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange, weightBudget } from "#commons/clients/hyperliquid.js";
import { secretsManager } from "#commons/clients/secrets-manager.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { secretsManagerFetcher } from "#commons/secrets.js";
import { openLiveVenue } from "#app/copy/live-venue.js";
import { createAssetDirectory } from "#app/copy/live-venue-assets.js";
import { liveVenueDepsFromConfig } from "#app/copy/live-venue-deps.js";
import { copyMetricsPublisher, withExchangeMetrics } from "#commons/metrics.js";
import { createWebhookAlerts } from "#app/copy/alerts.js";
import { createCopyMarket, createLeaderSource } from "#app/copy/market.js";
import { createVenueFor } from "#app/copy/venues.js";
import { createCopyWorker } from "#app/copy/worker.js";
import { createCopyEngine } from "#domain/copy/engine.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoLeaderOpenings } from "#store/dynamo/leader-openings.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";

/** Lambda entry: the FIFO copy queue → one follower reconciled per message (partial batch responses). */
const config = loadConfig();

/** Orders are priced at the mids: at most a second old. */
const MIDS_TTL_MS = 1_000;

// Agent keys: `env:` from the process environment; in Lambda also `secretsmanager:` under
// COPY_AGENT_SECRET_PREFIX (the only secrets this function's role may read). Locally nothing is
// sent to Secrets Manager: such a follower pauses saying only env: keys are readable here.
// Orders pay the process's one weight budget.
const inLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
// One directory of the exchange's listings (`meta`, `perpDexs`) for the process: the market's
// szDecimals and the live venue's asset ids come from the same `meta` entries, read once.
const perps = createAssetDirectory(exchange, { now: Date.now });
const live = liveVenueDepsFromConfig(config, {
  mainnetInfo: exchange,
  mainnetAssets: perps,
  budget: weightBudget,
  logger,
  ...(inLambda && { fetchSecret: secretsManagerFetcher(secretsManager) }),
});

const engine = createCopyEngine({
  store: createDynamoFollowerStore(documentClient, config.FOLLOWERS_TABLE),
  leaders: createLeaderSource(createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE, events: config.EVENTS_TABLE }), exchange, {
    openings: createDynamoLeaderOpenings(documentClient, config.EVENTS_TABLE),
  }),
  market: createCopyMarket(perps, createHyperliquidMarks(exchange, { ttlMs: MIDS_TTL_MS, logger })),
  // Paper followers on their ledger; live ones on the exchange through their agent wallet.
  venueFor: createVenueFor((record) => openLiveVenue(live, record.config)),
  alert: createWebhookAlerts(logger),
  publishCounts: copyMetricsPublisher(),
  logger,
  now: Date.now,
});

export const handler = withExchangeMetrics(createCopyWorker({ engine, logger }), exchange);
