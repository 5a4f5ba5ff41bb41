import type { AppLogger } from "#commons/logger.js";
import type { Address } from "./address.js";
import { chunk } from "./concurrency.js";
import { encodeTrackBatch } from "./messages.js";
import type { QueuePort, RunStateStore, TraderStore } from "./ports.js";

/**
 * The tracking dispatcher: pages through every active trader and fans them out as messages of
 * `batchSize` traders, so the workers scale with the queue rather than one Lambda doing it all.
 */
export interface DispatchDeps {
  traders: TraderStore;
  queue: QueuePort;
  runState: RunStateStore;
  batchSize: number;
  now: () => number;
  logger: AppLogger;
}

/** Traders read per page of the active index. */
const PAGE = 1000;

export const dispatchTracking = async (
  deps: DispatchDeps,
): Promise<{ cycleId: string; traders: number; messages: number }> => {
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
