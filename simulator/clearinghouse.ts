import type { Account } from "./account.js";
import { dexOf } from "./coins.js";
import { valueAccount, type AccountValuation, type MarketView, type PositionValuation } from "./margin.js";
import { dec8, usd, wireDec, type WireLeverage, type WireMarginSummary } from "./wire.js";
import { ZERO, type Decimal } from "#commons/decimal.js";

/**
 * `clearinghouseState` in both shapes the client must read: the current one (as the API docs
 * print it) and the 2023 one (`maxTradeSzs`; no `cumFunding`, `maxLeverage`, `time`,
 * `crossMaintenanceMarginUsed`). Cost is O(the user's open positions).
 */

const EMPTY_ACCOUNT_VALUE: AccountValuation = {
  positions: [],
  accountValue: ZERO,
  totalNtlPos: ZERO,
  totalRawUsd: ZERO,
  totalMarginUsed: ZERO,
  crossAccountValue: ZERO,
  crossNtlPos: ZERO,
  crossRawUsd: ZERO,
  crossMarginUsed: ZERO,
  crossMaintenanceMarginUsed: ZERO,
  withdrawable: ZERO,
};

export interface VersionedMarket extends MarketView {
  markVersion(coin: string): number;
}

interface CacheEntry {
  key: string;
  body: Record<string, unknown>;
}

/**
 * Answers are cached per account until the account or the mark of a coin it holds changes: a
 * benchmark polling thousands of mostly idle traders then pays for a key, not for the margin
 * arithmetic (big.js divisions dominate that). Only `time` is filled in per request.
 */
const currentCache = new WeakMap<Account, CacheEntry>();
const oldShapeCache = new WeakMap<Account, CacheEntry>();

const cacheKey = (account: Account, market: VersionedMarket): string => {
  let key = String(account.version);
  for (const coin of account.positions.keys()) key += `|${market.markVersion(coin)}`;
  return key;
};

const cached = (
  cache: WeakMap<Account, CacheEntry>,
  account: Account,
  market: VersionedMarket,
  build: () => Record<string, unknown>,
): Record<string, unknown> => {
  const key = cacheKey(account, market);
  const hit = cache.get(account);
  if (hit?.key === key) return hit.body;
  const body = build();
  cache.set(account, { key, body });
  return body;
};

/**
 * One perp dex's clearinghouse shows only that dex's positions. The simulator keeps one cash
 * balance per user, on the main dex; a builder dex's answer values its positions alone (on the
 * exchange each dex holds its own collateral, which the simulator does not move between dexes).
 */
type AccountView = Pick<Account, "positions" | "balance" | "fundingAllTime">;

const dexView = (account: Account, dex: string): AccountView => ({
  positions: new Map([...account.positions].filter(([coin]) => dexOf(coin) === dex)),
  balance: dex === "" ? account.balance : ZERO,
  fundingAllTime: account.fundingAllTime,
});

const holdsOutside = (account: Account, dex: string): boolean => [...account.positions.keys()].some((coin) => dexOf(coin) !== dex);

export const clearinghouseState = (
  account: Account | undefined,
  market: VersionedMarket,
  time: number,
  oldShape: boolean,
  dex = "",
): Record<string, unknown> => {
  // Cached answers are the whole account's, on the main dex: any other view is built anew.
  if (account !== undefined && (dex !== "" || holdsOutside(account, dex))) {
    const view = dexView(account, dex);
    return oldShape ? oldShapeState(view, market) : { ...withoutTime(view, market), time };
  }
  if (oldShape) {
    return account
      ? cached(oldShapeCache, account, market, () => oldShapeState(account, market))
      : oldShapeState(undefined, market);
  }
  const body = account
    ? cached(currentCache, account, market, () => withoutTime(account, market))
    : withoutTime(undefined, market);
  return { ...body, time };
};

const withoutTime = (account: AccountView | undefined, market: MarketView): Record<string, unknown> => {
  const v = account ? valueAccount(account, market) : EMPTY_ACCOUNT_VALUE;
  return {
    marginSummary: summary(v.accountValue, v.totalNtlPos, v.totalRawUsd, v.totalMarginUsed),
    crossMarginSummary: summary(v.crossAccountValue, v.crossNtlPos, v.crossRawUsd, v.crossMarginUsed),
    crossMaintenanceMarginUsed: usd(v.crossMaintenanceMarginUsed),
    withdrawable: usd(v.withdrawable),
    assetPositions: v.positions.map((p) => ({
      type: "oneWay",
      position: {
        coin: p.position.coin,
        szi: wireDec(p.position.szi),
        leverage: leverageOf(p),
        entryPx: wireDec(p.position.entryPx),
        positionValue: usd(p.positionValue),
        unrealizedPnl: usd(p.unrealizedPnl),
        returnOnEquity: dec8(p.returnOnEquity),
        liquidationPx: p.liquidationPx ? dec8(p.liquidationPx) : null,
        marginUsed: usd(p.marginUsed),
        maxLeverage: p.maxLeverage,
        cumFunding: {
          allTime: usd(account?.fundingAllTime.get(p.position.coin) ?? ZERO),
          sinceOpen: usd(p.position.fundingSinceOpen),
          sinceChange: usd(p.position.fundingSinceChange),
        },
      },
    })),
  };
};

const oldShapeState = (
  account: AccountView | undefined,
  market: MarketView,
): Record<string, unknown> => {
  const v = account ? valueAccount(account, market) : EMPTY_ACCOUNT_VALUE;
  return {
    assetPositions: v.positions.map((p) => ({
      position: {
        coin: p.position.coin,
        entryPx: wireDec(p.position.entryPx),
        leverage: { type: p.position.leverage.type, value: p.position.leverage.value },
        liquidationPx: p.liquidationPx ? dec8(p.liquidationPx) : null,
        marginUsed: usd(p.marginUsed),
        maxTradeSzs: maxTradeSzs(p, v.withdrawable, market.markOf(p.position.coin)),
        positionValue: usd(p.positionValue),
        returnOnEquity: dec8(p.returnOnEquity),
        szi: wireDec(p.position.szi),
        unrealizedPnl: usd(p.unrealizedPnl),
      },
      type: "oneWay",
    })),
    crossMarginSummary: summary(v.crossAccountValue, v.crossNtlPos, v.crossRawUsd, v.crossMarginUsed),
    marginSummary: summary(v.accountValue, v.totalNtlPos, v.totalRawUsd, v.totalMarginUsed),
    withdrawable: usd(v.withdrawable),
  };
};

const summary = (accountValue: Decimal, ntl: Decimal, raw: Decimal, margin: Decimal): WireMarginSummary => ({
  accountValue: usd(accountValue),
  totalNtlPos: usd(ntl),
  totalRawUsd: usd(raw),
  totalMarginUsed: usd(margin),
});

const leverageOf = (p: PositionValuation): WireLeverage =>
  p.position.leverage.type === "isolated"
    ? { type: "isolated", value: p.position.leverage.value, rawUsd: usd(p.rawUsd ?? ZERO) }
    : { type: "cross", value: p.position.leverage.value };

/** [max buy, max sell] the free margin allows at this leverage; closing adds the open size back. */
const maxTradeSzs = (p: PositionValuation, free: Decimal, mark: Decimal): [string, string] => {
  const fresh = free.times(p.position.leverage.value).div(mark).round(4, 0);
  const open = p.position.szi.abs();
  const long = p.position.szi.gt(0);
  return [wireDec(long ? fresh : fresh.plus(open)), wireDec(long ? fresh.plus(open) : fresh)];
};
