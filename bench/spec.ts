import type { DynamoCounts } from "./counters.js";

/** What the orchestrator (bench/tracking.ts) asks one scenario process to run, and what it reports back. */

/** What every scenario process is told, whatever it runs. */
interface BaseSpec {
  id: string;
  title: string;
  traders: number;
  /** HL_WEIGHT_PER_MINUTE and HL_WEIGHT_HEADROOM for this process; the simulator enforces the former. */
  weightPerMinute: number;
  headroom: number;
  /** Added by the simulator to every answer. */
  latencyMs: number;
  /** SQS pollers (each with one worker invocation in flight), as Lambda scales the mapping out. */
  pollers: number;
  simSeed: number;
}

export interface ScenarioSpec extends BaseSpec {
  /** Write the baseline straight into the traders table instead of running a baseline cycle. */
  seedBaseline: boolean;
  unchangedCycles: number;
  /** One more unchanged cycle with the pollers stopped while the dispatcher runs (CPU split). */
  splitCycle: boolean;
  /**
   * Unchanged cycles with the worker handler invoked directly on the SQS events the mapping would
   * deliver, without the dispatcher or the event source in the process: the worker's own CPU.
   */
  workerCycles: number;
  /** Share of traders made to trade before the last cycle (0: no changed cycle). */
  changedShare: number;
  /** Give up on a cycle after this long. */
  cycleTimeoutMs: number;
}

export type CycleKind = "baseline" | "unchanged" | "split" | "worker" | "changed";

export interface CycleResult {
  kind: CycleKind;
  traders: number;
  messages: number;
  /** Dispatch start to the last message deleted (a worker cycle: first invocation to the last return). */
  wallMs: number;
  /** Dispatch start to the dispatcher's return (its messages are all sent by then). */
  dispatchMs: number;
  /** process.cpuUsage() user+system over the whole cycle: dispatcher, worker, SDK clients, event source. */
  cpuMs: number;
  /** Of cpuMs, the synchronous time inside the weight budget's methods (measured by wrapping them). */
  budgetMs: number;
  dynamo: DynamoCounts;
  sim: { requests: Record<string, number>; weight: number; weightByType: Record<string, number>; faults: number };
  /** Tracking weight the process's own budget recorded (snapshot().totalByLane delta). */
  budgetWeight: number;
  /** Records the worker reported as failed (they would be redelivered). */
  failedRecords: number;
  /** For a split cycle: CPU of the dispatcher alone, then of the drain (worker + event source). */
  split?: { dispatchCpuMs: number; drainCpuMs: number };
  /** For a changed cycle: the trades made and the traders on either side of them. */
  activity?: { trades: number; touched: number };
}

export interface ScenarioResult {
  spec: ScenarioSpec;
  tables: { traders: string; events: string; fills: string; state: string };
  cycles: CycleResult[];
  budget: { limitPerMinute: number; usedInWindowAfterLastCycle: number; backoffs: number };
  setupMs: { populate: number; seed: number };
}

/**
 * Tracking on its real schedule for minutes at a time (bench/sustained.ts), against the exchange's
 * real rule, optionally with faults: what a trader's poll gap is when the budget, not the code,
 * is the limit.
 */
export interface SustainedSpec extends BaseSpec {
  intervalSeconds: number;
  /** Measured time, after one interval of warm-up. */
  measureSeconds: number;
  /** Injected for the measured time, then turned off while `recoverySeconds` more are watched. */
  faults?: { rate429: number; rate5xx: number };
  recoverySeconds?: number;
}

export interface SustainedResult {
  spec: SustainedSpec;
  /** Polls answered per minute over the measured time. */
  pollsPerMinute: number;
  /** Time between consecutive polls of one trader within the measured time, over all traders (ms). */
  gapMs: { p50: number; p99: number; max: number; count: number };
  /** Traders not polled at all in the measured time. */
  neverPolled: number;
  /** Requests the simulator saw in the measured time, and how many it refused by its weight rule or by an injected fault. */
  requests: number;
  refusedByRule: number;
  injected: { rateLimited: number; serverError: number };
  failedRecords: number;
  /** After the faults stopped: seconds until the poll rate was back at 90% of normal (null: not within the watch). */
  recoverySeconds: number | null;
  backoffs: number;
}
