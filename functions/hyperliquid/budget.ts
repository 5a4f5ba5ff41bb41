import { setTimeout as delay } from "node:timers/promises";
import type { BudgetSnapshot, WeightBudget } from "#domain/budget.js";
import type { Lane } from "#domain/exchange.js";
import { AdaptiveRate, type AdaptiveRateOptions } from "./adaptive-rate.js";
import { BudgetRequestTooLargeError, BudgetTimeoutError } from "./errors.js";
import { LANES, SpendWindow, WINDOW_MS, laneRecord } from "./budget-window.js";

/**
 * The Hyperliquid weight budget (implements the domain's WeightBudget port).
 *
 * - No 60 s sliding window of this process ever holds more than the limit.
 * - Tracking first: beyond their floor, discovery and history never spend fresh weight while
 *   tracking waits, each is capped at its share, and together they leave room for a minute of
 *   tracking demand (the larger of tracking's spend in this window and the previous one).
 * - No lane starves: discovery and history may each spend a small floor share of every window even
 *   while tracking waits, and tracking leaves that room to a lane that is waiting for it.
 * - Sends are spread over the minute, and after a 429 every lane slows for a few seconds, never
 *   stopping (./adaptive-rate.ts).
 * - With a `ledger`, weight is leased in chunks from a store shared by every process behind one
 *   egress IP, so the exchange's per-IP limit holds across Lambdas; lane rules apply there too.
 */

/** A store of per-window weight shared between processes (DynamoDB in the cloud). */
export interface BudgetLedger {
  /** Grants up to `weight` for `lane` in the window containing `now`; 0 when the window is full. */
  lease(lane: Lane, weight: number, now: number): Promise<{ granted: number; windowEndsAt: number }>;
}

export interface WeightBudgetOptions {
  /** Weight we may spend per minute: the exchange's limit less headroom (`effectiveWeightPerMinute`). */
  limitPerMinute: number;
  discoveryShare: number;
  historyShare: number;
  /**
   * Share of every window discovery and history may each spend even while tracking waits, so
   * neither starves when tracking alone could use the whole limit. Default 0.05.
   */
  laneFloorShare?: number;
  ledger?: BudgetLedger;
  /** Smallest lease taken from the ledger, so most takes cost no write. Default: 1/20 of the limit, at least 20. */
  leaseChunk?: number;
  /** Used when a take gives no `maxWaitMs`. Default 65 s: a full window turns over in 60. */
  defaultMaxWaitMs?: number;
  /** How sending is spread, slows after a 429 and recovers (defaults in ./adaptive-rate.ts). */
  adaptive?: Omit<AdaptiveRateOptions, "maxRate">;
  now?: () => number;
  /** Must resolve (or reject) early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface Waiter {
  lane: Lane;
  urgent: boolean;
  weight: number;
  seq: number;
  deadline: number;
  startedAt: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  detach: () => void;
}

type Attempt = { done: true } | { done: false; lease?: { ask: number; need: number } };

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined);

export const createWeightBudget = (opts: WeightBudgetOptions): WeightBudget => {
  const limit = Math.max(1, Math.floor(opts.limitPerMinute));
  const shares: Record<Lane, number> = { tracking: 1, discovery: opts.discoveryShare, history: opts.historyShare };
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const ledger = opts.ledger;
  const leaseChunk = opts.leaseChunk ?? Math.max(20, Math.floor(limit / 20));
  const defaultMaxWaitMs = opts.defaultMaxWaitMs ?? 65_000;
  const pace = new AdaptiveRate({ maxRate: limit / 60, ...opts.adaptive });
  const floorShare = opts.laneFloorShare ?? 0.05;

  const window = new SpendWindow();
  const totals = laneRecord();
  /** Shared mode: weight charged after the fact that the ledger has not been told about yet. */
  const debt = laneRecord();
  /** Shared mode: the ledger said the window is full for this lane; do not ask again before then. */
  const blockedUntil = laneRecord();
  const queues: Record<Lane, Waiter[]> = { tracking: [], discovery: [], history: [] };
  let seq = 0;
  let backoffs = 0;
  let pumping = false;
  let wakeUp: AbortController | undefined;

  const laneCap = (lane: Lane): number => Math.floor(limit * shares[lane]);
  const laneFloor = (lane: Lane): number => Math.floor(limit * Math.min(floorShare, shares[lane]));

  /** The heads of discovery and history, oldest first. */
  const otherHeads = (): Waiter[] =>
    [queues.discovery[0], queues.history[0]].filter((w): w is Waiter => w !== undefined).sort((a, b) => a.seq - b.seq);
  const withinFloor = (w: Waiter, byLane: Record<Lane, number>): boolean => byLane[w.lane] + w.weight <= laneFloor(w.lane);

  /** Weight tracking must leave free: the heads of lanes that wait for weight within their floor. */
  const floorsWaitedFor = (byLane: Record<Lane, number>): number =>
    otherHeads().reduce((sum, w) => (withinFloor(w, byLane) ? sum + w.weight : sum), 0);

  /** May `lane` spend `w` of fresh weight (not drawn from a prepayment) right now? */
  const freshAllowed = (lane: Lane, w: number, t: number): boolean => {
    const s = window.summary(t);
    if (s.total + w > limit) return false;
    if (lane === "tracking") return s.total + w + floorsWaitedFor(s.byLane) <= limit;
    if (s.byLane[lane] + w > laneCap(lane)) return false;
    if (s.byLane[lane] + w <= laneFloor(lane)) return true;
    if (queues.tracking.length > 0) return false;
    const trackingReserve = Math.max(s.byLane.tracking, s.trackingPrev, window.prepaid(t, "tracking"));
    return s.total - s.byLane.tracking + w + trackingReserve <= limit;
  };

  const attempt = (lane: Lane, w: number, t: number): Attempt => {
    // Nothing goes out ahead of the pace, prepaid or not.
    if (!pace.allows(t)) return { done: false };
    const avail = window.prepaid(t, lane);
    if (avail >= w) {
      window.draw(t, lane, w);
      pace.sent(t, w);
      return { done: true };
    }
    const fresh = w - avail;
    if (!ledger) {
      if (!freshAllowed(lane, fresh, t)) return { done: false };
      window.draw(t, lane, avail);
      window.spend(t, lane, fresh);
      pace.sent(t, w);
      return { done: true };
    }
    if (blockedUntil[lane] > t || !freshAllowed(lane, fresh, t)) return { done: false };
    // Debt is already in our window, so only `fresh` must fit locally; the ledger must hear of both.
    const need = fresh + debt[lane];
    const ask = freshAllowed(lane, Math.max(fresh, leaseChunk), t) ? Math.max(need, leaseChunk + debt[lane]) : need;
    return { done: false, lease: { ask, need } };
  };

  /** One ledger write; whatever is granted pays debt first and then becomes prepaid weight. */
  const lease = async (shared: BudgetLedger, w: Waiter, ask: number, need: number): Promise<void> => {
    const { granted, windowEndsAt } = await shared.lease(w.lane, ask, now());
    const t = now();
    const paid = Math.min(debt[w.lane], granted);
    debt[w.lane] -= paid;
    const rest = granted - paid;
    window.spend(t, w.lane, rest, rest, windowEndsAt);
    // A floor on the wait, so a ledger whose window already ended cannot make us spin.
    if (granted < need) blockedUntil[w.lane] = Math.max(windowEndsAt, t + 100);
  };

  /**
   * Who is served first when weight or the pace allows: lanes waiting within their floor (else
   * tracking, always first otherwise, would take every paced slot and the floor would be empty
   * words), then tracking, then the others in arrival order.
   */
  const heads = (t: number): Waiter[] => {
    const tracking = queues.tracking[0] ? [queues.tracking[0]] : [];
    const others = otherHeads();
    if (others.length === 0) return tracking;
    const { byLane } = window.summary(t);
    return [...others.filter((w) => withinFloor(w, byLane)), ...tracking, ...others.filter((w) => !withinFloor(w, byLane))];
  };

  const settle = (w: Waiter, error?: unknown): void => {
    const q = queues[w.lane];
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    w.detach();
    if (error === undefined) w.resolve();
    else w.reject(error);
  };

  /**
   * Serves every waiter that can go at `t`, then times out those past their deadline; true when
   * anything changed. Serving first gives even a `maxWaitMs: 0` caller its one ledger lease.
   * When nothing could go, the pump plans its wake-up from the same `t`: planned from a later
   * instant, a pace that had just come due would look like no reason to wake, and the waiters
   * would sleep until their deadline.
   */
  const serveReady = async (t: number): Promise<boolean> => {
    for (const w of heads(t)) {
      const a = attempt(w.lane, w.weight, t);
      if (a.done) {
        settle(w);
        return true;
      }
      if (a.lease && ledger) {
        try {
          await lease(ledger, w, a.lease.ask, a.lease.need);
        } catch (error) {
          settle(w, error);
        }
        return true;
      }
    }
    const late = LANES.flatMap((lane) => queues[lane].filter((w) => w.deadline <= t));
    for (const w of late) settle(w, new BudgetTimeoutError(w.lane, w.weight, t - w.startedAt));
    return late.length > 0;
  };

  const nextWake = (t: number): number => {
    let next = window.nextChange(t);
    for (const at of [pace.nextAllowedAt(t), ...LANES.map((l) => blockedUntil[l])]) if (at > t && at < next) next = at;
    for (const lane of LANES) for (const w of queues[lane]) if (w.deadline < next) next = w.deadline;
    return next;
  };

  const pump = async (): Promise<void> => {
    if (pumping) {
      wakeUp?.abort();
      return;
    }
    pumping = true;
    try {
      while (LANES.some((l) => queues[l].length > 0)) {
        const t = now();
        if (await serveReady(t)) continue;
        const ms = Math.min(Math.max(1, nextWake(t) - now()), WINDOW_MS);
        wakeUp = new AbortController();
        await sleep(ms, wakeUp.signal).catch(() => undefined);
        wakeUp = undefined;
      }
    } finally {
      pumping = false;
    }
  };

  const checkSize = (lane: Lane, w: number): void => {
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight must be a finite number >= 0, got ${w}`);
    const max = laneCap(lane);
    if (w > max) throw new BudgetRequestTooLargeError(lane, w, max);
  };

  /**
   * FIFO within a lane, urgent waiters first. (Tracking's precedence over fresh weight is
   * enforced in `freshAllowed`.)
   */
  const noOneAhead = (lane: Lane, urgent = false): boolean => {
    const head = queues[lane][0];
    return head === undefined || (urgent && !head.urgent);
  };

  /** Behind the lane's urgent waiters when urgent, else at the end. */
  const insert = (w: Waiter): void => {
    const q = queues[w.lane];
    if (!w.urgent) return void q.push(w);
    const firstPlain = q.findIndex((x) => !x.urgent);
    if (firstPlain < 0) q.push(w);
    else q.splice(firstPlain, 0, w);
  };

  const enqueue = (lane: Lane, weight: number, o?: { maxWaitMs?: number; signal?: AbortSignal; urgent?: boolean }) =>
    new Promise<void>((resolve, reject) => {
      const signal = o?.signal;
      if (signal?.aborted) return reject(signal.reason);
      const t = now();
      const urgent = o?.urgent === true;
      if (noOneAhead(lane, urgent)) {
        const a = attempt(lane, weight, t);
        if (a.done) return resolve();
      }
      const onAbort = () => {
        settle(waiter, signal?.reason);
        void pump();
      };
      const waiter: Waiter = {
        lane,
        urgent,
        weight,
        seq: seq++,
        startedAt: t,
        deadline: t + (o?.maxWaitMs ?? defaultMaxWaitMs),
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      insert(waiter);
      void pump();
    });

  return {
    async take(lane, weight, o) {
      checkSize(lane, weight);
      await enqueue(lane, weight, o);
      totals[lane] += weight;
    },

    tryTake(lane, weight) {
      checkSize(lane, weight);
      if (!noOneAhead(lane)) return false;
      const a = attempt(lane, weight, now());
      if (a.done) totals[lane] += weight;
      return a.done;
    },

    charge(lane, weight) {
      if (!(weight > 0)) return;
      const t = now();
      totals[lane] += weight;
      const fromPrepaid = Math.min(window.prepaid(t, lane), weight);
      window.draw(t, lane, fromPrepaid);
      const rest = weight - fromPrepaid;
      window.spend(t, lane, rest);
      pace.counted(t, weight);
      if (ledger) debt[lane] += rest;
    },

    backoff() {
      pace.throttle(now());
      backoffs++;
      // A slower pace may let a waiter go later than planned; the pump re-plans its wake-up.
      void pump();
    },

    snapshot(): BudgetSnapshot {
      const t = now();
      return {
        limitPerMinute: limit,
        pacedPerMinute: pace.isThrottled(t) ? Math.floor(pace.rate(t) * 60) : null,
        usedByLane: window.summary(t).byLane,
        totalByLane: { ...totals },
        backoffs,
      };
    },
  };
};
