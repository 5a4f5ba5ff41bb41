import { logger } from "#commons/logger.js";
import { openListenerStream } from "#app/listener-stream.js";
import { createStreamListener, type ListenerResult, type StreamListenerDeps } from "#app/stream-listener.js";
import type { StreamStatusStore } from "#domain/stream-status.js";
import type { TradesStreamOptions } from "#hyperliquid/trades-stream-types.js";
import { startScheduler, type Scheduler } from "#local/scheduler.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import type { Pipeline } from "./pipeline.js";

/**
 * The trades-stream listener on `npm start`'s own scheduler (a long-lived job: runs overlap, and
 * stop() takes their time away), against the simulator's WebSocket and the pipeline's tables,
 * queue and exchange client. Lifetimes and lease timings are shortened so hand-overs happen
 * within a test.
 */
export interface RunningListener {
  status: StreamStatusStore;
  results: ListenerResult[];
  scheduler: Scheduler;
  stop(): Promise<void>;
}

export interface ListenerOptions {
  /** The invocation's timeout (its lifetime). Default 900 s: no hand-over within a test. */
  timeoutSeconds?: number;
  /** How often a run is started. Default 60 s. */
  checkEverySeconds?: number;
  maxTrackedTraders?: number;
  coalesceMs?: number;
  stream?: Partial<TradesStreamOptions>;
  deps?: Partial<StreamListenerDeps>;
}

export const startListener = (p: Pipeline, o: ListenerOptions = {}): RunningListener => {
  const status = createDynamoStreamStatusStore(p.tables.doc, p.tables.names.state);
  const results: ListenerResult[] = [];
  const listen = createStreamListener({
    exchange: p.exchange,
    traders: p.traders,
    status,
    openStream: openListenerStream({ HYPERLIQUID_API_URL: p.sim.url, HYPERLIQUID_WS_URL: p.sim.wsUrl }, logger, {
      backoff: { initialMs: 100, maxMs: 1_000 },
      ...o.stream,
    }),
    track: p.trackLive,
    requeue: p.queuePort,
    logger,
    now: Date.now,
    maxTrackedTraders: o.maxTrackedTraders ?? 0,
    wrapUpMs: 1_000,
    lease: { staleMs: 3_000, handoverMs: 4_000 },
    intervals: { heartbeatMs: 500, trackedRefreshMs: 1_000, discoveryMs: 1_000 },
    ...(o.coalesceMs !== undefined && { coalesceMs: o.coalesceMs }),
    ...o.deps,
  });
  const scheduler = startScheduler([
    {
      name: "stream-listener",
      intervalSeconds: o.checkEverySeconds ?? 60,
      timeoutSeconds: o.timeoutSeconds ?? 900,
      handler: async (event, context) => {
        const r = await listen(event, context);
        results.push(r);
        return r;
      },
      longLived: true,
    },
  ]);
  return { status, results, scheduler, stop: () => scheduler.stop() };
};
