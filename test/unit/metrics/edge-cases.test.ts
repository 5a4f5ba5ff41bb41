import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { fill, roundTrip, spotFill } from "./fills.js";

/** The edge cases the issue lists, each checked on the rows a user would see. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const N = Date.UTC(2025, 3, 1, 12);

const rows = (fills: Fill[], opts: { now?: number; firstSeenAt?: number } = {}): Record<string, LeaderboardRow> =>
  Object.fromEntries(
    computeTraderRows({
      history: { address: "0xedge", fills, firstSeenAt: opts.firstSeenAt ?? N },
      equity: {},
      now: opts.now ?? N,
      updatedAt: "2025-04-01T12:00:00.000Z",
    }).map((r) => [r.window, r]),
  );

/** Nothing happened: no money, no round trip, every ratio null. */
const EMPTY = {
  trades_count: 0,
  total_volume_usd: "0",
  fees_usd: "0",
  realized_pnl_usd: "0",
  round_trips: 0,
  win_rate: null,
  avg_risk_ratio: null,
  profit_factor: null,
  profit_factor_infinite: false,
  max_profit_usd: null,
  max_loss_usd: null,
  avg_hold_hours: null,
};

describe("edge cases, row by row", () => {
  it("no fills: empty rows, age from firstSeenAt", () => {
    const r = rows([], { firstSeenAt: N - 36 * HOUR });
    for (const w of ["1d", "7d", "30d", "all"]) expect(r[w]).toMatchObject({ ...EMPTY, account_age_days: 1, is_bot: false });
  });

  it("only opens: volume and fees, no round trip", () => {
    const r = rows([
      fill({ coin: "ETH", side: "B", sz: "1", px: "100", time: N - 2 * HOUR, startPosition: "0", fee: "0.05" }),
      fill({ coin: "ETH", side: "B", sz: "1", px: "102", time: N - HOUR, startPosition: "1", fee: "0.05" }),
    ]);
    // Volume 100 + 102; realized PnL is −fees: opening realizes nothing but costs the fee.
    expect(r["1d"]).toMatchObject({ ...EMPTY, trades_count: 2, total_volume_usd: "202", fees_usd: "0.1", realized_pnl_usd: "-0.1" });
  });

  it("a flip closes one round trip and opens the next", () => {
    const r = rows([
      fill({ coin: "BTC", side: "B", sz: "1", px: "100", time: N - 3 * HOUR, startPosition: "0", fee: "0.1" }),
      // Long 1 → short 2: 1 of the 3 closes (fee 0.3 × 1/3 = 0.1), closedPnl 1 × (110 − 100) = 10.
      fill({ coin: "BTC", side: "A", sz: "3", px: "110", time: N - 2 * HOUR, startPosition: "1", dir: "Long > Short", closedPnl: "10", fee: "0.3" }),
      // Short 2 closes: 2 × (110 − 105) = 10.
      fill({ coin: "BTC", side: "B", sz: "2", px: "105", time: N - HOUR, startPosition: "-2", dir: "Close Short", closedPnl: "10", fee: "0.2" }),
    ]);
    // Long: 10 − (0.1 + 0.1) = 9.8. Short: 10 − (0.2 + 0.2) = 9.6. Both held 1 h.
    expect(r["1d"]).toMatchObject({
      trades_count: 3,
      total_volume_usd: "640", // 100 + 330 + 210
      fees_usd: "0.6",
      realized_pnl_usd: "19.4", // 9.8 + 9.6
      round_trips: 2,
      win_rate: 1,
      max_profit_usd: "9.8",
      max_loss_usd: null,
      profit_factor: null,
      profit_factor_infinite: true,
      avg_hold_hours: 1,
    });
  });

  describe("partial closes across many fills", () => {
    // Short 10 at 50, bought back 2 at a time at 49, 48, 47, 46, 45, one hour apart; 0.01 fee per close.
    const fills = [
      fill({ coin: "SOL", side: "A", sz: "10", px: "50", time: N - 5 * HOUR, startPosition: "0", dir: "Open Short" }),
      ...[49, 48, 47, 46, 45].map((px, i) =>
        fill({
          coin: "SOL",
          side: "B",
          sz: "2",
          px: String(px),
          time: N - (4 - i) * HOUR,
          startPosition: String(-10 + 2 * i),
          dir: "Close Short",
          closedPnl: String(2 * (50 - px)), // 2, 4, 6, 8, 10
          fee: "0.01",
        }),
      ),
    ];

    it("belong to one round trip", () => {
      // 2 + 4 + 6 + 8 + 10 = 30 − 0.05 = 29.95; held 5 h; volume 500 + 2 × (49 + 48 + 47 + 46 + 45) = 970.
      expect(rows(fills)["1d"]).toMatchObject({
        trades_count: 6,
        total_volume_usd: "970",
        realized_pnl_usd: "29.95",
        round_trips: 1,
        win_rate: 1,
        max_profit_usd: "29.95",
        avg_hold_hours: 5,
      });
    });

    it("count their PnL before the round trip closes, but not a round trip", () => {
      // Just before the last close: 2 + 4 + 6 + 8 = 20 − 0.04 = 19.96, still open.
      expect(rows(fills, { now: N - 1 })["1d"]).toMatchObject({
        trades_count: 5,
        realized_pnl_usd: "19.96",
        round_trips: 0,
        win_rate: null,
        max_profit_usd: null,
      });
    });
  });

  it("a liquidation is a losing close", () => {
    const liquidation = {
      ...fill({ coin: "ETH", side: "A", sz: "5", px: "1800", time: N - 9 * HOUR, startPosition: "5", dir: "Close Long", closedPnl: "-1000", fee: "2" }),
      // The exchange adds this to liquidation fills; the metrics read the fill like any other.
      liquidation: { liquidatedUser: "0xedge", markPx: "1799.5", method: "market" },
    };
    const r = rows([fill({ coin: "ETH", side: "B", sz: "5", px: "2000", time: N - 10 * HOUR, startPosition: "0", fee: "1" }), liquidation]);
    // −1000 − (1 + 2) = −1003; a loss and no win: profit factor 0 / 1003 = 0, payoff ratio undefined.
    expect(r["1d"]).toMatchObject({
      trades_count: 2,
      total_volume_usd: "19000", // 10000 + 9000
      realized_pnl_usd: "-1003",
      round_trips: 1,
      win_rate: 0,
      max_profit_usd: null,
      max_loss_usd: "1003",
      profit_factor: 0,
      profit_factor_infinite: false,
      avg_risk_ratio: null,
      avg_hold_hours: 1,
    });
  });

  it("negative fees (rebates) add to realized PnL", () => {
    const r = rows(roundTrip({ coin: "ARB", side: "long", sz: "100", px: "1", exitPx: "1.1", time: N - 2 * HOUR, holdMs: HOUR, closedPnl: "10", fee: "-0.02" }));
    // 10 − (−0.02 − 0.02) = 10.04.
    expect(r["1d"]).toMatchObject({ fees_usd: "-0.04", realized_pnl_usd: "10.04", max_profit_usd: "10.04", total_volume_usd: "210" });
  });

  it("fills in the same millisecond keep the exchange's order (tid), whatever order they arrive in", () => {
    const t = N - HOUR;
    const open = fill({ coin: "OP", side: "B", sz: "10", px: "2", time: t, startPosition: "0", tid: 9_000_001 });
    const close1 = fill({ coin: "OP", side: "A", sz: "4", px: "2.1", time: t, startPosition: "10", closedPnl: "0.4", tid: 9_000_002, hash: "0xclose" });
    const close2 = fill({ coin: "OP", side: "A", sz: "6", px: "2.1", time: t, startPosition: "6", closedPnl: "0.6", tid: 9_000_003, hash: "0xclose" });
    // Open, then a close in two fills, all at t: one round trip of PnL 1 held 0 ms.
    expect(rows([close2, close1, open])["1d"]).toMatchObject({
      trades_count: 3,
      total_volume_usd: "41", // 20 + 8.4 + 12.6
      realized_pnl_usd: "1",
      round_trips: 1,
      win_rate: 1,
      avg_hold_hours: 0,
    });
  });

  it("spot fills count for account age only", () => {
    const r = rows([
      spotFill({ side: "B", sz: "500", px: "20", time: N - 3 * DAY - HOUR }),
      ...roundTrip({ coin: "ETH", side: "short", sz: "1", px: "100", exitPx: "90", time: N - 2 * HOUR, holdMs: HOUR, closedPnl: "10" }),
      spotFill({ side: "A", sz: "500", px: "21", time: N - HOUR }),
    ]);
    for (const w of ["1d", "all"]) {
      // floor(3 days + 1 h) = 3; only the two ETH fills (100 + 90).
      expect(r[w]).toMatchObject({ account_age_days: 3, trades_count: 2, total_volume_usd: "190", realized_pnl_usd: "10", round_trips: 1 });
    }
  });

  it("a window with no activity is empty while longer ones are not", () => {
    const r = rows(roundTrip({ coin: "BTC", side: "long", sz: "1", px: "100", exitPx: "120", time: N - 10 * DAY, holdMs: 2 * HOUR, closedPnl: "20" }));
    expect(r["1d"]).toMatchObject(EMPTY);
    expect(r["7d"]).toMatchObject(EMPTY);
    for (const w of ["30d", "all"]) {
      expect(r[w]).toMatchObject({ trades_count: 2, total_volume_usd: "220", realized_pnl_usd: "20", round_trips: 1, win_rate: 1, avg_hold_hours: 2 });
    }
  });
});
