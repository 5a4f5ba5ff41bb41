import { dec, ZERO, type Decimal } from "#commons/decimal.js";
import type { Caps } from "#domain/copy/follower.js";

/**
 * The kill switch: a follower pauses when today's loss (UTC day, realized + unrealized, fees
 * included) reaches daily_loss_limit_usd, or when equity has fallen max_drawdown (a fraction) below
 * its peak. "Reaches" includes equality: a limit of $500 stops at a $500 loss, not after it.
 */

export interface EquityPoint {
  time: number;
  equityUsd: string;
}

export interface KillSwitchInput {
  caps: Pick<Caps, "dailyLossLimitUsd" | "maxDrawdown">;
  /** The follower's equity so far, the current value last. */
  equityHistory: readonly EquityPoint[];
  /** Realized + unrealized PnL since 00:00 UTC today, fees subtracted. */
  todayPnlUsd: string;
}

export type KillSwitchDecision =
  | { pause: false }
  | { pause: true; reason: "daily_loss_limit" | "max_drawdown"; message: string };

export const killSwitch = ({ caps, equityHistory, todayPnlUsd }: KillSwitchInput): KillSwitchDecision => {
  if (caps.dailyLossLimitUsd !== undefined) {
    const loss = dec(todayPnlUsd).neg();
    if (loss.gte(caps.dailyLossLimitUsd)) {
      return {
        pause: true,
        reason: "daily_loss_limit",
        message: `lost ${loss.toFixed(2)} USD today (UTC), at or above daily_loss_limit_usd ${caps.dailyLossLimitUsd}`,
      };
    }
  }
  const current = equityHistory.at(-1);
  if (caps.maxDrawdown !== undefined && current !== undefined) {
    const peak = equityHistory.reduce<Decimal>((max, p) => (dec(p.equityUsd).gt(max) ? dec(p.equityUsd) : max), ZERO);
    // Without a positive peak there is nothing to draw down from.
    if (peak.gt(0)) {
      const lost = peak.minus(current.equityUsd);
      // Compared without a division (lost ≥ max_drawdown × peak): the edge is exact.
      if (lost.gte(peak.times(caps.maxDrawdown))) {
        const drawdown = lost.div(peak);
        return {
          pause: true,
          reason: "max_drawdown",
          message: `equity ${current.equityUsd} USD is ${drawdown.times(100).toFixed(2)}% below its peak ${peak.toFixed()} USD, at or above max_drawdown ${caps.maxDrawdown}`,
        };
      }
    }
  }
  return { pause: false };
};

/** Start of the UTC day holding `time` (ms): where today's PnL is counted from. */
export const utcDayStart = (time: number): number => time - (((time % 86_400_000) + 86_400_000) % 86_400_000);
