import type { Answered } from "#simulator/index.js";
import { startSqsEventSource } from "#local/event-source.js";
import { startScheduler } from "#local/scheduler.js";
import type { Pipeline } from "./pipeline.js";

/**
 * The pipeline on real triggers, as `npm start` runs it: the dispatcher on a schedule every
 * `intervalSeconds`, the worker behind an SQS event source (long polling, batches of 5, several
 * pollers), against the simulator. `polls` is the simulator's own log of who was polled when.
 */
export interface TrackingLoop {
  /** Successful clearinghouseState answers per trader (lowercase), wall time, oldest first. */
  polls: Map<string, number[]>;
  /** Every answer the simulator gave, in order. */
  answers: Answered[];
  stop(): Promise<void>;
}

export const startTrackingLoop = (p: Pipeline, o: { intervalSeconds: number; pollers?: number }): TrackingLoop => {
  const polls = new Map<string, number[]>();
  const answers: Answered[] = [];
  const unsubscribe = p.sim.onAnswer((a) => {
    answers.push(a);
    if (a.type !== "clearinghouseState" || a.status !== 200 || a.user === null) return;
    const user = a.user.toLowerCase();
    polls.set(user, [...(polls.get(user) ?? []), a.at]);
  });
  const scheduler = startScheduler([
    { name: "track-dispatch", intervalSeconds: o.intervalSeconds, timeoutSeconds: 50, handler: () => p.dispatch() },
  ]);
  const source = startSqsEventSource({
    functionName: "track-worker",
    handler: (event, context) => p.worker(event, context),
    client: p.queue.client,
    queueUrl: p.queue.queueUrl,
    queueArn: p.queue.queueArn,
    batchSize: 5,
    timeoutSeconds: 50,
    concurrency: o.pollers ?? 2,
    waitTimeSeconds: 1,
  });
  return {
    polls,
    answers,
    stop: async () => {
      await scheduler.stop();
      await source.stop();
      unsubscribe();
    },
  };
};

/** Longest time between consecutive polls within [from, to], the edges included. */
export const largestGap = (times: readonly number[], from: number, to: number): number => {
  const inside = times.filter((t) => t >= from && t <= to);
  const points = [from, ...inside, to];
  let worst = 0;
  for (let i = 1; i < points.length; i++) worst = Math.max(worst, points[i]! - points[i - 1]!);
  return worst;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
