import { dec } from "#commons/decimal.js";
import type { FreshnessStatus } from "./history/freshness.js";
import { METRIC_WINDOWS, type MetricWindow } from "./metrics/types.js";

/**
 * The leaderboard as the API serves it. The leaderboard job computes every row from the trader's
 * real fills, ledger and equity history (functions/domain/metrics) and writes one snapshot of all
 * rows per window; the API sorts and filters a snapshot in memory and never scans a table.
 * Field names follow the original API where it had them. Money is an exact decimal string; ratios
 * are numbers; a metric that does not exist for a trader (no closed round trip, no loss) is null.
 */
export const LEADERBOARD_SORT_FIELDS = [
  "win_rate",
  "total_volume_usd",
  "account_age_days",
  "avg_risk_ratio",
  "max_drawdown",
  "max_profit_usd",
  "max_loss_usd",
  "realized_pnl_usd",
  "fees_usd",
  "trades_count",
  "avg_hold_hours",
  "roi",
  "sharpe",
  "profit_factor",
  "score",
] as const;

export type LeaderboardSortField = (typeof LEADERBOARD_SORT_FIELDS)[number];
export const LEADERBOARD_ORDERS = ["asc", "desc"] as const;
export type LeaderboardOrder = (typeof LEADERBOARD_ORDERS)[number];
export type LeaderboardWindow = MetricWindow;

export interface LeaderboardOrdering {
  sortBy: LeaderboardSortField;
  order: LeaderboardOrder;
}

export interface LeaderboardRow {
  trader_id: string;
  trader_address: string;
  window: LeaderboardWindow;
  /** Winning ÷ closed round trips, 0–1; null without a closed round trip. */
  win_rate: number | null;
  total_volume_usd: string;
  account_age_days: number;
  /** Average win ÷ average |loss| (payoff ratio); null without wins or without losses. */
  avg_risk_ratio: number | null;
  /** Largest peak-to-trough fall of flow-adjusted equity, 0–1; null without equity history. */
  max_drawdown: number | null;
  /** Best round trip's realized PnL; null without a winning round trip. */
  max_profit_usd: string | null;
  /** Worst round trip's realized PnL as a positive amount; null without a losing round trip. */
  max_loss_usd: string | null;
  /** Trading PnL (Σ closedPnl − Σ fee) plus funding, in the window. */
  realized_pnl_usd: string;
  /** Σ closedPnl − Σ fee of the perp fills in the window. */
  trading_pnl_usd: string;
  /** Σ funding payments in the window, signed for the trader (+ received). */
  funding_usd: string;
  fees_usd: string;
  /** Perp fills in the window. */
  trades_count: number;
  /** Closed round trips counted in win rate and the round-trip figures. */
  round_trips: number;
  avg_hold_hours: number | null;
  roi: number | null;
  sharpe: number | null;
  /** Gross wins ÷ gross |losses|; null without losses (then `profit_factor_infinite` says whether there were wins). */
  profit_factor: number | null;
  profit_factor_infinite: boolean;
  /** Composite 0–1 across the traders of the same window (README); null when not rankable. */
  score: number | null;
  /** Looks like a market maker or bot (README); `exclude_bots=true` leaves these out. */
  is_bot: boolean;
  /**
   * How current the history behind the row was when the job computed it (#domain/history/freshness.js):
   * `stale` when a source has kept failing or has not been refreshed for too long. Set by the job.
   */
  data_status?: FreshnessStatus;
  /** The exchange says the address is a vault (`userRole`); its returns are the vault's, depositors' money taken out. */
  is_vault: boolean;
  updated_at: string;
}

/** One snapshot per window; `all` is the default. */
export const LEADERBOARD_WINDOWS = METRIC_WINDOWS;

/**
 * Which rows a view keeps; an absent minimum keeps every row. `minVolumeUsd` is a canonical
 * decimal string (`decStr`), compared exactly.
 */
export interface LeaderboardFilters {
  minTrades?: number | undefined;
  minVolumeUsd?: string | undefined;
  minAccountAgeDays?: number | undefined;
  excludeBots: boolean;
}

/**
 * What a reader needs to know about the current snapshot of one window before reading any row.
 * A snapshot never changes once written: a refresh is a new `snapshotId`.
 */
export interface LeaderboardSnapshotHeader {
  snapshotId: string;
  /** When the leaderboard job computed the rows. */
  updatedAt: string;
  /** Rows in the whole snapshot. */
  total: number;
  /** Stored pages the rows are split into (the store decides how many rows each holds). */
  pages: number;
  /** Epoch seconds after which the snapshot is gone (its pages expire by TTL). */
  expiresAt: number;
}

export interface LeaderboardStore {
  /** One small read; null until the leaderboard job has written this window, or once it expired. */
  header(window: LeaderboardWindow): Promise<LeaderboardSnapshotHeader | null>;
  /** Every row of the snapshot `header` names, in no particular order. */
  rows(window: LeaderboardWindow, header: LeaderboardSnapshotHeader): Promise<LeaderboardRow[]>;
}

/** Canonical text of the filters: equal filters, equal text (cache keys, cursors). */
export const filtersKey = (f: LeaderboardFilters): string =>
  `${f.minTrades ?? ""}|${f.minVolumeUsd ?? ""}|${f.minAccountAgeDays ?? ""}|${f.excludeBots ? 1 : 0}`;

const keeps = (f: LeaderboardFilters): ((row: LeaderboardRow) => boolean) => {
  const minVolume = f.minVolumeUsd === undefined ? undefined : dec(f.minVolumeUsd);
  return (row) =>
    !(f.excludeBots && row.is_bot) &&
    (f.minTrades === undefined || row.trades_count >= f.minTrades) &&
    (f.minAccountAgeDays === undefined || row.account_age_days >= f.minAccountAgeDays) &&
    // Exact: a trader at exactly the minimum passes, however many decimals either side has.
    (minVolume === undefined || dec(row.total_volume_usd).gte(minVolume));
};

/** The number a row is ordered by: decimal strings through Number (exact enough to order); null sorts last. */
const sortValue = (row: LeaderboardRow, field: LeaderboardSortField): number | null => {
  const v = row[field];
  if (v === null) return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isNaN(n) ? null : n;
};

/**
 * The rows of one snapshot that pass `filters`, ordered by `sortBy` in `order`. Rows without the
 * metric (null) come last in both orders, so the top of a ranking is always traders who have it;
 * ties, and the nulls among themselves, go by trader_address ascending, so pages are stable.
 */
export const leaderboardView = (
  rows: readonly LeaderboardRow[],
  { sortBy, order }: LeaderboardOrdering,
  filters: LeaderboardFilters,
): LeaderboardRow[] => {
  const keep = keeps(filters);
  const dir = order === "asc" ? 1 : -1;
  // Values computed once per row, not once per comparison (10,000 rows: ~130,000 comparisons).
  const decorated: { row: LeaderboardRow; value: number | null }[] = [];
  for (const row of rows) if (keep(row)) decorated.push({ row, value: sortValue(row, sortBy) });
  decorated.sort((a, b) => {
    if (a.value !== b.value) {
      if (a.value === null) return 1;
      if (b.value === null) return -1;
      return a.value < b.value ? -dir : dir;
    }
    const x = a.row.trader_address;
    const y = b.row.trader_address;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return decorated.map((d) => d.row);
};
