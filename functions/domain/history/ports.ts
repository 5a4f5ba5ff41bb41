import type { Address } from "../address.js";
import type { CallOptions, ExchangePort, Fill } from "../exchange.js";
import type { EquityPoint, FundingPayment, LedgerEntry, PortfolioHistory, TraderHistory } from "../metrics/types.js";

/**
 * What syncing a trader's account history needs from the outside world (ports). The Hyperliquid
 * client is a HistoryExchange as it is; the DynamoDB adapter is in `functions/store/dynamo/history.ts`.
 */

/** One `portfolio` period as the exchange sends it (extra fields such as `vlm` are ignored). */
export interface PortfolioPeriod {
  accountValueHistory: readonly EquityPoint[];
  pnlHistory: readonly EquityPoint[];
}

/**
 * A ledger entry the exchange sent that could not be read. It is not stored; it is counted and
 * logged, and the sync steps past it (by its time and hash when those could be read).
 */
export interface SetAsideEntry {
  time: number | null;
  hash: string | null;
  /** Which field was wrong and how, e.g. `delta.usdc: expected decimal string, got number`. */
  reason: string;
}

/** One ledger page: the entries that could be read, and those that could not. */
export interface LedgerPage {
  entries: readonly LedgerEntry[];
  setAside: readonly SetAsideEntry[];
}

/** One `userFunding` entry as the client returns it (validated; extra fields are not stored). */
export interface FundingUpdate {
  time: number;
  hash: string;
  delta: { coin: string; usdc: string } & Record<string, unknown>;
}

/**
 * Marks the stored events that the trades stream told, once the trader's own fills show which of
 * them were his liquidation (the stream does not say; those events carry `liquidation: null`).
 */
export interface LiquidationMarker {
  /** Returns how many events were marked `liquidation: true`. */
  markLiquidations(address: Address, fills: readonly Pick<Fill, "tid" | "time" | "coin">[]): Promise<number>;
}

/** The history requests; every call is made with lane "history". */
export interface HistoryExchange extends Pick<ExchangePort, "userFillsByTime"> {
  /** Oldest first from `startTime`, at most one page (500 on the real API). */
  userNonFundingLedgerUpdates(
    user: string,
    startTime: number,
    endTime: number | undefined,
    opts: CallOptions,
  ): Promise<LedgerPage>;
  portfolio(user: string, opts: CallOptions): Promise<ReadonlyArray<readonly [string, PortfolioPeriod]>>;
  /** Funding payments, oldest first from `startTime`, at most one page (500 on the real API). */
  userFunding(user: string, startTime: number, endTime: number | undefined, opts: CallOptions): Promise<readonly FundingUpdate[]>;
  /** What the address is to the exchange: `user`, `vault`, `subAccount`, `agent` or `missing`. */
  userRole(user: string, opts: CallOptions): Promise<{ role: string }>;
}

/**
 * Where a time-paged stream (fills, ledger) stands. `cursor` is the next request's `startTime`:
 * the time of the last item stored, not one past it, because more items may share that
 * millisecond. `seen` holds the keys already stored at exactly `cursor`, so reading that
 * millisecond again stores only what is new.
 */
export interface StreamCursor {
  cursor: number;
  seen: string[];
  /** The last page read was short: everything up to the exchange's present is stored. */
  caughtUp: boolean;
  /** When a sync last caught up (taken before its final request); null before the first time. */
  syncedAt: number | null;
}

/** The trader's history requests, each synced on its own. */
export type HistorySource = "ledger" | "portfolio" | "fills" | "funding" | "role";

/** The trader's `userRole`, asked rarely: an address does not stop being a vault. */
export interface RoleState {
  role: string;
  fetchedAt: number;
}

export interface HistorySyncState {
  fills: StreamCursor;
  ledger: StreamCursor;
  funding: StreamCursor;
  portfolioFetchedAt: number | null;
  /**
   * Per source, since when its requests have failed (ms, our clock): set by the first failure,
   * cleared by the next success. What the trader's data freshness (./freshness.ts) is read from.
   */
  failingSince: Partial<Record<HistorySource, number>>;
  /** null: not asked yet. */
  role: RoleState | null;
}

/** What the metrics of one trader read back (`role` from the sync state). */
export type StoredHistory = Pick<TraderHistory, "fills" | "ledger" | "portfolio"> & { funding: FundingPayment[]; role: string | null };

export interface HistoryLoadOptions {
  /** Only the fills and funding payments with time > after (a metrics checkpoint's horizon). */
  after?: number;
  /**
   * Read the ledger only when this says so of the stored portfolio (ledger [] otherwise): the
   * metrics need it only where the exchange's own PnL samples cannot be read (#domain/metrics/pnl-flows.js).
   */
  ledgerIf?: (portfolio: PortfolioHistory | null) => boolean;
}

export interface HistoryStore {
  getSyncState(address: Address): Promise<HistorySyncState | null>;
  saveSyncState(address: Address, state: HistorySyncState): Promise<void>;
  /** Idempotent: an entry is keyed by time + hash. Returns how many were written. */
  putLedger(address: Address, entries: readonly LedgerEntry[]): Promise<number>;
  /** Idempotent: a payment is keyed by time + coin (one per coin and funding time). Returns how many were written. */
  putFunding(address: Address, payments: readonly FundingPayment[]): Promise<number>;
  /** Replaces the stored portfolio. */
  putPortfolio(address: Address, portfolio: PortfolioHistory): Promise<void>;
  /** Fills (deduplicated, oldest first, ties by tid), ledger and funding (oldest first), the latest portfolio and the role. */
  loadTraderHistory(address: Address, options?: HistoryLoadOptions): Promise<StoredHistory>;
}

/**
 * What the HTTP API reads of a trader's stored history (the dashboard's charts and round trips):
 * narrower than `loadTraderHistory`, so a request for one window reads only that window's fills.
 */
export interface HistoryReader {
  /** The latest stored `portfolio` answer; null before the first sync. */
  portfolio(address: Address): Promise<PortfolioHistory | null>;
  /** Stored fills with `time > after` (every fill without `after`), deduplicated, oldest first, ties by tid. */
  fills(address: Address, after?: number): Promise<Fill[]>;
  /** Where the trader's history sync stands (what data freshness is read from); null before the first sync. */
  syncState(address: Address): Promise<HistorySyncState | null>;
  /** Stored funding payments with `time > after` (all without `after`), oldest first. */
  funding(address: Address, after?: number): Promise<FundingPayment[]>;
}
