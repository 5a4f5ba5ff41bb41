/**
 * Sort-key layouts, in one place. Zero-padding makes the lexical order of DynamoDB equal the
 * numeric order we want.
 */
export const ACTIVE_SHARD = "active";

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/**
 * events.sk: the trader's state version, then the coin: one key per transition and coin. A coin's
 * later events in one version (the OPEN after a CLOSE) add their step, which sorts after the first.
 */
export const eventSortKey = (version: number, coin: string, step = 1): string =>
  step === 1 ? `${pad(version, 12)}#${coin}` : `${pad(version, 12)}#${coin}#${pad(step, 4)}`;

/** fills.sk: time then tid, so a trader's fills read back oldest first in a stable order. */
export const fillSortKey = (time: number, tid: number): string => `${pad(time, 13)}#${pad(tid, 20)}`;

export const STATE_KEYS = {
  trackingCycle: { pk: "tracking-cycle", sk: "latest" },
  discoveryCursor: { pk: "discovery", sk: "cursor" },
  streamListener: { pk: "stream-listener", sk: "status" },
  streamListenerFinished: { pk: "stream-listener", sk: "finished" },
  reconcileCursor: { pk: "tracking-cycle", sk: "rotation" },
} as const;

/** state table: the leaderboard snapshots, a header and pages per ordering (see ./leaderboard.ts). */
export const LEADERBOARD_PK = "leaderboard";

/** Digits of a page number in its sort key: up to 10,000 pages per snapshot. */
export const LEADERBOARD_PAGE_DIGITS = 4;

export const leaderboardHeaderKey = (sortBy: string, order: string): { pk: string; sk: string } => ({
  pk: LEADERBOARD_PK,
  sk: `${sortBy}#${order}`,
});

export const leaderboardPageKey = (sortBy: string, order: string, snapshotId: string, page: number): { pk: string; sk: string } => ({
  pk: LEADERBOARD_PK,
  sk: `${sortBy}#${order}#${snapshotId}#p${pad(page, LEADERBOARD_PAGE_DIGITS)}`,
});

/**
 * Account history (./history.ts). The ledger lives in the fills table, in the trader's own
 * partition, under `ledger#` + time + hash: one partition holds everything the metrics read about
 * a trader. Fill keys start with a digit and `ledger#` with a letter, so a key condition
 * `sk < FILL_SK_END` reads fills only and `begins_with(sk, LEDGER_SK_PREFIX)` the ledger only.
 */
export const FILL_SK_END = ":"; // the character after "9"
export const LEDGER_SK_PREFIX = "ledger#";

/** fills.sk of a ledger entry: time then hash, so storing the same entry twice overwrites it. */
export const ledgerSortKey = (time: number, hash: string): string => `${LEDGER_SK_PREFIX}${pad(time, 13)}#${hash}`;

/**
 * fills.sk of a funding payment: `funding#` + time + coin (the exchange pays a position once per
 * funding time), in the same partition; `f` sorts after the fill keys' digits like `ledger#` does.
 */
export const FUNDING_SK_PREFIX = "funding#";
export const fundingSortKey = (time: number, coin: string): string => `${FUNDING_SK_PREFIX}${pad(time, 13)}#${coin}`;

/** state table: a trader's history sync cursors and their latest portfolio, two small items. */
export const historyStateKey = (address: string): { pk: string; sk: string } => ({ pk: `history#${address}`, sk: "sync" });
export const historyPortfolioKey = (address: string): { pk: string; sk: string } => ({ pk: `history#${address}`, sk: "portfolio" });

/**
 * pages table (./trader-pages.ts), partition = trader: the precomputed trader page. Each round
 * trip is stored twice, under every dex (`trip#*#`) and under its own (`trip#=<dex>#`, the main
 * dex `trip#=#`), then closing time and closing tid: a page of either list, newest first from a
 * cursor within a window, is one key range. `equity#<window>` holds a window's series, `meta` the
 * marker of what they were built from (with the metrics checkpoint), `prefix#<horizon>` the
 * realized PnL of `all` up to the checkpoint's horizon.
 */
export const PAGES_META_SK = "meta";
export const TRIP_SK_PREFIX = "trip#";
export const equitySortKey = (window: string): string => `equity#${window}`;
/** `all`'s realized PnL up to a checkpoint's horizon: one item per horizon, so a reader never meets a half-moved one. */
export const realizedPrefixSortKey = (horizon: number): string => `prefix#${pad(horizon, 13)}`;

/** The list a round-trip key belongs to: every dex (undefined) or one. */
export const tripScope = (dex?: string): string => `${TRIP_SK_PREFIX}${dex === undefined ? "*" : `=${dex}`}#`;
export const tripSortKey = (scope: string, closedAt: number, closeTid: number): string => `${scope}${pad(closedAt, 13)}#${pad(closeTid, 20)}`;
/** Above every tid of that millisecond ("~" sorts after the digits). */
export const tripTimeEnd = (scope: string, closedAt: number): string => `${scope}${pad(closedAt, 13)}#~`;
