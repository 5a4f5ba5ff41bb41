import { dec, decStr, sumDec, type Decimal } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { killSwitch, utcDayStart, type KillSwitchDecision } from "./kill-switch.js";
import type { CopyAccount, CopyOrder, FollowerRecord, VenueOrderResult } from "./ports.js";

/**
 * The bookkeeping of one run: what the venue's answer makes of each order, and the account the
 * run commits (last view, running PnL and fees, the day's start and the peak the kill switch
 * measures from, the copy_gap baseline).
 */

/** An order's record once the venue answered (or, for a pending one, once it was asked about it). */
export const withResult = (order: CopyOrder, result: VenueOrderResult | { status: "unknown" }, now: number): CopyOrder => {
  switch (result.status) {
    case "filled":
    case "partially_filled":
      return {
        ...order,
        status: result.status,
        oid: result.oid,
        fillPrice: result.avgPrice,
        filledSize: result.filledSize,
        feeUsd: result.feeUsd,
        filledAt: now,
        error: null,
      };
    case "cancelled":
      return { ...order, status: "cancelled", oid: result.oid };
    case "rejected":
      return { ...order, status: "rejected", error: result.error };
    case "unknown":
      // The venue never saw it (the run stopped between writing it and sending it): nothing
      // traded, and the next plan, against the actual position, decides again.
      return { ...order, status: "rejected", error: "never reached the venue (the run stopped before sending it); planned again" };
  }
};

export const isFill = (r: VenueOrderResult | { status: "unknown" }): r is Extract<VenueOrderResult, { status: "filled" | "partially_filled" }> =>
  r.status === "filled" || r.status === "partially_filled";

/**
 * A venue refusal worth an alarm, not a transport failure retried later. An IOC that found nothing
 * is not one: every venue answers it `cancelled` (the live venue the exchange's IocCancel error and
 * an orderStatus iocCancelRejected, the paper venue a reduce-only with nothing to reduce).
 */
export const isOrderError = (r: VenueOrderResult | { status: "unknown" }): boolean => r.status === "rejected" && !r.retryable;

export interface AccountUpdate {
  previous: CopyAccount;
  memory: CopyAccount["memory"];
  carried: CopyAccount["carried"];
  ledger?: CopyAccount["ledger"];
  positions: Readonly<Record<string, { szi: string; entryPx: string }>>;
  equityUsd: string;
  leaderEquityUsd: Readonly<Record<Address, string>>;
  /** The run's mids: the positions are valued at them (GET /followers/{id}'s unrealized PnL). */
  mids: Readonly<Record<string, string>>;
  /** Fills of this run (and of pending orders resolved by it): realized PnL and fees add up. */
  fills: readonly { closedPnlUsd: string | null; feeUsd: string | null }[];
  now: number;
}

/** Realized PnL and fees since the follower started, with `fills` added (a fill's unknown figure adds nothing). */
export const runningTotals = (
  previous: Pick<NonNullable<CopyAccount["actual"]>, "realizedPnlUsd" | "feesUsd"> | null,
  fills: readonly { closedPnlUsd: string | null; feeUsd: string | null }[],
): { realizedPnlUsd: string; feesUsd: string } => {
  let realized = dec(previous?.realizedPnlUsd ?? "0");
  let fees = dec(previous?.feesUsd ?? "0");
  for (const f of fills) {
    if (f.closedPnlUsd !== null) realized = realized.plus(f.closedPnlUsd);
    if (f.feeUsd !== null) fees = fees.plus(f.feeUsd);
  }
  return { realizedPnlUsd: decStr(realized), feesUsd: decStr(fees) };
};

/** Places the chained growth keeps (big.js's quotients' own): it is shown to 6. */
const GROWTH_DECIMALS = 20;

/** The mean over the leaders valued at both of now ÷ then; null when none is. */
const meanRatio = (now: Readonly<Record<Address, string>>, then: Readonly<Record<Address, string>>): Decimal | null => {
  const ratios = Object.entries(then).flatMap(([leader, before]) => {
    const after = now[leader as Address];
    return after === undefined || dec(before).lte(0) ? [] : [dec(after).div(before)];
  });
  return ratios.length === 0 ? null : sumDec(ratios).div(ratios.length);
};

/**
 * The leaders' growth since the baseline, as of this run: the last run's times the mean, over the
 * leaders valued at both runs, of their value's ratio. Chained so that a leader added with PATCH
 * counts from when he was followed and a removed one until then, each run's step over the leaders
 * followed in it. An account from before it was kept starts from its baseline's leaders.
 */
export const leadersGrowth = (prev: Pick<CopyAccount, "baseline" | "actual">, now: Readonly<Record<Address, string>>): string | null => {
  if (prev.baseline === null || prev.actual === null) return null;
  const before = growthSoFar(prev);
  const step = meanRatio(now, prev.actual.leaderEquityUsd);
  if (step === null) return before === null ? null : decStr(dec(before));
  return decStr(dec(before ?? "1").times(step).round(GROWTH_DECIMALS, 1));
};

/**
 * The leaders' growth from the baseline to the account's last run (copy_gap's), null before a
 * run had a leader valued at both ends. An account written before the chain was kept has none
 * stored: the mean over its baseline's leaders of their value's ratio stands for it.
 */
export const growthSoFar = ({ baseline, actual }: Pick<CopyAccount, "baseline" | "actual">): string | Decimal | null => {
  if (baseline === null || actual === null) return null;
  return actual.leadersGrowth !== undefined ? actual.leadersGrowth : meanRatio(actual.leaderEquityUsd, baseline.leaderEquityUsd);
};

export const nextAccount = (u: AccountUpdate): CopyAccount => {
  const prev = u.previous;
  const totals = runningTotals(prev.actual, u.fills);
  const equity = dec(u.equityUsd);
  const day = utcDayStart(u.now);
  const peak = prev.peakEquityUsd === null || equity.gt(prev.peakEquityUsd) ? u.equityUsd : prev.peakEquityUsd;
  const account: CopyAccount = {
    followerId: prev.followerId,
    version: prev.version,
    memory: u.memory,
    carried: u.carried,
    baseline: prev.baseline ?? { at: u.now, followerEquityUsd: u.equityUsd, leaderEquityUsd: u.leaderEquityUsd },
    // The first run of a UTC day sets where the day's loss is counted from.
    dayStart: prev.dayStart !== null && prev.dayStart.day === day ? prev.dayStart : { day, equityUsd: prev.actual?.equityUsd ?? u.equityUsd },
    peakEquityUsd: peak,
    actual: {
      at: u.now,
      positions: u.positions,
      equityUsd: u.equityUsd,
      ...totals,
      leaderEquityUsd: u.leaderEquityUsd,
      // Null on the first run: it is the baseline.
      leadersGrowth: leadersGrowth(prev, u.leaderEquityUsd),
      // A coin without a mid this run keeps its last one (the paper ledger is valued at it).
      marks: Object.fromEntries(
        Object.keys(u.positions).flatMap((coin) => {
          const mark = u.mids[coin] ?? prev.actual?.marks?.[coin];
          return mark !== undefined ? [[coin, mark]] : [];
        }),
      ),
    },
    lastReconciledAt: u.now,
  };
  if (u.ledger !== undefined) account.ledger = u.ledger;
  return account;
};

/** The kill switch on the account a run is about to commit. */
export const killSwitchFor = (record: FollowerRecord, account: CopyAccount): KillSwitchDecision => {
  const actual = account.actual;
  if (actual === null) return { pause: false };
  const history = [
    ...(account.peakEquityUsd !== null ? [{ time: 0, equityUsd: account.peakEquityUsd }] : []),
    { time: actual.at, equityUsd: actual.equityUsd },
  ];
  const todayPnl = account.dayStart === null ? dec(0) : dec(actual.equityUsd).minus(account.dayStart.equityUsd);
  return killSwitch({ caps: record.config.caps, equityHistory: history, todayPnlUsd: decStr(todayPnl) });
};
