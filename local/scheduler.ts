import type { Context } from "aws-lambda";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { createLambdaContext, invokeWithTimeout } from "./lambda-context.js";

/**
 * The local stand-in for EventBridge Scheduler: runs each handler at a fixed rate. Unlike the cloud,
 * a run never overlaps the previous one of the same schedule (locally they would share one process
 * and one rate-limit budget, and piling up runs only hides that a handler is too slow).
 */

/** What the handler receives; the cloud schedule passes a similar small JSON input. */
export interface LocalScheduleEvent {
  source: "local.scheduler";
  /** ISO-8601 time the run was due. */
  time: string;
  schedule: string;
}

export interface ScheduledJob {
  name: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  memoryMb?: number;
  handler: (event: LocalScheduleEvent, context: Context) => unknown;
  /** With runOnStart: the first run waits for this job's first run to finish (its interval timer does not). */
  firstRunAfter?: string;
  /**
   * A run that lives as long as its invocation (the trades-stream listener): as in the cloud, the
   * next run starts while one is going (at most two at once; the handler decides whether to
   * stay), and stop() ends the running ones by taking their remaining time away.
   */
  longLived?: true;
}

export interface SchedulerOptions {
  /** Run every job once right after start instead of waiting a full interval (default true). */
  runOnStart?: boolean;
  region?: string;
  logger?: AppLogger;
}

export interface Scheduler {
  /** Runs a job now unless it is already running; resolves to whether it ran, once it has finished. */
  runNow(name: string): Promise<boolean>;
  /** Cancels future runs and waits for the running ones. */
  stop(): Promise<void>;
}

export const startScheduler = (jobs: readonly ScheduledJob[], options: SchedulerOptions = {}): Scheduler => {
  const log = options.logger ?? defaultLogger;
  const running = new Map<string, Promise<void>>();
  /** Runs of long-lived jobs, which may overlap. */
  const living = new Map<string, Set<Promise<void>>>();
  const shutdown = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`Two schedules are named ${job.name}`);
    names.add(job.name);
    if (!(job.intervalSeconds > 0)) throw new RangeError(`Schedule ${job.name}: intervalSeconds must be > 0`);
  }
  for (const job of jobs) {
    if (job.firstRunAfter === undefined) continue;
    const target = jobs.find((j) => j.name === job.firstRunAfter);
    if (target === undefined) throw new Error(`Schedule ${job.name} waits for ${job.firstRunAfter}, which is not scheduled`);
    // One level only: enough for the leaderboard after discovery, and no cycles to detect.
    if (target.firstRunAfter !== undefined) throw new Error(`Schedule ${job.name} waits for ${target.name}, which waits itself`);
  }

  const execute = async (job: ScheduledJob): Promise<void> => {
    const event: LocalScheduleEvent = { source: "local.scheduler", time: new Date().toISOString(), schedule: job.name };
    const context = createLambdaContext({
      functionName: job.name,
      timeoutSeconds: job.timeoutSeconds,
      ...(job.memoryMb !== undefined && { memoryMb: job.memoryMb }),
      ...(options.region !== undefined && { region: options.region }),
      ...(job.longLived && { shutdown: shutdown.signal }),
    });
    const started = Date.now();
    const outcome = await invokeWithTimeout((ctx) => job.handler(event, ctx), context);
    const meta = { schedule: job.name, requestId: context.awsRequestId, durationMs: Date.now() - started };
    if (outcome.status === "failed") log.error("Scheduled run failed", { ...meta, error: outcome.error });
    else if (outcome.status === "timedOut") log.error(`Scheduled run timed out after ${job.timeoutSeconds} s`, meta);
    else log.debug("Scheduled run finished", meta);
  };

  /** Starts a run unless one is going; returns the run, or undefined when skipped. */
  const trigger = (job: ScheduledJob): Promise<void> | undefined => {
    if (stopped) return undefined;
    if (job.longLived) {
      const runs = living.get(job.name) ?? new Set<Promise<void>>();
      living.set(job.name, runs);
      if (runs.size >= 2) return undefined;
      const run = execute(job).finally(() => runs.delete(run));
      runs.add(run);
      return run;
    }
    if (running.has(job.name)) {
      log.warn("Previous run still going; skipping this one", { schedule: job.name });
      return undefined;
    }
    const run = execute(job).finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  };

  const firstRuns = new Map<string, Promise<void>>();
  for (const job of jobs) {
    timers.push(setInterval(() => void trigger(job), job.intervalSeconds * 1000));
    if (!(options.runOnStart ?? true)) continue;
    if (job.firstRunAfter === undefined) firstRuns.set(job.name, trigger(job) ?? Promise.resolve());
  }
  // Then the waiting ones (a job it waits for may come later in the list); a failed run still
  // releases them, since execute() never rejects.
  for (const job of jobs) {
    if (!(options.runOnStart ?? true) || job.firstRunAfter === undefined) continue;
    void (firstRuns.get(job.firstRunAfter) ?? Promise.resolve()).then(() => trigger(job));
  }

  return {
    runNow: async (name) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`No schedule named ${name}`);
      const run = trigger(job);
      if (!run) return false;
      await run;
      return true;
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      shutdown.abort();
      await Promise.all([...running.values(), ...[...living.values()].flatMap((runs) => [...runs])]);
    },
  };
};
