import { setTimeout as delay } from "node:timers/promises";
import type { BudgetSnapshot, WeightBudget } from "#domain/budget.js";
import type { Lane } from "#domain/exchange.js";
import { BudgetRequestTooLargeError, BudgetTimeoutError } from "./errors.js";
import { LANES, SpendWindow, WINDOW_MS, laneRecord } from "./budget-window.js";

/**
 * The Hyperliquid weight budget (implements the domain's WeightBudget port).
 *
 * - No 60 s sliding window of this process ever holds more than the usable limit.
 * - Tracking first: discovery and history never spend fresh weight while tracking waits, each is
 *   capped at its share, and together they leave room for a minute of tracking demand (the larger
 *   of tracking's spend in this window, the previous window, and its unspent reservations).
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
  ledger?: BudgetLedger;
  /** Smallest lease taken from the ledger, so most takes cost no write. Default: 1/20 of the limit, at least 20. */
  leaseChunk?: number;
  /** Used when a take gives no `maxWaitMs`. Default 65 s: a full window turns over in 60. */
  defaultMaxWaitMs?: number;
  /** After a 429 the usable limit is multiplied by this for `cooldownMs`. */
  backoffFactor?: number;
  cooldownMs?: number;
  now?: () => number;
  /** Must resolve (or reject) early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface Waiter {
  lane: Lane;
  weight: number;
  kind: "take" | "reserve";
  seq: number;
  deadline: number;
  startedAt: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  detach: () => void;
}

type Attempt = { done: true } | { done: false; lease?: { ask: number; need: number } };

/** 429s that arrive within this of each other are one incident (the answers to requests already in flight). */
const SAME_INCIDENT_MS = 1_000;
const MIN_FACTOR = 1 / 8;

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
  const backoffFactor = opts.backoffFactor ?? 0.5;
  const cooldownMs = opts.cooldownMs ?? WINDOW_MS;

  const window = new SpendWindow();
  const totals = laneRecord();
  /** Shared mode: weight charged after the fact that the ledger has not been told about yet. */
  const debt = laneRecord();
  /** Shared mode: the ledger said the window is full for this lane; do not ask again before then. */
  const blockedUntil = laneRecord();
  const queues: Record<Lane, Waiter[]> = { tracking: [], discovery: [], history: [] };
  let seq = 0;
  let factor = 1;
  let cooldownUntil = 0;
  let lastBackoffAt = -Infinity;
  let backoffs = 0;
  let pumping = false;
  let wakeUp: AbortController | undefined;

  const usable = (t: number): number => {
    if (t >= cooldownUntil) factor = 1;
    return Math.max(1, Math.floor(limit * factor));
  };
  const laneCap = (lane: Lane, u: number): number => Math.floor(u * shares[lane]);

  /** May `lane` spend `w` of fresh weight (not drawn from a prepayment) right now? */
  const freshAllowed = (lane: Lane, w: number, t: number): boolean => {
    const u = usable(t);
    const s = window.summary(t);
    if (s.total + w > u) return false;
    if (lane === "tracking") return true;
    if (queues.tracking.length > 0) return false;
    if (s.byLane[lane] + w > laneCap(lane, u)) return false;
    const trackingReserve = Math.max(s.byLane.tracking, s.trackingPrev, window.prepaid(t, "tracking"));
    return s.total - s.byLane.tracking + w + trackingReserve <= u;
  };

  const attempt = (lane: Lane, w: number, kind: Waiter["kind"], t: number): Attempt => {
    const avail = kind === "take" ? window.prepaid(t, lane) : 0;
    if (avail >= w) {
      window.draw(t, lane, w);
      return { done: true };
    }
    const fresh = w - avail;
    if (!ledger) {
      if (!freshAllowed(lane, fresh, t)) return { done: false };
      window.draw(t, lane, avail);
      if (kind === "reserve") window.spend(t, lane, w, w, t + WINDOW_MS);
      else window.spend(t, lane, fresh);
      return { done: true };
    }
    if (blockedUntil[lane] > t || !freshAllowed(lane, fresh, t)) return { done: false };
    // Debt is already in our window, so only `fresh` must fit locally; the ledger must hear of both.
    const need = fresh + debt[lane];
    const ask = kind === "take" && freshAllowed(lane, Math.max(fresh, leaseChunk), t) ? Math.max(need, leaseChunk + debt[lane]) : need;
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
    if (w.kind === "reserve") w.weight -= rest;
    // A floor on the wait, so a ledger whose window already ended cannot make us spin.
    if (granted < need) blockedUntil[w.lane] = Math.max(windowEndsAt, t + 100);
  };

  const heads = (): Waiter[] => {
    if (queues.tracking[0]) return [queues.tracking[0], ...otherHeads()];
    return otherHeads();
  };
  const otherHeads = (): Waiter[] =>
    [queues.discovery[0], queues.history[0]].filter((w): w is Waiter => w !== undefined).sort((a, b) => a.seq - b.seq);

  const settle = (w: Waiter, error?: unknown): void => {
    const q = queues[w.lane];
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    w.detach();
    if (error === undefined) w.resolve();
    else w.reject(error);
  };

  /**
   * Serves every waiter that can go now, then times out those past their deadline; true when
   * anything changed. Serving first gives even a `maxWaitMs: 0` caller its one ledger lease.
   */
  const serveReady = async (): Promise<boolean> => {
    for (const w of heads()) {
      if (w.kind === "reserve" && w.weight <= 0) {
        settle(w);
        return true;
      }
      const a = attempt(w.lane, w.weight, w.kind, now());
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
    const t = now();
    const late = LANES.flatMap((lane) => queues[lane].filter((w) => w.deadline <= t));
    for (const w of late) settle(w, new BudgetTimeoutError(w.lane, w.weight, t - w.startedAt));
    return late.length > 0;
  };

  const nextWake = (t: number): number => {
    let next = window.nextChange(t);
    for (const at of [cooldownUntil, ...LANES.map((l) => blockedUntil[l])]) if (at > t && at < next) next = at;
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
        if (await serveReady()) continue;
        const t = now();
        const ms = Math.min(Math.max(1, nextWake(t) - t), WINDOW_MS);
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
    const max = laneCap(lane, limit);
    if (w > max) throw new BudgetRequestTooLargeError(lane, w, max);
  };

  /** FIFO within a lane. (Tracking's precedence over fresh weight is enforced in `freshAllowed`.) */
  const noOneAhead = (lane: Lane): boolean => queues[lane].length === 0;

  const enqueue = (lane: Lane, weight: number, kind: Waiter["kind"], o?: { maxWaitMs?: number; signal?: AbortSignal }) =>
    new Promise<void>((resolve, reject) => {
      const signal = o?.signal;
      if (signal?.aborted) return reject(signal.reason);
      const t = now();
      if (noOneAhead(lane)) {
        const a = attempt(lane, weight, kind, t);
        if (a.done) return resolve();
      }
      const onAbort = () => {
        settle(waiter, signal?.reason);
        void pump();
      };
      const waiter: Waiter = {
        lane,
        weight,
        kind,
        seq: seq++,
        startedAt: t,
        deadline: t + (o?.maxWaitMs ?? defaultMaxWaitMs),
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queues[lane].push(waiter);
      void pump();
    });

  return {
    async take(lane, weight, o) {
      checkSize(lane, weight);
      await enqueue(lane, weight, "take", o);
      totals[lane] += weight;
    },

    tryTake(lane, weight) {
      checkSize(lane, weight);
      if (!noOneAhead(lane)) return false;
      const a = attempt(lane, weight, "take", now());
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
      if (ledger) debt[lane] += rest;
    },

    async reserve(lane, weight, o) {
      checkSize(lane, weight);
      if (weight > 0) await enqueue(lane, weight, "reserve", o);
    },

    backoff() {
      const t = now();
      const cooling = t < cooldownUntil;
      if (!(cooling && t - lastBackoffAt < SAME_INCIDENT_MS)) {
        factor = cooling ? Math.max(MIN_FACTOR, factor * backoffFactor) : backoffFactor;
      }
      cooldownUntil = t + cooldownMs;
      lastBackoffAt = t;
      backoffs++;
    },

    snapshot(): BudgetSnapshot {
      const t = now();
      return { limitPerMinute: usable(t), usedByLane: window.summary(t).byLane, totalByLane: { ...totals }, backoffs };
    },
  };
};
