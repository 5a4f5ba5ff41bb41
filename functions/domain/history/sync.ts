import { AppError } from "#commons/errors.js";
import type { AppLogger } from "#commons/logger.js";
import type { Address } from "../address.js";
import type { CallOptions, Fill } from "../exchange.js";
import { dedupeFills, isPerpFill, isPerpFillIn } from "../fills.js";
import { isOwnLiquidation } from "../fill-sequence.js";
import { dexOfCoin, type PerpUniverseSource } from "../perp-universe.js";
import type { LedgerEntry } from "../metrics/types.js";
import type { FillStore, TraderStore } from "../ports.js";
import { advanceCursor, initialCursor } from "./cursor.js";
import { fundingKey, ledgerKey, toFundingPayment, toLedgerEntry, toPortfolioHistory } from "./mappers.js";
import { type FreshnessOptions, planSync } from "./plan.js";
import type { FundingUpdate, HistoryExchange, HistorySource, HistoryStore, HistorySyncState, LiquidationMarker, SetAsideEntry, StreamCursor } from "./ports.js";

/**
 * Brings one trader's stored history up to date: ledger, portfolio, role, funding, then fills, each only when
 * due (./plan.ts). Fills and ledger are paged by time from their own cursor; the cursor is saved
 * after every page, so a timeout, a crash or a budget stop loses nothing, and a backfill larger
 * than `maxPages` simply continues on the next call. Storing is idempotent by key, so reading a
 * page twice (after a crash, or two overlapping runs) never duplicates anything.
 */

/** The API's page sizes: userFillsByTime returns at most 2,000, time-range ledger requests 500. */
export const FILLS_PAGE_SIZE = 2_000;
export const LEDGER_PAGE_SIZE = 500;
/** userFunding is a time-range request like the ledger: 500 per answer. */
export const FUNDING_PAGE_SIZE = 500;
/**
 * The API only serves a user's 10,000 most recent fills. Each page after the first starts with the
 * previous page's last millisecond again, so the whole reachable history takes six pages.
 */
export const DEFAULT_MAX_PAGES = 6;

export interface HistorySyncDeps {
  exchange: HistoryExchange;
  store: HistoryStore;
  /** The same fill store tracking writes to: both key a fill by time + tid. */
  fills: FillStore;
  /** Every perp dex's coins: only their fills are stored. Without it, the coin's form decides (isPerpFill). */
  universe?: PerpUniverseSource;
  /** Told the builder dexes his fills show, so tracking polls them (TrackingState.dexHints). */
  traders?: Pick<TraderStore, "noteDexes">;
  /** Told his liquidation fills, to mark the events the trades stream could not (ports.ts). */
  events?: LiquidationMarker;
  now: () => number;
  logger?: AppLogger;
  /** Did the weight budget refuse, rather than the exchange fail? Default: an AppError coded BUDGET_TIMEOUT. */
  isBudgetRefusal?: (error: unknown) => boolean;
}

export interface HistorySyncOptions extends FreshnessOptions {
  /** Pages per stream (fills, ledger) in this call. Default 6. */
  maxPages?: number;
  /** The trader's latest position event (ms); null: never; undefined: unknown, so fills are checked. */
  lastActivityAt?: number | null;
  /** Aborting (the run's deadline) stops the sync cleanly, like a budget refusal. */
  signal?: AbortSignal;
}

export type { HistorySource } from "./ports.js";

export interface StreamProgress {
  pages: number;
  /** Items written that were not stored before (fills: perpetual fills only). */
  stored: number;
  caughtUp: boolean;
  /** Milliseconds whose items did not fit one page (see advanceCursor); normally empty. */
  skippedMilliseconds: number[];
  /** Entries the exchange sent that could not be read: not stored, stepped over (ledger only). */
  setAside: number;
}

export interface HistorySyncResult {
  address: Address;
  /** null: not due, no request made. */
  fills: StreamProgress | null;
  ledger: StreamProgress | null;
  funding: StreamProgress | null;
  portfolioRefreshed: boolean;
  roleRefreshed: boolean;
  /** Why the sync ended early; the next call resumes from the saved cursors. */
  stopped: "budget" | "aborted" | null;
  /**
   * Sources whose request failed (bad answer, exchange down), with why. Each source is synced on
   * its own: one that fails leaves the others to go on, and is tried again on the next call.
   */
  failed: Partial<Record<HistorySource, string>>;
  /** The state as saved. */
  state: HistorySyncState;
}

/** The code of BudgetTimeoutError (functions/hyperliquid/errors.ts): the history lane got no weight in time. */
const BUDGET_TIMEOUT = "BUDGET_TIMEOUT";
export const isBudgetTimeout = (error: unknown): boolean => error instanceof AppError && error.code === BUDGET_TIMEOUT;

export const initialSyncState = (): HistorySyncState => ({
  fills: initialCursor(),
  ledger: initialCursor(),
  funding: initialCursor(),
  portfolioFetchedAt: null,
  failingSince: {},
  role: null,
});

/** One page as a stream reads it: the items, and those the exchange sent that could not be read. */
interface Fetched<T> {
  items: readonly T[];
  setAside: readonly SetAsideEntry[];
}

/** A place in the page: a readable item, or one set aside (which still moves the cursor). */
type Slot<T> = { time: number; key: string; item: T } | { time: number; key: string; aside: SetAsideEntry };

interface Stream<T extends { time: number }> {
  name: "fills" | "ledger" | "funding";
  pageSize: number;
  fetch: (startTime: number) => Promise<Fetched<T>>;
  key: (item: T) => string;
  store: (items: T[]) => Promise<number>;
  get: (s: HistorySyncState) => StreamCursor;
  set: (s: HistorySyncState, c: StreamCursor) => HistorySyncState;
}

/** A page whose answer is read whole (fills, funding): nothing is set aside. */
const everyRead = <T>(items: readonly T[]): Fetched<T> => ({ items, setAside: [] });

const newProgress = (): StreamProgress => ({ pages: 0, stored: 0, caughtUp: false, skippedMilliseconds: [], setAside: 0 });

export const syncTraderHistory = async (
  deps: HistorySyncDeps,
  address: Address,
  options: HistorySyncOptions = {},
): Promise<HistorySyncResult> => {
  const { signal } = options;
  const maxPages = Math.max(1, options.maxPages ?? DEFAULT_MAX_PAGES);
  const call: CallOptions = { lane: "history", ...(signal && { signal }) };
  let state = (await deps.store.getSyncState(address)) ?? initialSyncState();
  const plan = planSync(state, options.lastActivityAt, deps.now(), options);
  const result: Omit<HistorySyncResult, "state"> = {
    address,
    fills: plan.fills ? newProgress() : null,
    ledger: plan.ledger ? newProgress() : null,
    funding: plan.funding ? newProgress() : null,
    portfolioRefreshed: false,
    roleRefreshed: false,
    stopped: null,
    failed: {},
  };
  const save = async (next: HistorySyncState): Promise<void> => {
    await deps.store.saveSyncState(address, next);
    state = next;
  };

  const syncStream = async <T extends { time: number }>(stream: Stream<T>, progress: StreamProgress): Promise<void> => {
    for (let page = 0; page < maxPages; page++) {
      signal?.throwIfAborted();
      const before = stream.get(state);
      // Taken before asking: activity after this instant may be missing from the answer.
      const askedAt = deps.now();
      const page = await stream.fetch(before.cursor);
      progress.pages++;
      // An entry set aside keeps its place by time and hash, so the cursor steps past it like any
      // other and reading its millisecond again does not count it twice; the page is full or not
      // by what the exchange sent.
      const slots: Slot<T>[] = page.items.map((item) => ({ time: item.time, key: stream.key(item), item }));
      for (const aside of page.setAside) {
        if (aside.time !== null && aside.hash !== null) slots.push({ time: aside.time, key: aside.hash, aside });
      }
      const step = advanceCursor(before, slots, stream.pageSize, (s) => s.key, page.items.length + page.setAside.length);
      const fresh = step.fresh.flatMap((s) => ("item" in s ? [s.item] : []));
      const unplaced = page.setAside.filter((a) => a.time === null || a.hash === null);
      for (const aside of [...step.fresh.flatMap((s) => ("aside" in s ? [s.aside] : [])), ...unplaced]) {
        progress.setAside++;
        deps.logger?.warn("A history entry could not be read; it is set aside and the sync goes on", {
          address,
          stream: stream.name,
          time: aside.time,
          hash: aside.hash,
          reason: aside.reason,
        });
      }
      if (fresh.length > 0) progress.stored += await stream.store(fresh);
      if (step.skippedMillisecond !== undefined) {
        progress.skippedMilliseconds.push(step.skippedMillisecond);
        deps.logger?.warn("A full history page shares one millisecond; the rest of it cannot be read", {
          address,
          stream: stream.name,
          time: step.skippedMillisecond,
        });
      }
      // Stored first, cursor second: a crash in between only means reading this page again.
      await save(stream.set(state, step.caughtUp ? { ...step.next, syncedAt: askedAt } : step.next));
      progress.caughtUp = step.caughtUp;
      if (step.caughtUp) return;
    }
  };

  const fills: Stream<Fill> = {
    name: "fills",
    pageSize: FILLS_PAGE_SIZE,
    fetch: async (start) => everyRead(await deps.exchange.userFillsByTime(address, start, undefined, call)),
    // The store keys fills by time + tid, so within one millisecond the tid is the identity.
    key: (f) => String(f.tid),
    // Like tracking, only perpetual fills are kept; the cursor still moves over spot ones.
    store: async (items) => {
      const isPerp = deps.universe ? isPerpFillIn(await deps.universe()) : isPerpFill;
      const perps = dedupeFills(items.filter(isPerp));
      if (deps.traders !== undefined) await hintDexes(deps.traders, address, perps);
      const stored = perps.length > 0 ? await deps.fills.putFills(address, perps) : 0;
      // Stored first: an event is marked from fills that are kept.
      const liquidations = perps.filter((f) => isOwnLiquidation(f, address));
      if (liquidations.length > 0 && deps.events !== undefined) {
        const marked = await deps.events.markLiquidations(address, liquidations);
        if (marked > 0) deps.logger?.info("Events told by the trades stream marked as liquidations", { address, marked });
      }
      return stored;
    },
    get: (s) => s.fills,
    set: (s, c) => ({ ...s, fills: c }),
  };

  const ledger: Stream<LedgerEntry> = {
    name: "ledger",
    pageSize: LEDGER_PAGE_SIZE,
    fetch: async (start) => {
      const page = await deps.exchange.userNonFundingLedgerUpdates(address, start, undefined, call);
      return { items: page.entries, setAside: page.setAside };
    },
    key: ledgerKey,
    store: (items) => deps.store.putLedger(address, items.map(toLedgerEntry)),
    get: (s) => s.ledger,
    set: (s, c) => ({ ...s, ledger: c }),
  };

  const funding: Stream<FundingUpdate> = {
    name: "funding",
    pageSize: FUNDING_PAGE_SIZE,
    fetch: async (start) => everyRead(await deps.exchange.userFunding(address, start, undefined, call)),
    key: fundingKey,
    store: (items) => deps.store.putFunding(address, items.map(toFundingPayment)),
    get: (s) => s.funding,
    set: (s, c) => ({ ...s, funding: c }),
  };

  /**
   * Runs one source. A budget refusal or the run's deadline stops the whole sync (the others
   * would meet the same); any other failure is this source's alone: recorded, and the next
   * source goes on, so one unreadable answer cannot keep a trader's other history stale.
   */
  const run = async (source: HistorySource, work: () => Promise<void>): Promise<boolean> => {
    try {
      signal?.throwIfAborted();
      await work();
      if (state.failingSince[source] !== undefined) {
        const { [source]: _recovered, ...still } = state.failingSince;
        await save({ ...state, failingSince: still });
      }
      return true;
    } catch (error) {
      const stopped = signal?.aborted ? "aborted" : (deps.isBudgetRefusal ?? isBudgetTimeout)(error) ? "budget" : null;
      if (stopped !== null) {
        result.stopped = stopped;
        deps.logger?.debug("History sync stopped early; the next run resumes", { address, stopped });
        return false;
      }
      const message = error instanceof Error ? error.message : String(error);
      result.failed[source] = message;
      // Remembered across runs: a source that keeps failing makes the trader's data stale.
      if (state.failingSince[source] === undefined) {
        await save({ ...state, failingSince: { ...state.failingSince, [source]: deps.now() } }).catch(() => undefined);
      }
      deps.logger?.warn("A history source failed; the trader's other sources still sync", { address, source, error: message });
      return true;
    }
  };

  // Cheap parts first: one request each gives the equity metrics everything they need, while a
  // fills backfill may take several runs. A portfolio is not refreshed over a ledger that failed:
  // the flows must cover the equity curve they are taken out of, or a deposit would read as a
  // return. The fills go on regardless.
  let goOn = true;
  if (result.ledger) goOn = await run("ledger", () => syncStream(ledger, result.ledger!));
  if (goOn && plan.portfolio && result.failed.ledger === undefined) {
    goOn = await run("portfolio", async () => {
      const fetchedAt = deps.now();
      const answer = await deps.exchange.portfolio(address, call);
      await deps.store.putPortfolio(address, toPortfolioHistory(answer, fetchedAt));
      await save({ ...state, portfolioFetchedAt: fetchedAt });
      result.portfolioRefreshed = true;
    });
  }
  if (goOn && plan.role) {
    goOn = await run("role", async () => {
      const fetchedAt = deps.now();
      const { role } = await deps.exchange.userRole(address, call);
      await save({ ...state, role: { role, fetchedAt } });
      result.roleRefreshed = true;
    });
  }
  if (goOn && result.funding) goOn = await run("funding", () => syncStream(funding, result.funding!));
  if (goOn && result.fills) await run("fills", () => syncStream(fills, result.fills!));
  return { ...result, state };
};

/** His last fill on each builder dex these fills show: tracking then polls that dex's positions. */
const hintDexes = async (traders: Pick<TraderStore, "noteDexes">, address: Address, fills: readonly Fill[]): Promise<void> => {
  const last: Record<string, number> = {};
  for (const f of fills) {
    const dex = dexOfCoin(f.coin);
    if (dex !== "" && (last[dex] ?? -1) < f.time) last[dex] = f.time;
  }
  if (Object.keys(last).length > 0) await traders.noteDexes(address, last, "hint");
};
