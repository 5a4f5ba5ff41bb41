import type { AppLogger } from "#commons/logger.js";
import { runningTotals } from "./engine-account.js";
import type { CopyAccount, CopyOrder, CopyVenue } from "./ports.js";

/**
 * A live follower's fees and closed PnL, read once a minute instead of after every batch that
 * filled. The exchange's order answer gives a fill's price and size but not its fee: reading the
 * account's fills for it (userFillsByTime, 20 weight and more) after each batch was most of copy
 * trading's exchange weight. Nothing decides on them at once (the kill switch uses the exchange's
 * account value, which already has the fees in it), so the run keeps such fills in the account's
 * `unsettled` list and asks the venue about all of them together when the interval has passed.
 * The orders found are committed again with their fee, and their fee and closed PnL added to the
 * running totals, in the run's one commit under the account's version: a run that lost the race
 * writes nothing, and its retry starts from the account the winner wrote.
 */

/** At most one read of a follower's fills this often. */
export const FILL_DETAILS_INTERVAL_MS = 60_000;
/** Unsettled fills an account keeps; beyond it the oldest leave (their fee stays unknown). */
export const MAX_UNSETTLED = 200;
/** A fill read but not found for this long leaves the list: the exchange will not show it now. */
export const UNSETTLED_GIVE_UP_MS = 10 * 60_000;

type Details = Awaited<ReturnType<NonNullable<CopyVenue["fillDetails"]>>>;

export interface Settlement {
  /** What the account keeps for a later read. */
  unsettled: CopyOrder[];
  fillsReadAt: number | undefined;
  /** Orders found: their records with the fee, to commit again. */
  settled: CopyOrder[];
  /** Their fees and closed PnL, for the account's running totals. */
  fills: { feeUsd: string; closedPnlUsd: string }[];
}

const isFilled = (o: CopyOrder): boolean => o.status === "filled" || o.status === "partially_filled";
/** When it filled (the run's answer time); older records may only have when they were sent. */
const filledAtOf = (o: CopyOrder): number => o.filledAt ?? o.sentAt ?? o.signalAt;

/**
 * The read is due when the last one is an interval old, and so is the oldest fill waiting: a fill
 * is never read the moment it happened, so the batches of a busy minute share one read (and the
 * exchange has had the time to list the fill).
 */
const isDue = (waiting: readonly CopyOrder[], fillsReadAt: number | undefined, now: number, final: boolean): boolean =>
  waiting.length > 0 && (final || now - Math.max(fillsReadAt ?? 0, Math.min(...waiting.map(filledAtOf))) >= FILL_DETAILS_INTERVAL_MS);

export interface SettleInput {
  account: Pick<CopyAccount, "followerId" | "unsettled" | "fillsReadAt">;
  /** The run's orders with the venue's answers. */
  placed: readonly CopyOrder[];
  venue: Pick<CopyVenue, "fillDetails">;
  now: number;
  logger: AppLogger;
  /**
   * The follower's last run for now (paused or stopped, nothing left to close): no run may come
   * an interval later, so what is waiting is read at once.
   */
  final?: boolean;
}

export const settleFills = async ({ account, placed, venue, now, logger, final = false }: SettleInput): Promise<Settlement> => {
  const followerId = account.followerId;
  const fresh = venue.fillDetails === undefined ? [] : placed.filter((o) => isFilled(o) && o.feeUsd === null && o.oid !== null);
  let waiting = [...(account.unsettled ?? []), ...fresh];
  if (waiting.length > MAX_UNSETTLED) {
    const dropped = waiting.slice(0, waiting.length - MAX_UNSETTLED);
    logger.warn("Too many fills waiting for their fee; the oldest are given up (fee unknown)", {
      followerId,
      dropped: dropped.map((o) => o.cloid),
    });
    waiting = waiting.slice(-MAX_UNSETTLED);
  }
  const unchanged = { unsettled: waiting, fillsReadAt: account.fillsReadAt, settled: [], fills: [] };
  if (venue.fillDetails === undefined || !isDue(waiting, account.fillsReadAt, now, final)) return unchanged;

  let details: Details;
  try {
    details = await venue.fillDetails(waiting.map((o) => ({ oid: o.oid!, sentAt: o.sentAt ?? o.signalAt })));
  } catch (error) {
    // Kept, all of them, for the next read an interval later (not at once: a throttled read
    // would only be repeated by every run); none is given up on a read that did not happen.
    logger.warn("Could not read the follower's fills for their fees; trying again later", { followerId, error: String(error) });
    return { ...unchanged, fillsReadAt: now };
  }
  const settlement: Settlement = { unsettled: [], fillsReadAt: now, settled: [], fills: [] };
  for (const order of waiting) {
    const found = details.get(order.oid!);
    if (found !== undefined) {
      settlement.settled.push({ ...order, feeUsd: found.feeUsd });
      settlement.fills.push(found);
    } else if (now - filledAtOf(order) >= UNSETTLED_GIVE_UP_MS) {
      logger.warn("A fill was not found among the account's fills; its fee stays unknown", { followerId, cloid: order.cloid, oid: order.oid });
    } else {
      settlement.unsettled.push(order);
    }
  }
  return settlement;
};

/** The account's fields for what is left to read (absent when nothing is, as on older items). */
export const unsettledFields = (s: Settlement): Pick<CopyAccount, "unsettled" | "fillsReadAt"> => ({
  ...(s.unsettled.length > 0 && { unsettled: s.unsettled }),
  ...(s.fillsReadAt !== undefined && { fillsReadAt: s.fillsReadAt }),
});

/**
 * The account after a settle-only run (a paused or stopped follower's last fills): their fees and
 * closed PnL added to the running totals, the rest of the account's last view as it was.
 */
export const withSettlement = (account: CopyAccount, s: Settlement): CopyAccount => {
  const { unsettled: _unsettled, fillsReadAt: _readAt, ...rest } = account;
  const actual = account.actual === null ? null : { ...account.actual, ...runningTotals(account.actual, s.fills) };
  return { ...rest, actual, ...unsettledFields(s) };
};
