import { describe, expect, it } from "vitest";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { scoreRows } from "#domain/metrics/score.js";

const row = (address: string, o: Partial<LeaderboardRow> = {}): LeaderboardRow => ({
  trader_id: address,
  trader_address: address,
  window: "7d",
  win_rate: 0.5,
  total_volume_usd: "1000",
  account_age_days: 30,
  avg_risk_ratio: 1,
  max_drawdown: 0.2,
  max_profit_usd: "10",
  max_loss_usd: "5",
  realized_pnl_usd: "5",
  trading_pnl_usd: "5",
  funding_usd: "0",
  fees_usd: "1",
  trades_count: 20,
  round_trips: 10,
  avg_hold_hours: 1,
  roi: 0.1,
  sharpe: 1,
  profit_factor: 1,
  profit_factor_infinite: false,
  score: null,
  is_bot: false,
  is_vault: false,
  updated_at: "2025-01-01T00:00:00.000Z",
  ...o,
});

const scores = (rows: LeaderboardRow[]): Record<string, number | null> =>
  Object.fromEntries(scoreRows(rows).map((r) => [r.trader_address, r.score]));

describe("scoreRows", () => {
  // Components per row → normalised over A, B, C (D and E are not scored and do not count):
  //              win        1 − dd        log10 payoff     log10(1 + roi)        sharpe
  //   A          0.8 → 1    0.9 → 1       1 → 0 → 0.5      1 → 0 → 0.5           2 → 1
  //   B          0.5 → 0    0.7 → 0       100 → cap 1 → 1  51 → cap 1 → 1        null → 0
  //   C          0.6 → 1/3  null → 0      0.1 → −1 → 0     0.05 → floor −1 → 0   −1 → 0
  // A = (1 + 1 + 0.5 + 0.5 + 1) / 5 = 0.8; B = (1 + 1) / 5 = 0.4; C = (1/3) / 5 = 1/15.
  const a = row("0xa", { win_rate: 0.8, max_drawdown: 0.1, avg_risk_ratio: 1, roi: 0, sharpe: 2 });
  const b = row("0xb", { win_rate: 0.5, max_drawdown: 0.3, avg_risk_ratio: 100, roi: 50, sharpe: null });
  const c = row("0xc", { win_rate: 0.6, max_drawdown: null, avg_risk_ratio: 0.1, roi: -0.95, sharpe: -1 });
  // Better than everyone on every figure, but a bot / too few round trips: not scored, not in the ranges.
  const d = row("0xd", { is_bot: true, win_rate: 1, max_drawdown: 0, avg_risk_ratio: 1000, roi: 100, sharpe: 3 });
  const e = row("0xe", { round_trips: 4, win_rate: 1, max_drawdown: 0, avg_risk_ratio: 1000, roi: 100, sharpe: 3 });

  it("weights the min-max normalised, capped components equally", () => {
    const s = scores([a, b, c, d, e]);
    expect(s["0xa"]).toBeCloseTo(0.8, 12);
    expect(s["0xb"]).toBeCloseTo(0.4, 12);
    expect(s["0xc"]).toBeCloseTo(1 / 15, 12);
    expect(s["0xd"]).toBeNull();
    expect(s["0xe"]).toBeNull();
  });

  it("does not depend on row order and leaves its input alone", () => {
    const input = [e, c, d, b, a];
    const out = scoreRows(input);
    expect(out.map((r) => r.trader_address)).toEqual(["0xe", "0xc", "0xd", "0xb", "0xa"]);
    expect(Object.fromEntries(out.map((r) => [r.trader_address, r.score]))).toEqual(scores([a, b, c, d, e]));
    expect(input.every((r) => r.score === null)).toBe(true);
  });

  it("drops a component no scored row has, instead of giving everyone 0", () => {
    // No Sharpe anywhere (as in the 1d window). Win: P 0, Q 1; drawdown, payoff, ROI shared → 1 each.
    // P = (0 + 1 + 1 + 1) / 4 = 0.75 (it would be 3/5 if Sharpe counted as 0); Q = 4/4.
    const s = scores([row("0xp", { win_rate: 0.5, sharpe: null }), row("0xq", { win_rate: 0.7, sharpe: null })]);
    expect(s).toEqual({ "0xp": 0.75, "0xq": 1 });
  });

  it("gives a payoff ratio of +∞ (wins, no loss) the cap, and a payoff with no win 0", () => {
    // Payoff components: ∞ → 1, 10 → 1, 1 → 0; the rest shared (→ 1 each).
    const s = scores([
      row("0x1", { avg_risk_ratio: null, profit_factor: null, profit_factor_infinite: true }),
      row("0x2", { avg_risk_ratio: 10 }),
      row("0x3", { avg_risk_ratio: 1 }),
    ]);
    expect(s).toEqual({ "0x1": 1, "0x2": 1, "0x3": 0.8 });
    // No win: payoff null → 0, like the worst. The range comes from 0x3 alone (shared → 1).
    const withNoWin = scores([row("0x3", { avg_risk_ratio: 1 }), row("0x4", { avg_risk_ratio: null, profit_factor: 0 })]);
    // 0x3: (1 + 1 + 1 + 1 + 1) / 5; 0x4: payoff 0 → 4/5.
    expect(withNoWin).toEqual({ "0x3": 1, "0x4": 0.8 });
  });

  it("a lone scored row gets 1", () => {
    expect(scores([row("0xa"), row("0xbot", { is_bot: true })])).toEqual({ "0xa": 1, "0xbot": null });
  });

  it("keeps scores within [0, 1] for arbitrary figures", () => {
    let x = 7;
    const next = (): number => (x = (x * 48271) % 2147483647) / 2147483647;
    const rows = Array.from({ length: 200 }, (_, i) =>
      row(`0x${i}`, {
        win_rate: next(),
        max_drawdown: next() < 0.2 ? null : next(),
        avg_risk_ratio: next() < 0.1 ? null : next() * 50,
        roi: next() < 0.1 ? null : next() * 20 - 1.5,
        sharpe: next() < 0.3 ? null : next() * 20 - 10,
        round_trips: Math.floor(next() * 10),
      }),
    );
    const out = scoreRows(rows);
    for (const r of out) {
      if (r.round_trips < 5) expect(r.score).toBeNull();
      else {
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(1);
      }
    }
  });

  it("takes one window at a time", () => {
    expect(scoreRows([])).toEqual([]);
    expect(() => scoreRows([row("0xa"), row("0xb", { window: "30d" })])).toThrow(/one window/);
  });
});
