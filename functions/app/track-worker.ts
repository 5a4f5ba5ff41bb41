import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import type { WeightBudget } from "#domain/budget.js";
import { encodeTrackBatch, trackBatchMessageSchema, type TrackBatchMessage } from "#domain/messages.js";
import type { QueuePort, RunStateStore } from "#domain/ports.js";
import { parseMessageBody } from "./sqs-message.js";
import { summarize, trackTraders, type TrackOutcome, type TrackingDeps, type TrackingSummary } from "#domain/tracking.js";

/**
 * The tracking worker: one SQS message = one batch of traders. Waiting for weight never fails a
 * message: each poll waits for its own weight until the invocation must wrap up, and the traders
 * not polled by then (or failed transiently) go back on the queue as a message of their own, so
 * they are polled again within seconds, not after the visibility timeout, and the traders already
 * polled are not polled twice. Retrying is safe anyway: the diff runs against what was stored and
 * event ids are deterministic, so a redelivered message cannot produce a duplicate event.
 */
export interface TrackWorkerDeps extends TrackingDeps {
  runState: RunStateStore;
  budget: WeightBudget;
  /** The tracking queue, for the traders a message hands back. */
  requeue: QueuePort;
  logger: AppLogger;
}

/** Leave this much of the invocation for polling and writing once the budget grants the weight. */
const WORK_MARGIN_MS = 15_000;
/**
 * A trader whose poll failed after the client's own retries is handed back this many times; after
 * that the next cycle polls him (the failure is recorded on the trader, and nothing is lost: the
 * next good poll diffs against what was stored).
 */
export const MAX_HANDBACK_RETRIES = 3;

const addressesWith = (outcomes: readonly TrackOutcome[], status: TrackOutcome["status"]) =>
  outcomes.filter((o) => o.status === status).map((o) => o.address);

export const createTrackWorker = (deps: TrackWorkerDeps) => {
  const parse = (record: SQSRecord): TrackBatchMessage => parseMessageBody(record, trackBatchMessageSchema, "a tracking batch");

  /** Sends the deferred and (while retries last) the failed traders back; returns how many it sent and whom it left. */
  const handBack = async (message: TrackBatchMessage, outcomes: readonly TrackOutcome[]) => {
    const deferred = addressesWith(outcomes, "deferred");
    const failed = addressesWith(outcomes, "failed");
    const retried = message.retries < MAX_HANDBACK_RETRIES ? failed : [];
    const traders = [...deferred, ...retried];
    if (traders.length > 0) {
      const retries = message.retries + (retried.length > 0 ? 1 : 0);
      const { cycle_id, dispatched_at, traded_at } = message;
      await deps.requeue.sendAll([encodeTrackBatch({ cycle_id, dispatched_at, traders, retries, traded_at })]);
    }
    return { handedBack: traders.length, leftToNextCycle: retried.length === failed.length ? [] : failed };
  };

  const processRecord = async (record: SQSRecord, invocation?: Context): Promise<TrackingSummary> => {
    const message = parse(record);
    const started = performance.now();
    const remaining = invocation?.getRemainingTimeInMillis();
    const budgetDeadline = remaining !== undefined ? deps.now() + Math.max(0, remaining - WORK_MARGIN_MS) : undefined;
    const outcomes = await trackTraders(message.traders, deps, {
      ...(budgetDeadline !== undefined && { budgetDeadline }),
      ...(message.traded_at.size > 0 && { tradedAt: message.traded_at }),
    });
    const summary = summarize(outcomes);
    // If the hand-back cannot be sent, the message fails as a whole and SQS delivers it again.
    const { handedBack, leftToNextCycle } = await handBack(message, outcomes);
    deps.logger.info("Tracking batch done", {
      messageId: record.messageId,
      cycleId: message.cycle_id,
      ...summary,
      handedBack,
      ms: Math.round(performance.now() - started),
      // Weight this process has spent on tracking in the current minute (all batches).
      weightUsedThisMinute: deps.budget.snapshot().usedByLane.tracking,
    });
    if (leftToNextCycle.length > 0) {
      deps.logger.warn("Tracking failed again after retries; the next cycle polls these traders", {
        cycleId: message.cycle_id,
        traders: leftToNextCycle,
      });
    }
    const polled = summary.traders - summary.deferred - summary.failed;
    if (polled > 0) await deps.runState.recordBatchDone(message.cycle_id, polled, deps.now());
    return summary;
  };

  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    // A processor per invocation: it holds the batch's results, and the local runtime may run
    // several invocations of this handler at once in one process.
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), context !== undefined ? { context } : undefined);
};
