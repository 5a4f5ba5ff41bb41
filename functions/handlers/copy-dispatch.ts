import { documentClient } from "#commons/clients/dynamodb.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireCopyQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createCopyDispatch } from "#app/copy/dispatch.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";

/** Lambda entry: the events table's stream (INSERT) → one copy-queue message per follower of each event's trader. */
const config = loadConfig();

export const handler = createCopyDispatch({
  followers: createDynamoFollowerStore(documentClient, config.FOLLOWERS_TABLE),
  queue: createSqsFifoQueue(sqs, requireCopyQueueUrl(config, "copy dispatch")),
  logger,
});
