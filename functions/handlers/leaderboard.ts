import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange, perpUniverse, weightBudget } from "#commons/clients/hyperliquid.js";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { leaderboardMetricsPublisher, withExchangeMetrics } from "#commons/metrics.js";
import { createHistorySource } from "#app/leaderboard/history-source.js";
import { freshnessRules } from "#domain/history/freshness.js";
import { createLeaderboardHandler } from "#app/leaderboard/handler.js";
import { scoreRows } from "#domain/metrics/score.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoLiquidationMarker } from "#store/dynamo/liquidations.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";

/** Lambda entry: the scheduled leaderboard job. Composition only; the logic is in #domain/leaderboard-job. */
const config = loadConfig();
const historyStore = createDynamoHistoryStore(documentClient, { fills: config.FILLS_TABLE, state: config.STATE_TABLE });
const maxAgeMs = config.HISTORY_MAX_AGE_HOURS * 3_600_000;

const rank = createLeaderboardHandler({
  directory: createDynamoTraderDirectory(documentClient, config.TRADERS_TABLE),
  history: createHistorySource(
    {
      exchange,
      store: historyStore,
      fills: createDynamoFillStore(documentClient, config.FILLS_TABLE),
      universe: perpUniverse,
      traders: createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE }),
      events: createDynamoLiquidationMarker(documentClient, config.EVENTS_TABLE),
      now: Date.now,
      logger,
    },
    historyStore,
    { maxPages: config.HISTORY_MAX_PAGES, portfolioMaxAgeMs: maxAgeMs },
    freshnessRules(config),
  ),
  score: scoreRows,
  snapshots: createDynamoLeaderboardStore(documentClient, config.STATE_TABLE),
  pages: createDynamoTraderPagesStore(documentClient, config.PAGES_TABLE),
  logger,
  now: Date.now,
  concurrency: config.LEADERBOARD_CONCURRENCY,
  syncDeadlineMs: config.LEADERBOARD_SYNC_SECONDS * 1000,
  budget: weightBudget,
});

const publishRun = leaderboardMetricsPublisher();

/** Each run's history health and exchange traffic (history fetches, 429s, retries) go to CloudWatch for the alarms. */
export const handler = withExchangeMetrics(async (event: unknown) => {
  const summary = await rank(event);
  publishRun({ StaleTraderPercent: 100 * summary.staleShare, HistoryEntriesSetAside: summary.entriesSetAside });
  return summary;
}, exchange);
