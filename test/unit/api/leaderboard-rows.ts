import type { LeaderboardRow } from "#domain/leaderboard.js";

/** A complete leaderboard row for tests: every metric present unless `overrides` says otherwise. */
export const leaderboardRow = (address: string, overrides: Partial<LeaderboardRow> = {}): LeaderboardRow => ({
  trader_id: address,
  trader_address: address,
  window: "all",
  win_rate: 0.5,
  total_volume_usd: "1000",
  account_age_days: 100,
  avg_risk_ratio: 1.2,
  max_drawdown: 0.2,
  max_profit_usd: "500",
  max_loss_usd: "250",
  realized_pnl_usd: "120.5",
  fees_usd: "3.25",
  trades_count: 40,
  round_trips: 12,
  avg_hold_hours: 5.5,
  roi: 0.1,
  sharpe: 1.1,
  profit_factor: 1.6,
  profit_factor_infinite: false,
  score: 0.6,
  is_bot: false,
  updated_at: "2026-01-01T00:00:00.000Z",
  ...overrides,
});
