/**
 * The leaderboard as the API serves it. The metrics job (a later issue) computes every row from
 * real fills and writes one sorted snapshot per sort key and order; the API only reads them.
 * Field names follow the original API. Money is an exact decimal string; ratios are numbers.
 */
export const LEADERBOARD_SORT_FIELDS = [
  "win_rate",
  "total_volume_usd",
  "account_age_days",
  "avg_risk_ratio",
  "max_drawdown",
  "max_profit_usd",
  "max_loss_usd",
] as const;

export type LeaderboardSortField = (typeof LEADERBOARD_SORT_FIELDS)[number];
export const LEADERBOARD_ORDERS = ["asc", "desc"] as const;
export type LeaderboardOrder = (typeof LEADERBOARD_ORDERS)[number];

export interface LeaderboardRow {
  trader_id: string;
  trader_address: string;
  /** Winning closes / all closes, 0–1. */
  win_rate: number;
  total_volume_usd: string;
  account_age_days: number;
  avg_risk_ratio: number;
  /** Largest peak-to-trough fall of equity, as a fraction 0–1. */
  max_drawdown: number;
  max_profit_usd: string;
  max_loss_usd: string;
  updated_at: string;
}

export interface LeaderboardSnapshot {
  /** Already sorted by the requested field and order. */
  rows: LeaderboardRow[];
  updatedAt: string;
}

export interface LeaderboardStore {
  /** One read; null until the metrics job has written this ordering. */
  snapshot(sortBy: LeaderboardSortField, order: LeaderboardOrder): Promise<LeaderboardSnapshot | null>;
}
