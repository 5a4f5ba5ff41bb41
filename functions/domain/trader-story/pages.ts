import { createHash } from "node:crypto";
import type { Fill } from "../exchange.js";
import { compareFills, dedupeFills } from "../fills.js";
import { METRIC_WINDOWS, type FundingPayment, type MetricWindow, type TraderHistory } from "../metrics/types.js";
import { listRoundTrips, type ListedRoundTrip, type RoundTripPosition } from "./round-trip-list.js";
import { equitySeries, type EquitySeries } from "./series.js";

/**
 * The trader page, precomputed: the leaderboard job, which loads every trader's whole history
 * once a run anyway, writes the page's round trips (one item each) and equity series (one item
 * per window), so the HTTP API reads a page by key instead of rebuilding it from every fill on
 * each request (issue 16, finding 1).
 *
 * Writes stay bounded per run: a marker per trader remembers what its items were built from. When
 * the stored history only grew at its end, the round trips closed since are the only new ones
 * (a round trip is settled by the fills up to its close); a series item is written only when its
 * content hash changed. Only history that changed behind what was built (an older fill or a late
 * funding payment of a stored round trip's time) rebuilds the whole list.
 */

/** The last fill and funding payment a build read, and how many: what "only grew at its end" is checked against. */
export interface PagesBasis {
  fills: number;
  lastFill: { time: number; tid: number } | null;
  funding: number;
  lastFunding: { time: number; coin: string } | null;
}

/** The per-trader marker, written last: a run that stops half-way is redone by the next. */
export interface PagesMarker {
  basis: PagesBasis;
  /** The newest stored round trip; new ones are those after it. */
  newestTrip: RoundTripPosition | null;
  /** Content hash of each window's stored series. */
  seriesHash: Partial<Record<MetricWindow, string>>;
  computedAt: number;
}

/** One window's series as stored: what GET /traders/{a}/equity answers. */
export interface StoredEquity extends EquitySeries {
  /** When the portfolio behind account_value and pnl was fetched; null without one. */
  portfolioFetchedAt: number | null;
}

export interface TraderPagesPlan {
  /** Every stored round trip is replaced by `trips` (the history changed behind what was built). */
  replaceAll: boolean;
  /** Round trips to write: all of them on a first build or a rebuild, else those closed since. */
  trips: ListedRoundTrip[];
  /** Only the windows whose series changed. */
  series: { window: MetricWindow; equity: StoredEquity }[];
  marker: PagesMarker;
  /** false when nothing at all changed: an idle trader costs no write per run. */
  writeMarker: boolean;
}

/** What the job writes through (the DynamoDB adapter is functions/store/dynamo/trader-pages.ts). */
export interface TraderPagesWriter {
  readMarker(address: string): Promise<PagesMarker | null>;
  apply(address: string, plan: TraderPagesPlan): Promise<void>;
}

/** Which round trips a page asks for: closed in (`closedAfter`, `closedUntil`], before `before`, one dex or all. */
export interface RoundTripQuery {
  dex?: string;
  /** Exclusive; null: no start (window `all`). */
  closedAfter: number | null;
  /** Inclusive. */
  closedUntil: number;
  /** The last round trip already sent: only older ones. */
  before?: RoundTripPosition;
  limit: number;
}

/** What the HTTP API reads: one Query per page of round trips, one GetItem per series. */
export interface TraderPagesReader {
  /** Newest closed first, at most `limit`. */
  roundTrips(address: string, query: RoundTripQuery): Promise<ListedRoundTrip[]>;
  /** null: the job has not built this trader's page yet. */
  equity(address: string, window: MetricWindow): Promise<StoredEquity | null>;
}

const byTimeThenCoin = (a: FundingPayment, b: FundingPayment): number => a.time - b.time || (a.coin < b.coin ? -1 : a.coin > b.coin ? 1 : 0);

const isAfter = (rt: ListedRoundTrip, p: RoundTripPosition | null): boolean =>
  p === null || rt.closed_at > p.closedAt || (rt.closed_at === p.closedAt && rt.close_tid > p.closeTid);

/** True when `sorted` holds exactly `count` items up to and including `last` (so it only grew after it). */
const grewAtEnd = <T>(sorted: readonly T[], count: number, last: T | null, same: (a: T, b: T) => boolean): boolean =>
  count === 0 ? last === null : last !== null && sorted.length >= count && same(sorted[count - 1]!, last);

const hashOf = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("base64url");

/** What to write for one trader from the history the job loaded, given what was built before. */
export const planTraderPages = (
  history: Pick<TraderHistory, "fills" | "funding" | "portfolio">,
  now: number,
  stored: PagesMarker | null,
): TraderPagesPlan => {
  // The same fills and payments the list and series count (none after `now`).
  const fills: Fill[] = dedupeFills(history.fills)
    .filter((f) => f.time <= now)
    .sort(compareFills);
  const funding = (history.funding ?? []).filter((p) => p.time <= now).sort(byTimeThenCoin);
  const lastFill = fills.at(-1);
  const lastPayment = funding.at(-1);
  const basis: PagesBasis = {
    fills: fills.length,
    lastFill: lastFill === undefined ? null : { time: lastFill.time, tid: lastFill.tid },
    funding: funding.length,
    lastFunding: lastPayment === undefined ? null : { time: lastPayment.time, coin: lastPayment.coin },
  };
  const trips = listRoundTrips(fills, "all", now, funding);

  const newestBefore = stored?.newestTrip ?? null;
  const extended =
    stored !== null &&
    grewAtEnd<{ time: number; tid: number }>(fills, stored.basis.fills, stored.basis.lastFill, (a, b) => a.time === b.time && a.tid === b.tid) &&
    grewAtEnd<{ time: number; coin: string }>(funding, stored.basis.funding, stored.basis.lastFunding, (a, b) => a.time === b.time && a.coin === b.coin) &&
    // A payment that arrived late for a stored round trip's time changes that round trip's funding.
    funding.slice(stored.basis.funding).every((p) => newestBefore === null || p.time > newestBefore.closedAt);

  const series: TraderPagesPlan["series"] = [];
  const seriesHash: PagesMarker["seriesHash"] = {};
  for (const window of METRIC_WINDOWS) {
    const equity: StoredEquity = {
      ...equitySeries({ portfolio: history.portfolio, fills, funding, window, now }),
      portfolioFetchedAt: history.portfolio?.fetchedAt ?? null,
    };
    seriesHash[window] = hashOf(equity);
    if (stored?.seriesHash[window] !== seriesHash[window]) series.push({ window, equity });
  }

  const newest = trips[0];
  const toWrite = extended ? trips.filter((rt) => isAfter(rt, newestBefore)) : trips;
  const sameBasis = stored !== null && stored.basis.fills === basis.fills && stored.basis.funding === basis.funding;
  return {
    replaceAll: stored !== null && !extended,
    trips: toWrite,
    series,
    writeMarker: !(extended && sameBasis && toWrite.length === 0 && series.length === 0),
    marker: {
      basis,
      newestTrip: newest === undefined ? null : { closedAt: newest.closed_at, closeTid: newest.close_tid },
      seriesHash,
      computedAt: now,
    },
  };
};

/** Brings one trader's stored page up to the loaded history. */
export const updateTraderPages = async (
  store: TraderPagesWriter,
  history: Pick<TraderHistory, "address" | "fills" | "funding" | "portfolio">,
  now: number,
): Promise<TraderPagesPlan> => {
  const plan = planTraderPages(history, now, await store.readMarker(history.address));
  await store.apply(history.address, plan);
  return plan;
};
