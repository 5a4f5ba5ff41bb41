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
 * then, and every trader pending when the tracker stops, is handed off to the tracking queue, so
 * nothing the stream showed is dropped.
 */
export interface LiveTrackerDeps {
  track: (addresses: Address[], live: LiveFills) => Promise<TrackOutcome[]>;
  /** Polls these traders another way (the tracking queue's worker); must not throw away on failure. */
  handOff: (addresses: readonly Address[]) => Promise<void>;
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
  /** Stops polling, waits for the polls under way, hands the rest off; resolves to how many were handed off. */
  stop(): Promise<number>;
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

/** Done with these fills: what was stored (or not stored, for a reason no retry changes). */
const SETTLED = new Set<TrackOutcome["status"]>(["unchanged", "baseline", "changed", "untracked", "invalid"]);

export const createLiveTracker = (deps: LiveTrackerDeps): LiveTracker => {
  const now = deps.now ?? Date.now;
  const coalesceMs = deps.coalesceMs ?? 250;
  const retryDelays = deps.retryDelaysMs ?? [250, 750, 2_000];
  const maxBatch = deps.maxBatch ?? 25;
  const maxInFlight = deps.maxInFlight ?? 4;
  const entries = new Map<Address, Entry>();
  const running = new Set<Promise<void>>();
  const stats = { polls: 0, changed: 0, lagging: 0, failed: 0, handedOff: 0 };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = (): void => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (running.size >= maxInFlight) return;
    let next = Infinity;
    for (const e of entries.values()) if (!e.running && e.dueAt < next) next = e.dueAt;
    if (next === Infinity) return;
    timer = setTimeout(flush, Math.max(0, next - now()));
  };

  const handOff = async (addresses: Address[]): Promise<void> => {
    if (addresses.length === 0) return;
    try {
      await deps.handOff(addresses);
      stats.handedOff += addresses.length;
    } catch (error) {
      // The reconciliation sweep still polls them; say so loudly.
      deps.logger.error("Handing traders off to the tracking queue failed; the reconciliation sweep will poll them", {
        traders: addresses.length,
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
      else entries.set(address, { since: now(), fills: e.later, later: [], attempt: 0, dueAt: now() + coalesceMs, running: false });
      return;
    }
    // lagging, conflict (someone else stored a newer state: ask again), failed, deferred.
    if (outcome.status === "lagging") stats.lagging++;
    if (outcome.status === "failed" || outcome.status === "deferred") stats.failed++;
    if (e.attempt >= retryDelays.length) {
      entries.delete(address);
      deps.logger.warn("A live poll did not succeed after retries; handing the trader to the tracking queue", {
        address,
        status: outcome.status,
        error: outcome.error,
      });
      await handOff([address]);
      return;
    }
    const delay = retryDelays[e.attempt] ?? 0;
    entries.set(address, { since: e.since, fills: [...e.fills, ...e.later], later: [], attempt: e.attempt + 1, dueAt: now() + delay, running: false });
  };

  const run = async (batch: Address[]): Promise<void> => {
    const fills = new Map<Address, StreamFill[]>();
    let final = false;
    for (const a of batch) {
      const e = entries.get(a)!;
      fills.set(a, e.fills);
      if (e.attempt >= retryDelays.length) final = true;
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
    if (stopped) return;
    const t = now();
    while (running.size < maxInFlight) {
      // Final tries go alone: they may fetch fills, which the others should not wait for.
      const due = [...entries.entries()].filter(([, e]) => !e.running && e.dueAt <= t);
      if (due.length === 0) break;
      const finals = due.filter(([, e]) => e.attempt >= retryDelays.length);
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

  return {
    add(byTrader) {
      if (stopped) return;
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

    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      while (running.size > 0) await Promise.all([...running]);
      const left = [...entries.keys()];
      entries.clear();
      await handOff(left);
      return left.length;
    },

    stats: () => ({
      pending: entries.size,
      oldestPendingAt: entries.size === 0 ? null : Math.min(...[...entries.values()].map((e) => e.since)),
      inFlight: [...entries.values()].filter((e) => e.running).length,
      ...stats,
    }),
  };
};
