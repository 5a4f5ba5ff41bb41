import type { AppLogger } from "#commons/logger.js";
import { copyQueueMessage } from "#domain/copy/messages.js";
import type { FollowerRecord, FollowerStore } from "#domain/copy/ports.js";
import type { OrderedQueue } from "#domain/feed/ports.js";

/**
 * The periodic reconciliation: every active follower (and a stopped or paused one still closing
 * its positions) gets `reconcile:<ms>`, events or not, so a dropped event, a partial fill or a
 * leader's change tracking saw without an event is traded within an interval or two. `<ms>` is
 * the run's time floored to the interval: two overlapping runs queue the same deduplication id, once.
 *
 * An active follower whose last run committed within the last interval is left out: every run
 * reconciles the whole follower (all its leaders, its actual account), so such a one was
 * reconciled already, and a change since is traded by its next run or, at the latest, by the next
 * reconciliation. Queuing everyone at once put a burst of runs ahead of the leader events that
 * arrived meanwhile, and spent a `clearinghouseState` per live follower for nothing.
 */
export interface CopyReconcileDeps {
  followers: Pick<FollowerStore, "list" | "lastRuns">;
  queue: OrderedQueue;
  intervalSeconds: number;
  logger: AppLogger;
  now(): number;
}

const PAGE = 100;

export const needsReconcile = (r: FollowerRecord): boolean => r.state === "active" || r.closeRequested;

export const createCopyReconcile = (deps: CopyReconcileDeps) => async (): Promise<{ followers: number; recent: number }> => {
  const intervalMs = deps.intervalSeconds * 1000;
  const now = deps.now();
  const at = Math.floor(now / intervalMs) * intervalMs;
  let cursor: string | undefined;
  let queued = 0;
  let recent = 0;
  do {
    const page = await deps.followers.list({ limit: PAGE, ...(cursor !== undefined && { cursor }) });
    const due = page.items.filter(needsReconcile);
    const lastRuns = await deps.followers.lastRuns(due.filter((r) => !r.closeRequested).map((r) => r.id));
    const ranRecently = (r: FollowerRecord) => !r.closeRequested && (lastRuns.get(r.id) ?? Number.NEGATIVE_INFINITY) > now - intervalMs;
    recent += due.filter(ranRecently).length;
    const messages = due
      .filter((r) => !ranRecently(r))
      .map((r) => copyQueueMessage({ v: 1, follower_id: r.id, event_id: `reconcile:${at}`, leader: null, coin: null, signal_at: at }));
    if (messages.length > 0) {
      const result = await deps.queue.sendInOrder(messages);
      if (result.sent < messages.length) throw new Error("Could not queue the followers' reconciliations", { cause: result.error });
    }
    queued += messages.length;
    cursor = page.cursor;
  } while (cursor !== undefined);
  deps.logger.info("Followers queued for reconciliation", { followers: queued, ranWithinTheInterval: recent, at });
  return { followers: queued, recent };
};
