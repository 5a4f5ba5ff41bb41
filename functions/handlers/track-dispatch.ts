import { documentClient } from "#commons/clients/dynamodb.js";
import { sqs } from "#commons/clients/sqs.js";
import { loadConfig, requireTrackingQueueUrl } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { trackingPollsPerInterval } from "#hyperliquid/from-config.js";
import { createDispatchHandler } from "#app/track-dispatch.js";
import { RECONCILE_SHARE } from "#domain/dispatch.js";
import { createSqsQueue } from "#store/sqs-queue.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import { streamDelivers } from "#domain/stream-status.js";

/** Lambda entry: scheduled tracking dispatch (fans active traders out over SQS). */

const config = loadConfig();
const queueUrl = requireTrackingQueueUrl(config, "tracking dispatcher");
const streamStatus = createDynamoStreamStatusStore(documentClient, config.STATE_TABLE);

export const handler = createDispatchHandler({
  traders: createDynamoTraderStore(documentClient, { traders: config.TRADERS_TABLE }),
  queue: createSqsQueue(sqs, queueUrl),
  runState: createDynamoRunStateStore(documentClient, config.STATE_TABLE),
  batchSize: config.TRACK_BATCH_SIZE,
  pollsPerInterval: trackingPollsPerInterval(config),
  intervalMs: config.TRACKING_INTERVAL_SECONDS * 1_000,
  now: Date.now,
  logger,
  // With the trades stream on, polling reconciles; whenever the stream is down it polls everyone.
  ...(config.TRADES_STREAM === "on" && {
    reconcile: {
      periodMs: config.RECONCILE_INTERVAL_SECONDS * 1_000,
      share: RECONCILE_SHARE,
      streamUp: async () => streamDelivers(await streamStatus.read(), Date.now()),
    },
  }),
});
