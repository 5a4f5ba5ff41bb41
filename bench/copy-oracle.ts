import { dec, decStr, ZERO, type Decimal } from "#commons/decimal.js";
import type { FollowedLeader } from "#domain/copy/follower.js";
import type { MarketInfo } from "./copy-leaders.js";

/**
 * What each follower of bench/copy.ts should hold at the end, worked out here from the issue's
 * rules and the leaders' events, not with the engine's functions (functions/domain/copy/targets.ts),
 * so that the benchmark checks the engine instead of repeating it:
 * - proportional: leader size × (follower equity ÷ leader equity) × multiplier, the equities those
 *   of his last change to the coin (his right after his trade; the follower's as its first run
 *   after that event found it: its fills planned before the event);
 * - fixed_ratio: leader size × ratio;
 * - fixed_notional: the position opened at notional_usd, then scaled as the leader's own size: leader
 *   size × notional ÷ (mark × |his size when he opened it|), the opening being his last OPEN or FLIP;
 * summed over the followed leaders per coin, a denied coin 0, and |size| ≤ max_position_usd ÷ mark.
 * Prices do not move in the benchmark (leaders trade at the mark, follower fills at the mid), so one
 * mark per coin serves every step, and an account's value is its start plus, per fill,
 * (mark − price) × signed size − fee.
 */

export interface OracleEvent {
  leader: string;
  coin: string;
  type: string;
  /** His signed size after it. */
  szi: string;
  /** When it was committed, epoch ms. */
  at: number;
  /** His account value right after the trade. */
  leaderEquityUsd: string;
}

/** One of the follower's fills (a filled or partly filled order). */
export interface OracleFill {
  /** When the run that sent it planned it (the order's sent_at): it had read the leaders before. */
  plannedAt: number;
  coin: string;
  /** Filled size, signed (a sell < 0). */
  szi: string;
  price: string;
  feeUsd: string;
}

export interface OracleFollower {
  id: string;
  leaders: readonly FollowedLeader[];
  caps: { maxPositionUsd?: string; coinsDeny?: readonly string[]; coinsAllow?: readonly string[]; maxTotalExposureUsd?: string; maxLeverage?: string };
  /** Its account value before any fill. */
  startUsd: string;
  fills: readonly OracleFill[];
}

interface Leg {
  szi: Decimal;
  /** |szi| when the current position opened (OPEN or FLIP). */
  openedAt: Decimal | null;
  /** His last change to it: when, and his account value right after. */
  changedAt: number;
  leaderEquityUsd: Decimal;
}

/** Every leader's final size per coin, the size each open position opened at, and his last change, from the events in commit order. */
export const legsFromEvents = (events: readonly OracleEvent[]): Map<string, Leg> => {
  const legs = new Map<string, Leg>();
  for (const e of events) {
    const key = `${e.leader} ${e.coin}`;
    const szi = dec(e.szi);
    const before = legs.get(key);
    const opened = e.type === "OPEN_POSITION" || e.type === "FLIP_POSITION" ? szi.abs() : szi.eq(0) ? null : (before?.openedAt ?? null);
    legs.set(key, { szi, openedAt: opened, changedAt: e.at, leaderEquityUsd: dec(e.leaderEquityUsd) });
  }
  return legs;
};

/**
 * The follower's account value as its first run after `t` saw it: the fills its runs planned
 * before `t` (a run plans after reading the leaders, so those runs had not seen what happened at
 * `t`; each run's fills land before the next run of the same follower starts).
 */
export const followerEquityAt = (follower: Pick<OracleFollower, "startUsd" | "fills">, t: number, market: Readonly<Record<string, MarketInfo>>): Decimal =>
  follower.fills
    .filter((f) => f.plannedAt < t)
    .reduce((sum, f) => sum.plus(markOf(market, f.coin).minus(f.price).times(f.szi)).minus(f.feeUsd), dec(follower.startUsd));

export const expectedTargets = (
  follower: OracleFollower,
  legs: ReadonlyMap<string, Leg>,
  market: Readonly<Record<string, MarketInfo>>,
): Record<string, Decimal> => {
  if (follower.caps.maxTotalExposureUsd !== undefined || follower.caps.maxLeverage !== undefined) {
    throw new Error(`${follower.id}: the oracle does not model total-exposure caps; the benchmark gives none`);
  }
  const targets: Record<string, Decimal> = {};
  for (const { address, sizing } of follower.leaders) {
    for (const [key, leg] of legs) {
      const [leader, coin] = key.split(" ") as [string, string];
      if (leader !== address) continue;
      let size = ZERO;
      if (!leg.szi.eq(0)) {
        if (sizing.mode === "fixed_ratio") size = leg.szi.times(sizing.ratio);
        else if (sizing.mode === "proportional") {
          const followerEquity = followerEquityAt(follower, leg.changedAt, market);
          size = leg.szi.times(followerEquity).times(sizing.multiplier).div(leg.leaderEquityUsd);
        } else {
          if (leg.openedAt === null) throw new Error(`${key}: an open position with no opening event`);
          size = leg.szi.times(sizing.notionalUsd).div(markOf(market, coin).times(leg.openedAt));
        }
      }
      targets[coin] = (targets[coin] ?? ZERO).plus(size);
    }
  }
  for (const [coin, size] of Object.entries(targets)) {
    const denied = (follower.caps.coinsDeny ?? []).includes(coin) || (follower.caps.coinsAllow !== undefined && !follower.caps.coinsAllow.includes(coin));
    let capped = denied ? ZERO : size;
    if (follower.caps.maxPositionUsd !== undefined) {
      const most = dec(follower.caps.maxPositionUsd).div(markOf(market, coin));
      if (capped.abs().gt(most)) capped = capped.lt(0) ? most.neg() : most;
    }
    targets[coin] = capped;
  }
  return targets;
};

const markOf = (market: Readonly<Record<string, MarketInfo>>, coin: string): Decimal => {
  const m = market[coin];
  if (m === undefined) throw new Error(`no mark for ${coin}`);
  return dec(m.mark);
};

/**
 * - exact / within_lot: as the issue asks (one lot: sizes are rounded down to it);
 * - below_minimum: more than a lot off, but worth less than the exchange's $10 minimum order, so
 *   no order could close the gap (the engine carries it);
 * - missed: anything else.
 */
export type LegVerdict = "exact" | "within_lot" | "below_minimum" | "missed";

export interface LegCheck {
  coin: string;
  target: string;
  actual: string;
  /** |actual − target| in lots. */
  lots: number;
  usd: number;
  verdict: LegVerdict;
}

export const MIN_ORDER_USD = 10;

export const checkFollower = (
  targets: Readonly<Record<string, Decimal>>,
  actual: Readonly<Record<string, string>>,
  market: Readonly<Record<string, MarketInfo>>,
): LegCheck[] =>
  [...new Set([...Object.keys(targets), ...Object.keys(actual)])].sort().map((coin) => {
    const target = targets[coin] ?? ZERO;
    const held = dec(actual[coin] ?? "0");
    const m = market[coin];
    if (m === undefined) throw new Error(`no market for ${coin}`);
    const off = held.minus(target).abs();
    const lots = off.times(dec(10).pow(m.szDecimals));
    const usd = off.times(m.mark);
    const verdict: LegVerdict = off.eq(0) ? "exact" : lots.lte(1) ? "within_lot" : usd.lt(MIN_ORDER_USD) ? "below_minimum" : "missed";
    return { coin, target: decStr(target.round(8, 1)), actual: decStr(held), lots: Number(lots.round(2, 1).toFixed()), usd: Number(usd.round(2, 1).toFixed()), verdict };
  });

/** A paper account's value at `marks`: balance + realized PnL − fees + Σ (mark − entry) × size. */
export const paperAccountValue = (
  ledger: { balanceUsd: string; realizedPnlUsd: string; feesUsd: string; positions: Readonly<Record<string, { szi: string; entryPx: string }>> },
  market: Readonly<Record<string, MarketInfo>>,
): string =>
  decStr(
    Object.entries(ledger.positions).reduce(
      (sum, [coin, p]) => sum.plus(markOf(market, coin).minus(p.entryPx).times(p.szi)),
      dec(ledger.balanceUsd).plus(ledger.realizedPnlUsd).minus(ledger.feesUsd),
    ),
  );
