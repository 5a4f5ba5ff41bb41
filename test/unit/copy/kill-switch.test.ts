import { describe, expect, it } from "vitest";
import { killSwitch, utcDayStart, type EquityPoint } from "#domain/copy/kill-switch.js";

const curve = (...values: string[]): EquityPoint[] => values.map((equityUsd, i) => ({ time: i * 60_000, equityUsd }));

describe("kill switch", () => {
  it("does nothing without limits", () => {
    expect(killSwitch({ caps: {}, equityHistory: curve("10000", "1"), todayPnlUsd: "-9999" })).toEqual({ pause: false });
  });

  it("pauses when today's loss reaches daily_loss_limit_usd, not a cent before", () => {
    const caps = { dailyLossLimitUsd: "500" };
    expect(killSwitch({ caps, equityHistory: curve("10000"), todayPnlUsd: "-499.99" })).toEqual({ pause: false });
    expect(killSwitch({ caps, equityHistory: curve("10000"), todayPnlUsd: "-500" })).toEqual({
      pause: true,
      reason: "daily_loss_limit",
      message: "lost 500.00 USD today (UTC), at or above daily_loss_limit_usd 500",
    });
    // A gain never trips it.
    expect(killSwitch({ caps, equityHistory: curve("10000"), todayPnlUsd: "800" })).toEqual({ pause: false });
  });

  it("pauses when equity is max_drawdown below its peak, measured from the peak, not the start", () => {
    const caps = { maxDrawdown: "0.2" };
    // Peak 12,500; 20% below it is 10,000: 10,000.01 is still inside, 10,000 reaches it.
    expect(killSwitch({ caps, equityHistory: curve("10000", "12500", "10000.01"), todayPnlUsd: "0" })).toEqual({ pause: false });
    expect(killSwitch({ caps, equityHistory: curve("10000", "12500", "10000"), todayPnlUsd: "0" })).toEqual({
      pause: true,
      reason: "max_drawdown",
      message: "equity 10000 USD is 20.00% below its peak 12500 USD, at or above max_drawdown 0.2",
    });
  });

  it("has no drawdown to measure without a positive peak or any history", () => {
    expect(killSwitch({ caps: { maxDrawdown: "0.1" }, equityHistory: curve("0", "-5"), todayPnlUsd: "0" })).toEqual({ pause: false });
    expect(killSwitch({ caps: { maxDrawdown: "0.1" }, equityHistory: [], todayPnlUsd: "0" })).toEqual({ pause: false });
  });

  it("says the daily limit first when both are reached", () => {
    const decision = killSwitch({ caps: { dailyLossLimitUsd: "100", maxDrawdown: "0.5" }, equityHistory: curve("1000", "400"), todayPnlUsd: "-600" });
    expect(decision).toMatchObject({ pause: true, reason: "daily_loss_limit" });
  });

  it("counts today from 00:00 UTC", () => {
    expect(utcDayStart(Date.parse("2026-12-06T16:11:44.123Z"))).toBe(Date.parse("2026-12-06T00:00:00.000Z"));
    expect(utcDayStart(Date.parse("2026-12-06T00:00:00.000Z"))).toBe(Date.parse("2026-12-06T00:00:00.000Z"));
    expect(utcDayStart(Date.parse("1969-12-31T23:00:00.000Z"))).toBe(Date.parse("1969-12-31T00:00:00.000Z"));
  });
});
