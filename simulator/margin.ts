import BigImport from "big.js";
import { ZERO, type Decimal } from "#commons/decimal.js";
import type { Account, Position } from "./account.js";

/**
 * Margin arithmetic behind `clearinghouseState`, following Hyperliquid's margining docs:
 * - cross margin used = position value / leverage;
 * - isolated margin = initial margin at entry (|szi| × entryPx / leverage) plus unrealised PnL,
 *   and `rawUsd` = isolated margin − szi × entryPx, so marginUsed = rawUsd + szi × mark
 *   (the identity the docs example satisfies);
 * - maintenance margin is half the initial margin at max leverage;
 * - the cross account value excludes isolated margin.
 * All exact; rounding happens only when writing the wire.
 */

/**
 * Divisions dominate the cost of a valuation (big.js long division runs to DP places, 20 in
 * #commons/decimal). Every quotient here is written with at most 8 decimals, so 10 places are
 * plenty and halve the cost. A separate constructor keeps the shared one untouched; it prints
 * like the shared one (no exponents).
 */
const Quotient = BigImport();
Quotient.DP = 10;
Quotient.NE = -40;
Quotient.PE = 60;
const divide = (a: Decimal, b: Decimal | number): Decimal => new Quotient(a.toString()).div(b);

export interface PositionValuation {
  position: Position;
  assetIndex: number;
  maxLeverage: number;
  positionValue: Decimal;
  unrealizedPnl: Decimal;
  returnOnEquity: Decimal;
  marginUsed: Decimal;
  /** Only for isolated positions. */
  rawUsd: Decimal | null;
  liquidationPx: Decimal | null;
  /** szi × mark, signed. */
  signedNtl: Decimal;
}

export interface AccountValuation {
  positions: PositionValuation[];
  accountValue: Decimal;
  totalNtlPos: Decimal;
  totalRawUsd: Decimal;
  totalMarginUsed: Decimal;
  crossAccountValue: Decimal;
  crossNtlPos: Decimal;
  crossRawUsd: Decimal;
  crossMarginUsed: Decimal;
  crossMaintenanceMarginUsed: Decimal;
  withdrawable: Decimal;
}

export interface MarketView {
  markOf(coin: string): Decimal;
  assetOf(coin: string): { index: number; maxLeverage: number };
}

export const valueAccount = (account: Pick<Account, "positions" | "balance">, market: MarketView): AccountValuation => {
  const positions: PositionValuation[] = [];
  let upnlAll = ZERO;
  let isolatedMargin = ZERO;
  let totalNtl = ZERO;
  let crossNtl = ZERO;
  let signedAll = ZERO;
  let signedCross = ZERO;
  let marginAll = ZERO;
  let marginCross = ZERO;
  let maintenanceCross = ZERO;

  for (const p of account.positions.values()) {
    const mark = market.markOf(p.coin);
    const { index, maxLeverage } = market.assetOf(p.coin);
    const absSz = p.szi.abs();
    const positionValue = absSz.times(mark);
    const unrealizedPnl = p.szi.times(mark.minus(p.entryPx));
    // At most one division per derived number: ROE = uPnL × leverage / (|szi| × entryPx).
    const entryNtl = absSz.times(p.entryPx);
    const signedNtl = p.szi.times(mark);
    const isolated = p.leverage.type === "isolated";
    const initialMargin = isolated ? divide(entryNtl, p.leverage.value) : null;
    const marginUsed = initialMargin ? initialMargin.plus(unrealizedPnl) : divide(positionValue, p.leverage.value);
    const rawUsd = initialMargin ? initialMargin.minus(p.szi.times(p.entryPx)) : null;

    upnlAll = upnlAll.plus(unrealizedPnl);
    totalNtl = totalNtl.plus(positionValue);
    signedAll = signedAll.plus(signedNtl);
    marginAll = marginAll.plus(marginUsed);
    if (isolated) {
      isolatedMargin = isolatedMargin.plus(marginUsed);
    } else {
      crossNtl = crossNtl.plus(positionValue);
      signedCross = signedCross.plus(signedNtl);
      marginCross = marginCross.plus(marginUsed);
      maintenanceCross = maintenanceCross.plus(divide(positionValue, 2 * maxLeverage));
    }
    positions.push({
      position: p,
      assetIndex: index,
      maxLeverage,
      positionValue,
      unrealizedPnl,
      returnOnEquity: entryNtl.eq(0) ? ZERO : divide(unrealizedPnl.times(p.leverage.value), entryNtl),
      marginUsed,
      rawUsd,
      liquidationPx: null,
      signedNtl,
    });
  }

  const accountValue = account.balance.plus(upnlAll);
  const crossAccountValue = accountValue.minus(isolatedMargin);
  for (const v of positions) {
    v.liquidationPx = liquidationPx(v, market.markOf(v.position.coin), crossAccountValue.minus(maintenanceCross));
  }
  // The API lists positions in asset-id order (see the recorded 2023 response).
  positions.sort((a, b) => a.assetIndex - b.assetIndex);
  const free = crossAccountValue.minus(marginCross);
  return {
    positions,
    accountValue,
    totalNtlPos: totalNtl,
    totalRawUsd: accountValue.minus(signedAll),
    totalMarginUsed: marginAll,
    crossAccountValue,
    crossNtlPos: crossNtl,
    crossRawUsd: crossAccountValue.minus(signedCross),
    crossMarginUsed: marginCross,
    crossMaintenanceMarginUsed: maintenanceCross,
    withdrawable: free.gt(0) ? free : ZERO,
  };
};

/**
 * The docs' formula: liq = mark − side × marginAvailable / |szi| / (1 − l × side), with
 * l = 1 / maintenance leverage (M = 2 × max leverage). Cross positions share the account's free
 * margin; an isolated one only has its own. Rearranged to a single division:
 * liq = mark − side × available × M / (|szi| × (M − side)).
 * A price at or below zero means "cannot be liquidated", which the API writes as null.
 */
const liquidationPx = (v: PositionValuation, mark: Decimal, crossAvailable: Decimal): Decimal | null => {
  const p = v.position;
  const m = 2 * v.maxLeverage;
  const side = p.szi.gt(0) ? 1 : -1;
  const available =
    p.leverage.type === "isolated" ? v.marginUsed.minus(divide(v.positionValue, m)) : crossAvailable;
  const liq = mark.minus(divide(available.times(side * m), p.szi.abs().times(m - side)));
  return liq.gt(0) ? liq : null;
};

/** Account value alone (for the portfolio history): cash plus unrealised PnL. */
export const accountValueOf = (account: Account, markOf: (coin: string) => Decimal): Decimal => {
  let value = account.balance;
  for (const p of account.positions.values()) value = value.plus(p.szi.times(markOf(p.coin).minus(p.entryPx)));
  return value;
};
