import type { AppLogger } from "#commons/logger.js";
import type { Address } from "./address.js";
import type { StreamFill } from "./stream-fills.js";
import type { LiveFills, TrackOutcome } from "./tracking.js";

/**
 * Turns the trades stream's fills into targeted polls. An order that fills against many makers
 * arrives as many trades within milliseconds; waiting `coalesceMs` after a trader's first new
 * fill makes them one poll. A trader is polled by one call at a time; fills that arrive meanwhile
 * wait for the next. A poll whose snapshot does not show the fills yet (`lagging`) or that failed
 * is tried again after a short delay, the last time fetching the fills; a trader still not done
 * then is handed off to the tracking queue, so nothing the stream showed is dropped.
 *
 * On stop, the traders still pending get their last try at once (it fetches their fills where
 * the stream's do not explain the change, so it needs no more of the stream), until a deadline;
 * only those left then are handed off. A successor listener waits for that (`hold`): it may
 * lack these fills (the trades subscribing sends are only the last few per coin), and a poll
 * that stored its subset first would leave trades that net to nothing behind no event.
 */
export interface LiveTrackerDeps {
  track: (addresses: Address[], live: LiveFills) => Promise<TrackOutcome[]>;
  /**
   * Polls these traders another way (the tracking queue's worker), each with the exchange time of
   * his newest fill not yet stored, so that the worker fetches his fills even where the snapshot
   * shows no change.
   */
  handOff: (traded: ReadonlyMap<Address, number>) => Promise<void>;
  /** No poll starts before this settles (a predecessor still storing what it saw); fills wait. */
  hold?: Promise<unknown>;
  logger: AppLogger;
  now?: () => number;
  /** Wait after a trader's first new fill before polling him. Default 250 ms. */
  coalesceMs?: number;
  /** Delays before each retry of a lagging or failed poll; the last retry fetches the fills. Default 250, 750, 2,000 ms. */
  retryDelaysMs?: readonly number[];
  /** Traders per track call. Default 25. */
  maxBatch?: number;
  /** Track calls at once. Default 4. */
  maxInFlight?: number;
  /** Told of every finished poll (its outcome and the fills it was asked about). */
  onOutcome?: (outcome: TrackOutcome, fills: readonly StreamFill[]) => void;
}

export interface LiveTrackerStats {
  pending: number;
  /** When the oldest fill still waiting to be stored arrived; null when none waits. */
  oldestPendingAt: number | null;
  inFlight: number;
  polls: number;
  changed: number;
  lagging: number;
  failed: number;
  handedOff: number;
}

export interface LiveTracker {
  add(fills: ReadonlyMap<Address, readonly StreamFill[]>): void;
  /**
   * Takes no more fills; gives every trader still pending his last try until `drainUntil`
   * (default: none), waits for the polls under way, and hands off the rest; resolves to how many
   * were handed off.
   */
  stop(opts?: { drainUntil?: number }): Promise<number>;
  stats(): LiveTrackerStats;
}

interface Entry {
  /** When the first of these fills arrived (kept across retries). */
  since: number;
  fills: StreamFill[];
  /** Fills that came while a poll of this trader was under way. */
  later: StreamFill[];
  attempt: number;
  dueAt: number;
  running: boolean;
}

/**
 * Done with these fills: what was stored, or not stored for a reason no retry changes. `invalid`
 * (a malformed or refused answer) is not among them: such an answer is often the exchange's
 * passing fault, so it is retried like any failure (the failure keeps the fills' time on the
 * trader, so that whoever polls him next fetches them, #domain/tracking.js).
 */
const SETTLED = new Set<TrackOutcome["status"]>(["unchanged", "baseline", "changed", "untracked"]);

export const createLiveTracker = (deps: LiveTrackerDeps): LiveTracker => {
  const now = deps.now ?? Date.now;
  const coalesceMs = deps.coalesceMs ?? 250;
  const retryDelays = deps.retryDelaysMs ?? [250, 750, 2_000];
  const lastTry = retryDelays.length;
  const maxBatch = deps.maxBatch ?? 25;
  const maxInFlight = deps.maxInFlight ?? 4;
  const entries = new Map<Address, Entry>();
  const running = new Set<Promise<void>>();
  const stats = { polls: 0, changed: 0, lagging: 0, failed: 0, handedOff: 0 };
  let timer: NodeJS.Timeout | undefined;
  /** Fills are taken until stop; polls run until stop, or until the drain's deadline. */
  let accepting = true;
  let polling = true;
  let held = deps.hold !== undefined;
  const unhold = (): void => {
    held = false;
    schedule();
  };
  void deps.hold?.then(unhold, unhold);

  const schedule = (): void => {
    if (!polling || held) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (running.size >= maxInFlight) return;
    let next = Infinity;
    for (const e of entries.values()) if (!e.running && e.dueAt < next) next = e.dueAt;
    if (next === Infinity) return;
    timer = setTimeout(flush, Math.max(0, next - now()));
  };

  /** The exchange time of the trader's newest fill not yet stored. */
  const newestFill = (e: Entry): number => Math.max(...e.fills.map((f) => f.time), ...e.later.map((f) => f.time));

  const handOff = async (traded: Map<Address, number>): Promise<void> => {
    if (traded.size === 0) return;
    try {
      await deps.handOff(traded);
      stats.handedOff += traded.size;
    } catch (error) {
      // The reconciliation sweep still polls them; say so loudly.
      deps.logger.error("Handing traders off to the tracking queue failed; the reconciliation sweep will poll them", {
        traders: traded.size,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  const settle = async (address: Address, outcome: TrackOutcome): Promise<void> => {
    const e = entries.get(address);
    if (e === undefined) return;
    e.running = false;
    deps.onOutcome?.(outcome, e.fills);
    if (outcome.status === "changed") stats.changed++;
    if (SETTLED.has(outcome.status)) {
      if (e.later.length === 0) entries.delete(address);
      else entries.set(address, { since: now(), fills: e.later, later: [], attempt: accepting ? 0 : lastTry, dueAt: now() + (accepting ? coalesceMs : 0), running: false });
      return;
    }
    // lagging, conflict (someone else stored a newer state: ask again), failed, invalid, deferred.
    if (outcome.status === "lagging") stats.lagging++;
    if (outcome.status === "failed" || outcome.status === "invalid" || outcome.status === "deferred") stats.failed++;
    if (e.attempt >= lastTry) {
      entries.delete(address);
      deps.logger.warn("A live poll did not succeed after retries; handing the trader to the tracking queue", {
        address,
        status: outcome.status,
        error: outcome.error,
      });
      await handOff(new Map([[address, newestFill(e)]]));
      return;
    }
    // Draining: no more fills will come, so the retry is the last try, at once.
    const attempt = accepting ? e.attempt + 1 : lastTry;
    const dueAt = now() + (accepting ? (retryDelays[e.attempt] ?? 0) : 0);
    entries.set(address, { since: e.since, fills: [...e.fills, ...e.later], later: [], attempt, dueAt, running: false });
  };

  const run = async (batch: Address[]): Promise<void> => {
    const fills = new Map<Address, StreamFill[]>();
    let final = false;
    for (const a of batch) {
      const e = entries.get(a)!;
      fills.set(a, e.fills);
      if (e.attempt >= lastTry) final = true;
    }
    stats.polls += batch.length;
    let outcomes: TrackOutcome[];
    try {
      outcomes = await deps.track(batch, { fills, final });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcomes = batch.map((address) => ({ address, status: "failed", events: [], error: message }));
    }
    const byAddress = new Map(outcomes.map((o) => [o.address, o]));
    for (const a of batch) {
      await settle(a, byAddress.get(a) ?? { address: a, status: "failed", events: [], error: "no outcome" });
    }
  };

  function flush(): void {
    timer = undefined;
    if (!polling || held) return;
    const t = now();
    while (running.size < maxInFlight) {
      // Final tries go alone: they may fetch fills, which the others should not wait for.
      const due = [...entries.entries()].filter(([, e]) => !e.running && e.dueAt <= t);
      if (due.length === 0) break;
      const finals = due.filter(([, e]) => e.attempt >= lastTry);
      const pick = (finals.length > 0 ? finals.slice(0, 1) : due.slice(0, maxBatch)).map(([a]) => a);
      for (const a of pick) entries.get(a)!.running = true;
      const p = run(pick).finally(() => {
        running.delete(p);
        schedule();
      });
      running.add(p);
    }
    schedule();
  }

  const settled = async (): Promise<void> => {
    while (running.size > 0) await Promise.all([...running]);
  };

  return {
    add(byTrader) {
      if (!accepting) return;
      const t = now();
      for (const [address, fills] of byTrader) {
        if (fills.length === 0) continue;
        const e = entries.get(address);
        if (e === undefined) entries.set(address, { since: t, fills: [...fills], later: [], attempt: 0, dueAt: t + coalesceMs, running: false });
        else if (e.running) e.later.push(...fills);
        else e.fills.push(...fills);
      }
      schedule();
    },

    async stop({ drainUntil } = {}) {
      accepting = false;
      const before = stats.handedOff;
      if (drainUntil !== undefined && !held) {
        // No more fills will come: waiting serves nothing, and the last try needs none.
        for (const e of entries.values()) if (!e.running) Object.assign(e, { attempt: lastTry, dueAt: now() });
        schedule();
        while (entries.size > 0 && now() < drainUntil) await sleep(Math.min(50, drainUntil - now()));
      }
      polling = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await settled();
      const left = new Map([...entries].map(([a, e]) => [a, newestFill(e)]));
      entries.clear();
      await handOff(left);
      return stats.handedOff - before;
    },

    stats: () => ({
      pending: entries.size,
      oldestPendingAt: entries.size === 0 ? null : Math.min(...[...entries.values()].map((e) => e.since)),
      inFlight: [...entries.values()].filter((e) => e.running).length,
      ...stats,
    }),
  };
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
