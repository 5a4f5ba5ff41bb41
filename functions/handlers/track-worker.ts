import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange, isBudgetTimeout, isPermanentExchangeError, weightBudget } from "#commons/clients/hyperliquid.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireTrackingQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { withExchangeMetrics } from "#commons/metrics.js";
import { createTrackWorker } from "#app/track-worker.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { createSqsQueue } from "#store/sqs-queue.js";

/** Lambda entry: the SQS tracking worker (partial batch responses). */
const config = loadConfig();
const queueUrl = requireTrackingQueueUrl(config, "tracking worker");

const track = createTrackWorker({
  exchange,
  budget: weightBudget,
  traders: createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE, events: config.EVENTS_TABLE }),
  fills: createDynamoFillStore(documentClient, config.FILLS_TABLE),
  runState: createDynamoRunStateStore(documentClient, config.STATE_TABLE),
  requeue: createSqsQueue(sqs, queueUrl),
  logger,
  now: Date.now,
  concurrency: config.TRACK_CONCURRENCY,
  isPermanent: isPermanentExchangeError,
  isBudgetTimeout,
});

/** Each batch's exchange traffic goes to CloudWatch; the partial batch response passes through as is. */
export const handler = withExchangeMetrics(track, exchange);
