import type { AppLogger } from "#commons/logger.js";
import type { FeedCounts } from "#commons/metrics.js";

/**
 * Publishes an invocation's feed counts (#commons/metrics.js FEED_METRICS) when any is above 0:
 * the alarms treat missing data as none. A failure to publish is logged, never the invocation's.
 */
export const publishFeedCounts = (publish: ((counts: FeedCounts) => void) | undefined, logger: AppLogger, counts: FeedCounts): void => {
  if (publish === undefined || Object.values(counts).every((n) => n === 0)) return;
  try {
    publish(counts);
  } catch (error) {
    logger.warn("Could not publish feed metrics", { error });
  }
};
