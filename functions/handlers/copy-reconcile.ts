import { documentClient } from "#commons/clients/dynamodb.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireCopyQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { createCopyReconcile } from "#app/copy/reconcile.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";

/** Lambda entry (every COPY_RECONCILE_INTERVAL_SECONDS): a reconciliation message per active or closing follower. */
const config = loadConfig();

export const handler = createCopyReconcile({
  followers: createDynamoFollowerStore(documentClient, config.FOLLOWERS_TABLE),
  queue: createSqsFifoQueue(sqs, requireCopyQueueUrl(config, "copy reconcile")),
  intervalSeconds: config.COPY_RECONCILE_INTERVAL_SECONDS,
  logger,
  now: Date.now,
});
