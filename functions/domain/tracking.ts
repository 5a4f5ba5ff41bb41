import type { AppLogger } from "#commons/logger.js";
import type { Address } from "./address.js";
import { chunk, mapWithConcurrency } from "./concurrency.js";
import { buildEvent, type PositionEvent } from "./events.js";
import type { CallOptions, ExchangePort, Fill } from "./exchange.js";
import { dedupeFills, isPerpFill } from "./fills.js";
import type { FillStore, TraderStore, TrackingState } from "./ports.js";
import { diffPositions, toPositionMap, type PositionChange, type PositionMap } from "./positions.js";

/**
 * One tracking pass over a batch of traders: poll each, diff against the stored state, and only
 * when something changed fetch the fills behind it and store the new state together with its
 * events in one transaction. An unchanged trader costs one poll and no write.
 *
 * Each request waits for its own weight, at most until `budgetDeadline`: a trader whose weight
 * did not come in time is `deferred` (nothing was stored for him) for the caller to hand back.
 */

export interface TrackingDeps {
  exchange: ExchangePort;
  traders: TraderStore;
  fills: FillStore;
  logger: AppLogger;
  now: () => number;
  concurrency: number;
  /** Is this error a bad answer for this trader (not worth retrying the whole message)? */
  isPermanent: (error: unknown) => boolean;
  /** Did the weight budget give up waiting (BudgetTimeoutError)? Then the trader is deferred, not failed. */
  isBudgetTimeout: (error: unknown) => boolean;
}

export type TrackStatus =
  | "unchanged"
  | "baseline"
  | "changed"
  | "conflict"
  | "untracked"
  | "invalid"
  | "failed"
  | "deferred";

export interface TrackOutcome {
  address: Address;
  status: TrackStatus;
  events: PositionEvent[];
  error?: string;
}

/** The API's page size for userFillsByTime. */
const FILLS_PAGE = 2000;
/** A transaction holds at most 100 items: the trader update plus up to 99 events. */
const MAX_EVENTS_PER_TRANSACTION = 99;
/** Bounds the fill pages fetched in one poll; the cursor resumes the rest on the next change. */
const MAX_FILL_PAGES = 5;

export const trackTraders = async (
  addresses: readonly Address[],
  deps: TrackingDeps,
  opts: { budgetDeadline?: number } = {},
): Promise<TrackOutcome[]> => {
  const states = await deps.traders.trackingStates(addresses);
  const call: CallOptions = { lane: "tracking", ...(opts.budgetDeadline !== undefined && { budgetDeadline: opts.budgetDeadline }) };
  return mapWithConcurrency(addresses, deps.concurrency, (address) => trackOne(address, states.get(address), call, deps));
};

const trackOne = async (
  address: Address,
  state: TrackingState | undefined,
  call: CallOptions,
  deps: TrackingDeps,
): Promise<TrackOutcome> => {
  if (state === undefined || !state.isActive) return { address, status: "untracked", events: [] };
  try {
    const polledAt = deps.now();
    const account = await deps.exchange.clearinghouseState(address, call);
    // The exchange's own snapshot time when it gives one: the fills up to it caused this state.
    const until = account.time ?? polledAt;
    const current = toPositionMap(account.positions);
    if (state.version === undefined) {
      await deps.traders.saveBaseline(address, current, until, polledAt);
      return { address, status: "baseline", events: [] };
    }
    const changes = diffPositions(state.positions, current);
    if (changes.length === 0) return { address, status: "unchanged", events: [] };
    return await commitChanges(address, { ...state, version: state.version }, current, changes, { until, polledAt }, call, deps);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // No weight in time: nothing was stored, and nothing is wrong with the trader.
    if (deps.isBudgetTimeout(error)) return { address, status: "deferred", events: [], error: message };
    const permanent = deps.isPermanent(error);
    deps.logger.warn("Tracking a trader failed", { address, permanent, error: message });
    await deps.traders.recordFailure(address, deps.now(), message).catch(() => undefined);
    return { address, status: permanent ? "invalid" : "failed", events: [], error: message };
  }
};

const commitChanges = async (
  address: Address,
  state: TrackingState & { version: number },
  current: PositionMap,
  changes: PositionChange[],
  time: { until: number; polledAt: number },
  call: CallOptions,
  deps: TrackingDeps,
): Promise<TrackOutcome> => {
  const { fills, cursor } = await fetchFillsSince(address, state.fillsCursor ?? time.until, time.until, call, deps);
  if (fills.length > 0) await deps.fills.putFills(address, fills);
  // More changes than one transaction holds: apply them in steps, each one atomic and versioned.
  const groups = chunk(changes, MAX_EVENTS_PER_TRANSACTION);
  const events: PositionEvent[] = [];
  let positions = { ...state.positions };
  let expected = state.version;
  for (const group of groups) {
    const next = expected + 1;
    for (const c of group) {
      const p = current[c.coin];
      if (p === undefined) delete positions[c.coin];
      else positions = { ...positions, [c.coin]: p };
    }
    const groupEvents = group.map((c) => buildEvent(address, next, c, fills, time.polledAt));
    const result = await deps.traders.commitTransition({
      address,
      expectedVersion: expected,
      newVersion: next,
      positions,
      events: groupEvents,
      fillsCursor: cursor,
      at: time.polledAt,
    });
    // Another worker already moved this trader on; its write won and ours must not duplicate it.
    if (result === "conflict") return { address, status: "conflict", events };
    events.push(...groupEvents);
    expected = next;
  }
  return { address, status: "changed", events };
};

/**
 * Fills in (cursor, until], oldest first, perps only. Pages by time; a page's last millisecond is
 * fetched again so that fills sharing it are not cut off, and duplicates are dropped by tid.
 */
const fetchFillsSince = async (
  address: Address,
  cursor: number,
  until: number,
  call: CallOptions,
  deps: TrackingDeps,
): Promise<{ fills: Fill[]; cursor: number }> => {
  const all: Fill[] = [];
  let start = cursor + 1;
  for (let page = 0; page < MAX_FILL_PAGES && start <= until; page++) {
    const batch = await deps.exchange.userFillsByTime(address, start, until, call);
    all.push(...batch);
    const last = batch[batch.length - 1];
    if (batch.length < FILLS_PAGE || last === undefined) {
      return { fills: dedupeFills(all).filter(isPerpFill), cursor: until };
    }
    start = last.time > start ? last.time : start + 1;
  }
  const fills = dedupeFills(all).filter(isPerpFill);
  // Page cap reached: resume from the last fill we saw, not from `until`, so nothing is skipped.
  const lastTime = all[all.length - 1]?.time ?? cursor;
  return { fills, cursor: Math.max(cursor, lastTime - 1) };
};

export interface TrackingSummary {
  traders: number;
  unchanged: number;
  baseline: number;
  changed: number;
  conflict: number;
  untracked: number;
  invalid: number;
  failed: number;
  deferred: number;
  events: number;
}

export const summarize = (outcomes: readonly TrackOutcome[]): TrackingSummary => {
  const s: TrackingSummary = {
    traders: outcomes.length,
    unchanged: 0,
    baseline: 0,
    changed: 0,
    conflict: 0,
    untracked: 0,
    invalid: 0,
    failed: 0,
    deferred: 0,
    events: 0,
  };
  for (const o of outcomes) {
    s[o.status] += 1;
    s.events += o.events.length;
  }
  return s;
};
