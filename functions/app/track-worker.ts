import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import { ValidationError } from "#commons/errors.js";
import type { WeightBudget } from "#domain/budget.js";
import { trackBatchMessageSchema } from "#domain/messages.js";
import type { RunStateStore } from "#domain/ports.js";
import { summarize, trackTraders, type TrackingDeps, type TrackingSummary } from "#domain/tracking.js";

/**
 * The tracking worker: one SQS message = one batch of traders. Each message succeeds or fails on
 * its own (partial batch response), so one bad trader can only ever cause its own message to be
 * retried, never the batch. Retrying is safe: the diff runs against what was stored, and event ids
 * are deterministic, so a redelivered message cannot produce a duplicate event.
 */
export interface TrackWorkerDeps extends TrackingDeps {
  runState: RunStateStore;
  budget: WeightBudget;
  logger: AppLogger;
}

export class TransientTrackingError extends Error {}

/** Leave this much of the invocation for polling and writing once the budget grants the weight. */
const WORK_MARGIN_MS = 15_000;

export const createTrackWorker = (deps: TrackWorkerDeps) => {
  const processRecord = async (record: SQSRecord, invocation?: Context): Promise<TrackingSummary> => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (cause) {
      throw new ValidationError(`Message ${record.messageId} is not JSON`, { cause });
    }
    const parsed = trackBatchMessageSchema.safeParse(body);
    if (!parsed.success) {
      throw new ValidationError(`Message ${record.messageId} is not a tracking batch: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    }
    const message = parsed.data;
    const started = performance.now();
    const remaining = invocation?.getRemainingTimeInMillis();
    const outcomes = await trackTraders(
      message.traders,
      deps,
      remaining !== undefined ? { budgetWaitMs: Math.max(0, remaining - WORK_MARGIN_MS) } : {},
    );
    const summary = summarize(outcomes);
    deps.logger.info("Tracking batch done", {
      messageId: record.messageId,
      cycleId: message.cycle_id,
      ...summary,
      ms: Math.round(performance.now() - started),
      // Weight this process has spent on tracking in the current minute (all batches).
      weightUsedThisMinute: deps.budget.snapshot().usedByLane.tracking,
    });
    if (summary.failed > 0) {
      // Transient trouble (timeouts, 5xx after retries): let SQS redeliver the message. Traders
      // already committed will diff as unchanged then, so nothing is recorded twice.
      const failed = outcomes.filter((o) => o.status === "failed").map((o) => o.address);
      throw new TransientTrackingError(`Tracking failed for ${failed.length} trader(s): ${failed.join(", ")}`);
    }
    await deps.runState.recordBatchDone(message.cycle_id, message.traders.length, deps.now());
    return summary;
  };

  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    // A processor per invocation: it holds the batch's results, and the local runtime may run
    // several invocations of this handler at once in one process.
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), context !== undefined ? { context } : undefined);
};
