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

export interface LeaderboardOrdering {
  sortBy: LeaderboardSortField;
  order: LeaderboardOrder;
}

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

/**
 * What a reader needs to know about the current snapshot of one ordering before reading any row.
 * A snapshot never changes once written: a refresh is a new `snapshotId`.
 */
export interface LeaderboardSnapshotHeader {
  snapshotId: string;
  /** When the metrics job computed the rows. */
  updatedAt: string;
  /** Rows in the whole snapshot. */
  total: number;
  /** Rows per stored page; page `n` holds rows [n × pageSize, (n + 1) × pageSize). */
  pageSize: number;
  /** Epoch seconds after which the snapshot is gone (its pages expire by TTL). */
  expiresAt: number;
}

export interface LeaderboardStore {
  /** One small read; null until the metrics job has written this ordering, or once it expired. */
  header(ordering: LeaderboardOrdering): Promise<LeaderboardSnapshotHeader | null>;
  /** One page of one snapshot, already sorted (ties by trader_address). */
  page(ordering: LeaderboardOrdering, snapshotId: string, page: number): Promise<LeaderboardRow[]>;
}

/**
 * Which stored pages cover rows [offset, offset + limit) of a snapshot, and where that window
 * starts and ends in the concatenation of those pages. No pages when the window is past the end.
 */
export const rowWindow = (
  header: Pick<LeaderboardSnapshotHeader, "total" | "pageSize">,
  offset: number,
  limit: number,
): { pages: number[]; start: number; end: number } => {
  const last = Math.min(offset + limit, header.total);
  if (offset >= last) return { pages: [], start: 0, end: 0 };
  const first = Math.floor(offset / header.pageSize);
  const lastPage = Math.floor((last - 1) / header.pageSize);
  const pages = Array.from({ length: lastPage - first + 1 }, (_, i) => first + i);
  const start = offset - first * header.pageSize;
  return { pages, start, end: start + (last - offset) };
};
