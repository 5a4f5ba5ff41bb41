import type { AppLogger } from "#commons/logger.js";
import type { Address } from "./address.js";
import { chunk } from "./concurrency.js";
import { dueHinted, HINTED_SHARE } from "./dispatch-hinted.js";
import { encodeTrackBatch } from "./messages.js";
import type { QueuePort, RunStateStore, TraderStore, TrackingCycle } from "./ports.js";

/**
 * The tracking dispatcher: pages through every active trader and fans them out as messages of
 * `batchSize` traders, so the workers scale with the queue rather than one Lambda doing it all.
 *
 * When more is tracked than the weight budget can poll in one interval, the queue would grow
 * without end. So a tick is skipped while the previous cycle still has more traders left than the
 * budget can poll before the next tick: the workers stay busy with them, every trader is still
 * polled about once per cycle time, and the queue holds at most about one cycle more. A tick is
 * never skipped otherwise (the workers would sit idle until the next one), nor when the previous
 * cycle is MAX_SKIPPED_INTERVALS old (part of it may be lost, and its count never complete).
 *
 * With the trades stream up, polling is reconciliation (`reconcile`): it only has to catch what
 * fills cannot show (a liquidation by the backstop vault, auto-deleveraging, margin changes), so
 * each tick polls a slice of the traders, continuing where the last one stopped: at least enough
 * to walk them all within `periodMs`, and otherwise as many as `share` of the budget polls in an
 * interval, so the rest stays free for the stream's targeted polls. Each tick adds the traders
 * whose trades a failed poll left behind no stored state, when due (./dispatch-hinted.ts). While
 * the stream is down, every tick polls everyone again, as before there was a stream.
 */
export interface DispatchDeps {
  traders: TraderStore;
  queue: QueuePort;
  runState: RunStateStore;
  batchSize: number;
  /** Traders the weight budget can poll in one interval (its limit ÷ a poll's weight, per interval). */
  pollsPerInterval: number;
  intervalMs: number;
  now: () => number;
  logger: AppLogger;
  reconcile?: ReconcileOptions;
}

export interface ReconcileOptions {
  /** Every tracked trader is polled at least this often (ms). */
  periodMs: number;
  /** Share of the budget's polls per interval a slice may take beyond what the period needs. */
  share: number;
  /** Is the trades stream delivering changes? When not, every tick polls everyone. */
  streamUp: () => Promise<boolean>;
}

export const MAX_SKIPPED_INTERVALS = 3;

/** Of the polls the budget allows per interval, a reconciliation slice takes this share; the stream's targeted polls the rest. */
export const RECONCILE_SHARE = 2 / 3;

/** Traders read per page of the active index. */
const PAGE = 1000;

export type DispatchResult =
  | { cycleId: string; traders: number; messages: number; slice?: boolean; hinted?: number }
  | { skipped: true; previousCycleId: string; tradersLeft: number };

export const dispatchTracking = async (deps: DispatchDeps): Promise<DispatchResult> => {
  const previous = await deps.runState.latestCycle();
  if (previous !== null) {
    const tradersLeft = previous.traders - previous.completedTraders;
    const age = deps.now() - previous.dispatchedAt;
    if (tradersLeft >= deps.pollsPerInterval && age < MAX_SKIPPED_INTERVALS * deps.intervalMs) {
      deps.logger.warn("Tracking tick skipped: the previous cycle has more left than the budget polls in an interval", {
        previousCycleId: previous.cycleId,
        tradersLeft,
        pollsPerInterval: deps.pollsPerInterval,
      });
      return { skipped: true, previousCycleId: previous.cycleId, tradersLeft };
    }
  }
  const dispatchedAt = deps.now();
  const cycleId = new Date(dispatchedAt).toISOString();
  let buffer: Address[] = [];
  let traders = 0;
  let messages = 0;

  // Sends the full batches in the buffer (all of it when `all`), so messages stay full across pages.
  const flush = async (all: boolean): Promise<void> => {
    const n = all ? buffer.length : buffer.length - (buffer.length % deps.batchSize);
    if (n === 0) return;
    const batches = chunk(buffer.slice(0, n), deps.batchSize);
    buffer = buffer.slice(n);
    await deps.queue.sendAll(
      batches.map((b) => encodeTrackBatch({ cycle_id: cycleId, dispatched_at: dispatchedAt, traders: b })),
    );
    messages += batches.length;
    traders += n;
  };

  const reconcile = deps.reconcile !== undefined && (await deps.reconcile.streamUp()) ? deps.reconcile : undefined;
  let slice: TrackingCycle["slice"];
  let hinted: Address[] = [];
  if (reconcile === undefined) {
    let cursor: string | undefined;
    do {
      const page = await deps.traders.pageActive(PAGE, cursor);
      cursor = page.cursor;
      buffer.push(...page.addresses);
      await flush(false);
    } while (cursor !== undefined);
  } else {
    const picked = await nextSlice(deps, reconcile);
    buffer.push(...picked.addresses);
    slice = picked.slice;
    const max = Math.max(1, Math.floor(deps.pollsPerInterval * HINTED_SHARE));
    // On top of the slice, never instead of it: the slice is dispatched even when this read fails.
    const due = { now: dispatchedAt, intervalMs: deps.intervalMs, periodMs: reconcile.periodMs };
    hinted = await dueHinted(deps.traders, { ...due, max, polled: new Set(picked.addresses) }).catch((error: unknown) => {
      deps.logger.warn("Reading the hinted traders failed; the slices and the next tick serve them", { error: String(error) });
      return [];
    });
    buffer.push(...hinted);
  }
  await flush(true);

  await deps.runState.recordCycle({ cycleId, dispatchedAt, messages, traders, ...(slice !== undefined && { slice }) });
  // "reconcile": the stream is up and this tick polls a slice (everyone, when they all fit in one).
  deps.logger.info("Tracking cycle dispatched", {
    cycleId,
    traders,
    messages,
    mode: reconcile === undefined ? "sweep" : "reconcile",
    ...(hinted.length > 0 && { hinted: hinted.length }),
  });
  return { cycleId, traders, messages, ...(slice !== undefined && { slice: true }), ...(hinted.length > 0 && { hinted: hinted.length }) };
};

/**
 * The next reconciliation slice, walking the active index from where the last one stopped and
 * round again past its end. A slice that comes all the way round holds everyone, once.
 */
const nextSlice = async (
  deps: DispatchDeps,
  o: ReconcileOptions,
): Promise<{ addresses: Address[]; slice?: { first: string; last: string } }> => {
  const rotation = await deps.runState.getRotation();
  const byShare = Math.max(1, Math.floor(deps.pollsPerInterval * o.share));
  const byPeriod = rotation.lastWalk === null ? 0 : Math.ceil((rotation.lastWalk * deps.intervalMs) / o.periodMs);
  const size = Math.max(byShare, byPeriod);

  const addresses: Address[] = [];
  const inSlice = new Set<Address>();
  let { cursor, walked, lastWalk } = rotation;
  let ends = 0;
  let fullCircle = false;
  while (addresses.length < size && !fullCircle && ends < 2) {
    const page = await deps.traders.pageActive(Math.min(PAGE, size - addresses.length), cursor ?? undefined);
    let taken = 0;
    for (const a of page.addresses) {
      if (addresses.length >= size) break;
      if (inSlice.has(a)) {
        fullCircle = true;
        break;
      }
      inSlice.add(a);
      addresses.push(a);
      walked += 1;
      cursor = a;
      taken += 1;
    }
    if (page.cursor === undefined && taken === page.addresses.length && !fullCircle) {
      // The end of the index: one walk over everyone is complete.
      lastWalk = walked;
      walked = 0;
      cursor = null;
      ends += 1;
    }
  }
  await deps.runState.setRotation({ cursor, walked, lastWalk });
  const first = addresses[0];
  const last = addresses.at(-1);
  if (fullCircle || ends === 2 || first === undefined || last === undefined) return { addresses };
  return { addresses, slice: { first, last } };
};
