import { describe, expect, it } from "vitest";
import { dec, sumDec } from "#commons/decimal.js";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import type { FundingPayment } from "#domain/metrics/types.js";
import { listRoundTrips } from "#domain/trader-story/round-trip-list.js";
import { userFundingSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";
import { roundTrip } from "./fills.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const N = Date.UTC(2025, 0, 10, 12);
const ADDRESS = "0x00000000000000000000000000000000000000f1";

const pay = (time: number, coin: string, usdc: string): FundingPayment => ({ time, coin, usdc });
const rowsOf = (input: { fills: ReturnType<typeof roundTrip>[number][]; funding?: FundingPayment[]; role?: string | null }) =>
  Object.fromEntries(
    computeTraderRows({
      history: { address: ADDRESS, firstSeenAt: N - 90 * DAY, ...input },
      equity: {},
      now: N,
      updatedAt: "x",
    }).map((r) => [r.window, r]),
  ) as Record<string, LeaderboardRow>;

describe("funding in realized PnL and in round trips", () => {
  // ETH long held 10 h, closed 2 h ago: +5 closed PnL, 0.5 fees per fill → trading PnL +4.
  const opened = N - 12 * HOUR;
  const closed = N - 2 * HOUR;
  const fills = roundTrip({ coin: "ETH", side: "long", sz: "1", px: "100", exitPx: "105", time: opened, holdMs: 10 * HOUR, closedPnl: "5", fee: "0.5" });
  const funding = [
    // At the opening millisecond: earned by the position before it (flat), not this round trip.
    pay(opened, "ETH", "-100"),
    pay(opened + HOUR, "ETH", "-2.5"),
    pay(opened + 2 * HOUR, "ETH", "-1.75"),
    // At the closing millisecond: this round trip's.
    pay(closed, "ETH", "-0.0001"),
    // Another coin, and after the close: not this round trip's.
    pay(opened + HOUR, "BTC", "0.3"),
    pay(closed + HOUR, "ETH", "-7"),
    // 3 days ago: only in the 7d, 30d and all windows.
    pay(N - 3 * DAY, "SOL", "12.125"),
    // After now: nowhere.
    pay(N + HOUR, "ETH", "-50"),
  ];

  it("realized PnL is trading PnL plus the window's funding, each shown on its own", () => {
    const rows = rowsOf({ fills, funding });
    // 1d: −100 − 2.5 − 1.75 − 0.0001 + 0.3 − 7 (the payment at `opened` is inside the day).
    expect(rows["1d"]).toMatchObject({ trading_pnl_usd: "4", funding_usd: "-110.9501", realized_pnl_usd: "-106.9501" });
    expect(rows["7d"]).toMatchObject({ trading_pnl_usd: "4", funding_usd: "-98.8251", realized_pnl_usd: "-94.8251" });
    expect(rows.all!.realized_pnl_usd).toBe(rows["7d"]!.realized_pnl_usd);
  });

  it("a round trip's PnL takes the funding of its coin in (opened_at, closed_at]: a winning trade that paid more funding is a loss", () => {
    const withFunding = rowsOf({ fills, funding })["1d"]!;
    const without = rowsOf({ fills })["1d"]!;
    expect(without).toMatchObject({ win_rate: 1, max_profit_usd: "4", max_loss_usd: null });
    // 4 − 2.5 − 1.75 − 0.0001 = −0.2501.
    expect(withFunding).toMatchObject({ win_rate: 0, max_profit_usd: null, max_loss_usd: "0.2501", round_trips: 1 });
    const [listed] = listRoundTrips(fills, "1d", N, funding);
    expect(listed).toMatchObject({ realized_pnl: "-0.2501", funding: "-4.2501", fees: "1" });
  });

  it("without funding the figures are the trading PnL, as before", () => {
    const rows = rowsOf({ fills });
    expect(rows["1d"]).toMatchObject({ trading_pnl_usd: "4", funding_usd: "0", realized_pnl_usd: "4" });
    expect(listRoundTrips(fills, "1d", N)[0]).toMatchObject({ realized_pnl: "4", funding: "0" });
  });

  it("sums the recorded userFunding answer exactly (usdc signed for the user)", () => {
    const recorded = userFundingSchema.parse(loadFixture("userFunding.recorded.json").response);
    const payments = recorded.map((u) => pay(u.time, u.delta.coin, u.delta.usdc));
    const last = Math.max(...payments.map((p) => p.time));
    const rows = Object.fromEntries(
      computeTraderRows({ history: { address: ADDRESS, fills: [], firstSeenAt: 0, funding: payments }, equity: {}, now: last, updatedAt: "x" }).map((r) => [r.window, r]),
    );
    const expected = sumDec(recorded.map((u) => u.delta.usdc));
    expect(dec(rows.all!.funding_usd).eq(expected)).toBe(true);
    expect(dec(rows.all!.realized_pnl_usd).eq(expected)).toBe(true);
    const lastDay = sumDec(recorded.filter((u) => u.time > last - DAY).map((u) => u.delta.usdc));
    expect(dec(rows["1d"]!.funding_usd).eq(lastDay)).toBe(true);
  });

  it("flags a vault by its role, only a vault", () => {
    expect(rowsOf({ fills, role: "vault" })["7d"]!.is_vault).toBe(true);
    for (const role of ["user", "subAccount", "missing", null, undefined]) expect(rowsOf({ fills, role })["7d"]!.is_vault).toBe(false);
  });
});
