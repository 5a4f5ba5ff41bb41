import type { AppLogger } from "#commons/logger.js";
import type { Address } from "./address.js";
import { chunk } from "./concurrency.js";
import { encodeTrackBatch } from "./messages.js";
import type { QueuePort, RunStateStore, TraderStore } from "./ports.js";

/**
 * The tracking dispatcher: pages through every active trader and fans them out as messages of
 * `batchSize` traders, so the workers scale with the queue rather than one Lambda doing it all.
 *
 * When more is tracked than the weight budget can poll in one interval, the queue would grow
 * without end. So a tick is skipped while the previous cycle still has more traders left than the
 * budget can poll before the next tick: the workers stay busy with them, every trader is still
 * polled about once per cycle time, and the queue holds at most about one cycle more. A tick is
 * never skipped otherwise (the workers would sit idle until the next one), nor when the previous
 * cycle is MAX_SKIPPED_INTERVALS old (part of it may be lost, and its count never complete).
 */
export interface DispatchDeps {
  traders: TraderStore;
  queue: QueuePort;
  runState: RunStateStore;
  batchSize: number;
  /** Traders the weight budget can poll in one interval (its limit ÷ a poll's weight, per interval). */
  pollsPerInterval: number;
  intervalMs: number;
  now: () => number;
  logger: AppLogger;
}

export const MAX_SKIPPED_INTERVALS = 3;

/** Traders read per page of the active index. */
const PAGE = 1000;

export type DispatchResult =
  | { cycleId: string; traders: number; messages: number }
  | { skipped: true; previousCycleId: string; tradersLeft: number };

export const dispatchTracking = async (deps: DispatchDeps): Promise<DispatchResult> => {
  const previous = await deps.runState.latestCycle();
  if (previous !== null) {
    const tradersLeft = previous.traders - previous.completedTraders;
    const age = deps.now() - previous.dispatchedAt;
    if (tradersLeft >= deps.pollsPerInterval && age < MAX_SKIPPED_INTERVALS * deps.intervalMs) {
      deps.logger.warn("Tracking tick skipped: the previous cycle has more left than the budget polls in an interval", {
        previousCycleId: previous.cycleId,
        tradersLeft,
        pollsPerInterval: deps.pollsPerInterval,
      });
      return { skipped: true, previousCycleId: previous.cycleId, tradersLeft };
    }
  }
  const dispatchedAt = deps.now();
  const cycleId = new Date(dispatchedAt).toISOString();
  let buffer: Address[] = [];
  let traders = 0;
  let messages = 0;

  // Sends the full batches in the buffer (all of it when `all`), so messages stay full across pages.
  const flush = async (all: boolean): Promise<void> => {
    const n = all ? buffer.length : buffer.length - (buffer.length % deps.batchSize);
    if (n === 0) return;
    const batches = chunk(buffer.slice(0, n), deps.batchSize);
    buffer = buffer.slice(n);
    await deps.queue.sendAll(
      batches.map((b) => encodeTrackBatch({ cycle_id: cycleId, dispatched_at: dispatchedAt, traders: b })),
    );
    messages += batches.length;
    traders += n;
  };

  let cursor: string | undefined;
  do {
    const page = await deps.traders.pageActive(PAGE, cursor);
    cursor = page.cursor;
    buffer.push(...page.addresses);
    await flush(false);
  } while (cursor !== undefined);
  await flush(true);

  await deps.runState.recordCycle({ cycleId, dispatchedAt, messages, traders });
  deps.logger.info("Tracking cycle dispatched", { cycleId, traders, messages });
  return { cycleId, traders, messages };
};
