import type { Address } from "./address.js";
import type { HintedCursor, HintedTrader, TraderStore } from "./ports.js";

/**
 * A hint (TrackingState.tradedAt) is served by the trader's next poll. With the trades stream up,
 * the reconciliation slices reach each trader only once a period (30 min by default), so each tick
 * also polls the hinted traders that are due: once the exchange answers again, their events are a
 * tick late, not a period.
 *
 * A trader whose polls keep failing (an account whose answers the exchange garbles) must not cost a
 * poll every tick for ever, so each waits as long again as he has been failing, from his trade to
 * his last failure: the wait doubles with every failed poll, up to the period, when the slices reach
 * him anyway. It is never under one interval either: a failure that recent may still be in the
 * worker's hand-backs, which poll him anyway. A hint left by a refused hand-off (no failed poll
 * behind it) is due at once.
 */

/**
 * Of the polls the budget allows per interval, at most this share goes to hinted traders. Each
 * fetches fills too (several times a plain poll's weight), so this keeps them well inside the share
 * the slices leave to the stream's targeted polls.
 */
export const HINTED_SHARE = 1 / 10;

/** Hinted traders read per page of the index, and pages read per tick at most. */
const PAGE = 500;
const MAX_PAGES = 10;

export interface DueOptions {
  now: number;
  /** The tracking interval: the least a trader waits after a failed poll. */
  intervalMs: number;
  /** The reconciliation period: the most he waits. */
  periodMs: number;
}

export const isDue = (t: HintedTrader, o: DueOptions): boolean => {
  if (t.lastFailedAt === undefined) return true;
  const wait = Math.min(o.periodMs, Math.max(o.intervalMs, t.lastFailedAt - t.tradedAt));
  return o.now - t.lastFailedAt >= wait;
};

/** Up to `max` hinted traders that are due, leaving out those this tick polls already (`polled`). */
export const dueHinted = async (
  traders: Pick<TraderStore, "pageHinted">,
  o: DueOptions & { max: number; polled: ReadonlySet<Address> },
): Promise<Address[]> => {
  const due: Address[] = [];
  let cursor: HintedCursor | undefined;
  for (let pages = 0; pages < MAX_PAGES && due.length < o.max; pages++) {
    const page = await traders.pageHinted(PAGE, cursor);
    for (const t of page.traders) {
      if (due.length < o.max && !o.polled.has(t.address) && isDue(t, o)) due.push(t.address);
    }
    cursor = page.cursor;
    if (cursor === undefined) break;
  }
  return due;
};
