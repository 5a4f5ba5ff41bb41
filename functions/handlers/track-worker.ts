import { documentClient } from "#commons/clients/dynamodb.js";
import { exchange, weightBudget } from "#commons/clients/hyperliquid.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireTrackingQueueUrl } from "#commons/config.js";
import { withExchangeMetrics } from "#commons/metrics.js";
import { createTrackWorker } from "#app/track-worker.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createSqsQueue } from "#store/sqs-queue.js";
import { trackingDepsFrom } from "./tracking-deps.js";

/** Lambda entry: the SQS tracking worker (partial batch responses). */
const config = loadConfig();
const queueUrl = requireTrackingQueueUrl(config, "tracking worker");

const track = createTrackWorker({
  ...trackingDepsFrom(config),
  budget: weightBudget,
  runState: createDynamoRunStateStore(documentClient, config.STATE_TABLE),
  requeue: createSqsQueue(sqs, queueUrl),
});

/** Each batch's exchange traffic goes to CloudWatch; the partial batch response passes through as is. */
export const handler = withExchangeMetrics(track, exchange);
