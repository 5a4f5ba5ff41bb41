/** A trader's account history: fills backfill and top-up, ledger and portfolio (see ./sync.ts). */
export { advanceCursor, initialCursor, type PageStep } from "./cursor.js";
export { dataFreshness, freshnessRules, type DataFreshness, type FreshnessRules, type FreshnessStatus } from "./freshness.js";
export { toLedgerEntry, toPortfolioHistory } from "./mappers.js";
export { DEFAULT_PORTFOLIO_MAX_AGE_MS, needsSync, planSync, type FreshnessOptions, type SyncPlan } from "./plan.js";
export type {
  HistoryExchange,
  HistoryReader,
  HistoryStore,
  HistorySyncState,
  PortfolioPeriod,
  StoredHistory,
  StreamCursor,
} from "./ports.js";
export {
  DEFAULT_MAX_PAGES,
  FILLS_PAGE_SIZE,
  LEDGER_PAGE_SIZE,
  initialSyncState,
  isBudgetTimeout,
  syncTraderHistory,
  type HistorySyncDeps,
  type HistorySyncOptions,
  type HistorySyncResult,
  type StreamProgress,
} from "./sync.js";
