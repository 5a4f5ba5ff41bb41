import { iso, isoOrNull } from "#commons/iso-time.js";
import { dec, decStr, type Decimal } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { growthSoFar } from "#domain/copy/engine-account.js";
import { DEFAULT_ON_PAUSE } from "#domain/copy/follower.js";
import { followerBody } from "#domain/copy/follower-schema.js";
import { orderFields, orderTimes } from "#domain/copy/order-fields.js";
import { DEFAULT_TAKER_FEE_RATE } from "#domain/copy/paper.js";
import type { CopyAccount, CopyEquityPoint, CopyOrder, FollowerRecord } from "#domain/copy/ports.js";
import { valuePosition } from "#domain/marks.js";

/**
 * What the /followers routes answer, from the stored record and the engine's last view of the
 * account: nothing here calls the exchange, so a GET costs two reads whatever the follower holds.
 */

/** copy_gap's figures: rounded half up to 6 decimals. */
const GAP_DECIMALS = 6;

/**
 * Money as the exchange shows it: 6 decimals (USDC's), rounded half up. A paper account's figures
 * are kept exact, and its average entry prices are quotients (20 decimals), which would otherwise
 * run into its equity and PnL.
 */
const usd = (value: string): string => decStr(dec(value).round(6, 1));
/** An entry price as the exchange shows one: 6 significant figures (whole numbers kept whole). */
const entryPrice = (value: string): string => {
  const p = dec(value);
  return decStr(p.abs().gte(1_000_000) ? p.round(0, 1) : p.prec(6, 1));
};

const returnOf = (now: string, then: string): Decimal => dec(now).div(then).minus(1);

/**
 * The follower's return since the baseline minus its leaders' over the same time, each rounded to
 * 6 decimals (the gap from the rounded figures, so the three shown agree). The leaders' is their
 * growth chained run by run (engine-account.ts `leadersGrowth`: a leader added later counts from
 * when he was followed); an account from before that was kept compares with the mean return of
 * the baseline's leaders seen at both ends. Null before there is a run to compare, or when no
 * leader has a value at both ends of a run.
 */
export const copyGap = (account: Pick<CopyAccount, "baseline" | "actual">) => {
  const { baseline, actual } = account;
  if (baseline === null || actual === null || dec(baseline.followerEquityUsd).lte(0)) return null;
  const growth = growthSoFar(account);
  if (growth === null) return null;
  const follower = returnOf(actual.equityUsd, baseline.followerEquityUsd).round(GAP_DECIMALS);
  const leaders = dec(growth).minus(1).round(GAP_DECIMALS);
  return {
    since: iso(baseline.at),
    follower_return: decStr(follower),
    leaders_return: decStr(leaders),
    gap: decStr(follower.minus(leaders)),
  };
};

/** The config as the API shows it: the body it was created from, with the defaults filled in. */
export const configView = (config: FollowerRecord["config"]) => ({
  ...followerBody(config),
  on_pause: config.onPause ?? DEFAULT_ON_PAUSE,
  ...(config.mode === "paper" && { taker_fee_rate: config.takerFeeRate ?? DEFAULT_TAKER_FEE_RATE }),
});

export const followerView = (record: FollowerRecord, account: CopyAccount) => {
  const actual = account.actual;
  return {
    id: record.id,
    name: record.config.name,
    mode: record.config.mode,
    state: record.state,
    pause: record.pause === null ? null : { reason: record.pause.reason, message: record.pause.message, at: iso(record.pause.at) },
    closing: record.closeRequested,
    config: configView(record.config),
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
    positions: Object.entries(actual?.positions ?? {})
      .filter(([, p]) => !dec(p.szi).eq(0))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([coin, p]) => ({
        coin,
        szi: p.szi,
        entry_price: entryPrice(p.entryPx),
        unrealized_pnl_usd: unrealized(p, coin, actual?.marks),
      })),
    equity_usd: actual === null ? null : usd(actual.equityUsd),
    realized_pnl_usd: usd(actual?.realizedPnlUsd ?? "0"),
    fees_usd: usd(actual?.feesUsd ?? "0"),
    copy_gap: copyGap(account),
    last_reconciled_at: isoOrNull(account.lastReconciledAt),
  };
};

/** From the exact entry; rounded as money. */
const unrealized = (p: { szi: string; entryPx: string }, coin: string, marks: Readonly<Record<string, string>> | undefined): string | null => {
  // Own-property lookup: a coin named like an Object.prototype member must not find a function.
  const pnl = valuePosition(p.szi, p.entryPx, marks !== undefined && Object.hasOwn(marks, coin) ? marks[coin] : null).unrealized_pnl_usd;
  return pnl === null ? null : usd(pnl);
};

export const orderView = (o: CopyOrder) => ({
  ...orderFields(o),
  fee_usd: o.feeUsd === null ? null : usd(o.feeUsd),
  ...orderTimes(o),
  signal_to_order_ms: o.sentAt === null ? null : o.sentAt - o.signalAt,
  signal_to_fill_ms: o.filledAt === null ? null : o.filledAt - o.signalAt,
});

export const equityPointView = (p: CopyEquityPoint) => ({
  time: iso(p.time),
  equity_usd: usd(p.equityUsd),
  leaders_equity_usd: Object.fromEntries(Object.entries(p.leaderEquityUsd ?? {}).map(([leader, value]) => [leader, usd(value)])),
});
