import { documentClient } from "#commons/clients/dynamodb.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig } from "#commons/config.js";
import { ConfigError } from "#commons/errors.js";
import { logger } from "#commons/logger.js";
import { createDispatchHandler } from "#app/track-dispatch.js";
import { createSqsQueue } from "#store/sqs-queue.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";

/** Lambda entry: scheduled tracking dispatch (fans active traders out over SQS). */
const config = loadConfig();
if (config.TRACKING_QUEUE_URL === undefined) {
  throw new ConfigError("TRACKING_QUEUE_URL must be set for the tracking dispatcher");
}

export const handler = createDispatchHandler({
  traders: createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE }),
  queue: createSqsQueue(sqs, config.TRACKING_QUEUE_URL),
  runState: createDynamoRunStateStore(documentClient, config.STATE_TABLE),
  batchSize: config.TRACK_BATCH_SIZE,
  now: Date.now,
  logger,
});
