import { sign } from "#commons/decimal.js";
import type { AppLogger } from "#commons/logger.js";
import type { Address } from "./address.js";
import { chunk, mapWithConcurrency } from "./concurrency.js";
import { dexesToPoll, freshDexes, pollDexes, unpolledDexes, updateDexes, withFreshDexes } from "./dex-polling.js";
import { buildEvent, type FillsSource, type PositionEvent } from "./events.js";
import type { CallOptions, ExchangePort, Fill } from "./exchange.js";
import { dedupeFills, isPerpFillIn } from "./fills.js";
import type { PerpUniverseSource } from "./perp-universe.js";
import type { FillStore, TraderStore, TrackingState } from "./ports.js";
import { lifecycleSteps, type LifecycleStep } from "./fill-sequence.js";
import { diffPositions, samePositions, toPositionMap, tradedInPlace, type PositionMap } from "./positions.js";
import { fillsExplain, type StreamFill } from "./stream-fills.js";

/**
 * One tracking pass over a batch of traders: poll each, diff against the stored state, and only
 * when something changed fetch the fills behind it and store the new state together with its
 * events in one transaction. An unchanged trader costs one poll and no write.
 *
 * Each request waits for its own weight, at most until `budgetDeadline`: a trader whose weight
 * did not come in time is `deferred` (nothing was stored for him) for the caller to hand back.
 *
 * Live tracking (`live`) polls a trader because the trades stream showed him trading, and already
 * holds the fills behind the change: when they account for it exactly, they are the event's fills
 * and nothing more is fetched (a poll costs 2 weight, a fills request 20+). When they do not, the
 * snapshot lags the stream: the trader is `lagging`, nothing is stored, and the caller asks again;
 * on its last try the fills are fetched as on any poll.
 */

export interface TrackingDeps {
  exchange: ExchangePort;
  /** What is a perp fill: only those are stored and attributed (#domain/fills.js). */
  universe: PerpUniverseSource;
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
  | "deferred"
  | "lagging";

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

export interface LiveFills {
  /** Per trader, the stream's fills not yet known to be behind a stored state. */
  fills: ReadonlyMap<Address, readonly StreamFill[]>;
  /** The caller's last try: fetch the fills rather than answer `lagging`. */
  final: boolean;
}

export interface TrackOptions {
  budgetDeadline?: number;
  live?: LiveFills;
  /**
   * Traders a listener saw trading and handed off (#domain/messages.js), with the exchange time
   * of the newest such trade: if it is newer than the stored snapshot, his fills are fetched even
   * where the snapshot shows no change. A failed poll's (TrackingState.tradedAt) counts the same.
   */
  tradedAt?: ReadonlyMap<Address, number>;
}

export const trackTraders = async (
  addresses: readonly Address[],
  deps: TrackingDeps,
  opts: TrackOptions = {},
): Promise<TrackOutcome[]> => {
  const states = await deps.traders.trackingStates(addresses);
  const call: CallOptions = {
    lane: "tracking",
    // A change someone is waiting to see goes ahead of the reconciliation sweep.
    ...(opts.live !== undefined && { urgent: true }),
    ...(opts.budgetDeadline !== undefined && { budgetDeadline: opts.budgetDeadline }),
  };
  return mapWithConcurrency(addresses, deps.concurrency, (address) =>
    trackOne(address, states.get(address), call, deps, opts.live, latest(opts.tradedAt?.get(address), states.get(address)?.tradedAt)),
  );
};

const latest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/**
 * Might the stored state lack a fill of exchange time `t`? One after its `asOf`, or of that very
 * millisecond when the state lists its fills of it (a state from the stream).
 */
const mayLack = (state: TrackingState, t: number): boolean => {
  const asOf = state.asOf ?? state.fillsCursor;
  return asOf === undefined || t > asOf || (t === asOf && state.asOfTids !== undefined);
};

const trackOne = async (
  address: Address,
  state: TrackingState | undefined,
  call: CallOptions,
  deps: TrackingDeps,
  live: LiveFills | undefined,
  tradedAt: number | undefined,
): Promise<TrackOutcome> => {
  if (state === undefined || !state.isActive) return { address, status: "untracked", events: [] };
  try {
    const polledAt = deps.now();
    // The main dex and the builder dexes he is active on (#domain/dex-polling.js).
    const streamedCoins = (live?.fills.get(address) ?? []).map((f) => f.coin);
    const dexes = dexesToPoll(state, streamedCoins);
    const account = await pollDexes(deps.exchange, address, dexes, call);
    // The exchange's own snapshot time when it gives one: the fills up to it caused this state.
    const until = account.time ?? polledAt;
    let current = toPositionMap(account.positions);
    await updateDexes(deps.traders, state, [...Object.keys(current), ...streamedCoins], polledAt);
    if (state.version === undefined) {
      await deps.traders.saveBaseline(address, current, until, polledAt);
      return { address, status: "baseline", events: [] };
    }
    if (state.needsBaseline) {
      // Tracked again: what changed while he was not tracked is not news, and its fills are the
      // history sync's to fetch. A lost race means another worker took the baseline.
      const taken = await deps.traders.rebaseline(address, state.version, current, until, polledAt);
      return { address, status: taken ? "baseline" : "conflict", events: [] };
    }
    // A builder dex polled for the first time is a baseline for that dex (#domain/dex-polling.js).
    const fresh = freshDexes(state, dexes);
    const base = withFreshDexes(state.positions, current, fresh, live?.fills.get(address) ?? []);
    const stored = { ...state, version: state.version, positions: base };
    let changes = diffPositions(stored.positions, current);
    const time = { until, polledAt };
    // Fills at or before the stored snapshot are already in it (another poll got there first).
    const asOf = state.asOf ?? state.fillsCursor;
    // A state stored from the stream lists its fills of asOf's own millisecond: that block's
    // other trades, delivered apart, are not in it.
    const isNew = (f: { time: number; tid: number }): boolean => mayLack(state, f.time) && !(state.asOfTids?.includes(f.tid) ?? false);
    const streamed = live?.fills.get(address)?.filter(isNew);
    if (streamed !== undefined) {
      // A snapshot older than a fill cannot show it, even when the sizes happen to agree (a close
      // and a reopen at the same size leave them equal).
      const shown = account.time === null || streamed.every((f) => f.time <= account.time!);
      if (shown && fillsExplain(stored.positions, current, streamed)) {
        const steps = lifecycleSteps(stored.positions, current, streamed);
        const attributed: Attributed = { source: "stream", cursor: state.fillsCursor ?? until };
        // The snapshot may show trades the stream has not delivered yet, if they net to nothing
        // (else these fills would not explain it): the state is stored as of the newest fill
        // behind it, not the snapshot, so that those still count as his when they come.
        const newest = streamed.reduce((t, f) => Math.max(t, f.time), asOf ?? Number.NEGATIVE_INFINITY);
        const at = Number.isFinite(newest) ? newest : until;
        const tids = [...(at === asOf ? (state.asOfTids ?? []) : []), ...streamed.filter((f) => f.time === at).map((f) => f.tid)];
        const seen = { until: at, polledAt, ...(streamed.length > 0 && { tids }) };
        return await commitChanges(address, stored, current, steps, attributed, seen, deps, state.positions);
      }
      if (!live!.final) return { address, status: "lagging", events: [] };
    }
    // Fills the stream showed after the stored snapshot are trades even where the snapshot shows
    // no change (added to and reduced back at the entry price, or opened and closed): not
    // explained, or seen by a listener that handed him off or by a poll that failed, they are fetched.
    const traded = (streamed !== undefined && streamed.length > 0) || (tradedAt !== undefined && mayLack(state, tradedAt));
    if (!traded && changes.length === 0 && tradedInPlace(stored.positions, current).length === 0) {
      // No size moved and no entry price either: no fills to fetch. A new leverage or margin
      // mode, or a builder dex's first positions, are still stored (no event), so that the next
      // events start from them.
      const attributed: Attributed = { source: "exchange", cursor: state.fillsCursor ?? until };
      return await commitChanges(address, stored, current, [], attributed, time, deps, state.positions);
    }
    // After changes stored from the stream, only the fills since the stored snapshot are behind
    // this change: fetch those, not everything since the fills cursor (pages of 2,000 at 100+
    // weight each for an active trader). The cursor then stays put: the fills between it and the
    // snapshot are not stored, and the history sync fetches them (#domain/history/plan.js). A
    // state from the stream may lack some of its own millisecond's fills: that millisecond too.
    const behindSnapshot = state.fillsCursor !== undefined && asOf !== undefined && state.fillsCursor < asOf;
    const from = behindSnapshot ? (state.asOfTids !== undefined ? asOf - 1 : asOf) : (state.fillsCursor ?? until);
    const fetched = await fetchFillsSince(address, from, until, call, deps);
    if (fetched.fills.length > 0) await deps.fills.putFills(address, fetched.fills);
    // His fills show a builder dex this poll did not ask: ask it now, so that change is not missed.
    const revealed = unpolledDexes(fetched.fills.map((f) => f.coin), dexes);
    if (revealed.length > 0) {
      const more = await Promise.all(revealed.map((dex) => deps.exchange.clearinghouseState(address, call, dex)));
      current = { ...current, ...toPositionMap(more.flatMap((s) => s.positions)) };
      await deps.traders.noteDexes(address, Object.fromEntries(revealed.map((dex) => [dex, polledAt])));
    }
    if (fresh.length + revealed.length > 0) {
      // His own fills tell where each first-polled dex's positions started (startPosition).
      stored.positions = withFreshDexes(state.positions, current, [...fresh, ...revealed], fetched.fills);
      changes = diffPositions(stored.positions, current);
    }
    const cursor = behindSnapshot ? state.fillsCursor! : fetched.cursor;
    const behind = fetched.fills.filter(isNew);
    // No step (say only a first-polled dex's positions): the state alone is stored, its fills cursor
    // past the fills just stored.
    const steps = lifecycleSteps(stored.positions, current, behind);
    const outcome = await commitChanges(address, stored, current, steps, { source: "exchange", cursor }, time, deps, state.positions);
    // A failed poll's hint is served once his fills up to it were fetched and stored: else every
    // poll would fetch them again (20+ weight) while nothing newer moves the state.
    const served = state.tradedAt !== undefined && fetched.cursor >= state.tradedAt && (outcome.status === "changed" || outcome.status === "unchanged");
    if (served) await deps.traders.clearTradedAt(address, state.tradedAt!).catch(() => undefined);
    return outcome;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // No weight in time: nothing was stored, and nothing is wrong with the trader.
    if (deps.isBudgetTimeout(error)) return { address, status: "deferred", events: [], error: message };
    const permanent = deps.isPermanent(error);
    deps.logger.warn("Tracking a trader failed", { address, permanent, error: message });
    // The fills this poll was asked about may be behind no stored state, and whoever polls him
    // next may not know of them (the sweep, or a listener that never saw them): keep their time
    // with the failure, so that the next poll fetches his fills.
    const asked = latest(tradedAt, (live?.fills.get(address) ?? []).reduce<number | undefined>((t, f) => latest(t, f.time), undefined));
    const hint = asked !== undefined && mayLack(state, asked) && (state.tradedAt === undefined || asked > state.tradedAt) ? asked : undefined;
    await deps.traders.recordFailure(address, deps.now(), message, hint).catch(() => undefined);
    return { address, status: permanent ? "invalid" : "failed", events: [], error: message };
  }
};

/** Where the fills behind a change came from, and the fills cursor to store with it. */
interface Attributed {
  source: FillsSource;
  /** Stream fills are not stored, so the cursor stays where the stored fills end. */
  cursor: number;
}

/**
 * Stores `current` with an event per step, in versioned transactions. No step and nothing new:
 * no write. No step but another leverage or margin mode: the state alone, no event.
 */
const commitChanges = async (
  address: Address,
  state: TrackingState & { version: number },
  current: PositionMap,
  steps: readonly LifecycleStep[],
  { source, cursor }: Attributed,
  /** `until`: the stored state's asOf; `tids`: its fills at exactly that time, for a state from the stream. */
  time: { until: number; polledAt: number; tids?: readonly number[] },
  deps: TrackingDeps,
  /** What is stored now; `state.positions` may add a first-polled dex's baseline to it. */
  before: PositionMap,
): Promise<TrackOutcome> => {
  if (steps.length === 0 && samePositions(before, current)) return { address, status: "unchanged", events: [] };
  // More steps than one transaction holds: apply them in steps, each one atomic and versioned.
  const groups = steps.length === 0 ? [[]] : chunk(steps, MAX_EVENTS_PER_TRANSACTION);
  const events: PositionEvent[] = [];
  let positions = { ...state.positions };
  let expected = state.version;
  for (const [g, group] of groups.entries()) {
    const next = expected + 1;
    // The last transaction stores the snapshot; an earlier one where its last steps left off.
    positions = g === groups.length - 1 ? { ...current } : applySteps(positions, group);
    const taken = new Map<string, number>();
    const groupEvents = group.map((c) => {
      const step = (taken.get(c.coin) ?? 0) + 1;
      taken.set(c.coin, step);
      return buildEvent(address, next, c, c.fills, time.polledAt, source, step);
    });
    const result = await deps.traders.commitTransition({
      address,
      expectedVersion: expected,
      newVersion: next,
      positions,
      events: groupEvents,
      fillsCursor: cursor,
      asOf: time.until,
      ...(time.tids !== undefined && { asOfTids: time.tids }),
      at: time.polledAt,
    });
    // Another worker already moved this trader on; its write won and ours must not duplicate it.
    if (result === "conflict") return { address, status: "conflict", events };
    events.push(...groupEvents);
    expected = next;
  }
  return { address, status: "changed", events };
};

/** Where `steps` leave the positions. A position no snapshot showed and whose leverage is unknown stays as it was. */
const applySteps = (positions: PositionMap, steps: readonly LifecycleStep[]): PositionMap => {
  const out = { ...positions };
  for (const s of steps) {
    if (sign(s.szi) === 0) delete out[s.coin];
    else if (s.leverage !== null) out[s.coin] = { szi: s.szi, entryPx: s.entryPx, leverage: s.leverage };
  }
  return out;
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
  const isPerp = isPerpFillIn(await deps.universe());
  let start = cursor + 1;
  for (let page = 0; page < MAX_FILL_PAGES && start <= until; page++) {
    const batch = await deps.exchange.userFillsByTime(address, start, until, call);
    all.push(...batch);
    const last = batch[batch.length - 1];
    if (batch.length < FILLS_PAGE || last === undefined) {
      return { fills: dedupeFills(all).filter(isPerp), cursor: until };
    }
    start = last.time > start ? last.time : start + 1;
  }
  const fills = dedupeFills(all).filter(isPerp);
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
  lagging: number;
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
    lagging: 0,
    events: 0,
  };
  for (const o of outcomes) {
    s[o.status] += 1;
    s.events += o.events.length;
  }
  return s;
};
