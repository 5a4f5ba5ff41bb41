import { createHash } from "node:crypto";
import type { Fill } from "../exchange.js";
import { compareFills, dedupeFills } from "../fills.js";
import { checkpointRealized, type MetricsCheckpoint } from "../metrics/checkpoint.js";
import type { Replay } from "../metrics/trader-replay.js";
import { METRIC_WINDOWS, type FundingPayment, type MetricWindow, type PortfolioHistory } from "../metrics/types.js";
import { listReplayed, type ListedRoundTrip, type RoundTripPosition } from "./round-trip-list.js";
import {
  equitySeries,
  joinRealized,
  portfolioSeries,
  realizedPnlSeries,
  realizedPnlSeriesAfter,
  thinSeries,
  type EquitySeries,
  type SeriesPoint,
} from "./series.js";

/**
 * The trader page, precomputed: the leaderboard job writes the page's round trips (one item each)
 * and equity series (one item per window), so the HTTP API reads a page by key instead of
 * rebuilding it from every fill on each request (issue 16, finding 1).
 *
 * Writes stay bounded per run: a marker per trader remembers what its items were built from. When
 * the stored history only grew at its end, the round trips closed since are the only new ones
 * (a round trip is settled by the fills up to its close); a series item is written only when its
 * content hash changed; a funding payment synced after a round trip it belongs to rewrites that
 * round trip. Only history that changed behind what was built (a fill or payment older than the
 * newest stored) rewrites the list: the round trips after the checkpoint's horizon (nothing before
 * it can change), or all of them without a checkpoint.
 *
 * Reads stay bounded too: the marker carries the trader's metrics checkpoint, so a run loads only
 * the fills and payments after its horizon (about a month). The round trips closed after it come
 * from the checkpoint's replay, which carries a round trip opened before the horizon whole; `all`'s
 * realized PnL is stored in two parts, the points up to the horizon (one prefix item per horizon,
 * written when the horizon moves, about once a day) and those after it.
 */

/** A window's portfolio curves, thinned as equitySeries thins them. */
const portfolioCurves = (portfolio: PortfolioHistory | null, window: MetricWindow) => {
  const curves = portfolioSeries(portfolio, window);
  return { account_value: thinSeries(curves.account_value), pnl: thinSeries(curves.pnl) };
};

/**
 * The last fill and funding payment a build read, and how many: what "only grew at its end" is
 * checked against. Counted over those after `after` (the checkpoint's horizon), or all of them.
 */
export interface PagesBasis {
  /** null: every fill and payment; else only those with time > after. */
  after: number | null;
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
  /**
   * The metrics checkpoint the next run starts from (../metrics/checkpoint.ts; its horizon is
   * `basis.after`), kept with the marker so the two always describe the same cut; null: none yet.
   */
  checkpoint: MetricsCheckpoint | null;
  /**
   * The horizon before `basis.after` whose prefix is kept one move longer, so that a reader who
   * got the `all` item just before it moved on still finds the prefix it names; deleted at the next move.
   */
  retiredPrefix?: number | null;
}

/** One window's series as stored: what GET /traders/{a}/equity answers. */
export interface StoredEquity extends EquitySeries {
  /** When the portfolio behind account_value and pnl was fetched; null without one. */
  portfolioFetchedAt: number | null;
  /**
   * `all` only: realized_pnl holds only the points after this time, counted on from the total at
   * it; the points up to it are the stored prefix of that horizon (joinRealized puts them together).
   */
  realizedAfter?: number | null;
}

/** The realized PnL series of `all` up to a checkpoint's horizon, stored once per horizon. */
export interface RealizedPrefix {
  horizon: number;
  points: SeriesPoint[];
}

export interface TraderPagesPlan {
  /** Every stored round trip is replaced by `trips` (the history changed behind what was built). */
  replaceAll: boolean;
  /**
   * Every stored round trip closed after this time is replaced by `trips`: the history changed
   * behind what was built, after the checkpoint's horizon (before it nothing can change).
   */
  replaceAfter: number | null;
  /** Round trips to write: all of them (after the horizon) on a first build or a rebuild, else those closed since. */
  trips: ListedRoundTrip[];
  /** Only the windows whose series changed. */
  series: { window: MetricWindow; equity: StoredEquity }[];
  /** The prefix of the marker's new horizon, when it moved (written before the series that refer to it). */
  prefix: RealizedPrefix | null;
  /** A prefix no item names any more (the one retired at the previous move), deleted after the marker is written. */
  dropPrefix: number | null;
  marker: PagesMarker;
  /** false when nothing at all changed: an idle trader costs no write per run. */
  writeMarker: boolean;
}

/** What the job writes through (the DynamoDB adapter is functions/store/dynamo/trader-pages.ts). */
export interface TraderPagesWriter {
  readMarker(address: string): Promise<PagesMarker | null>;
  /** The stored prefix of `horizon`; null when there is none. */
  readPrefix(address: string, horizon: number): Promise<SeriesPoint[] | null>;
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

const basisOf = (fills: readonly Fill[], funding: readonly FundingPayment[], after: number | null): PagesBasis => {
  const since = <T extends { time: number }>(list: readonly T[]): T[] => (after === null ? list.slice() : list.filter((x) => x.time > after));
  const f = since(fills);
  const p = since(funding);
  const lastFill = f.at(-1);
  const lastPayment = p.at(-1);
  return {
    after,
    fills: f.length,
    lastFill: lastFill === undefined ? null : { time: lastFill.time, tid: lastFill.tid },
    funding: p.length,
    lastFunding: lastPayment === undefined ? null : { time: lastPayment.time, coin: lastPayment.coin },
  };
};

/** What a run knows of one trader (the leaderboard job, ../leaderboard-job/trader-run.ts). */
export interface PagesInput {
  /** The fills and payments it loaded: those after `base`'s horizon, or all of them. */
  fills: readonly Fill[];
  funding: readonly FundingPayment[];
  portfolio: PortfolioHistory | null;
  /** The checkpoint the load starts after; null: the whole history was loaded. */
  base: MetricsCheckpoint | null;
  /** The replay of those fills over `base` to now (its round trips are listed). */
  replay: Replay;
  /** Where the run leaves the checkpoint: `base`, advanced, or a first one; null only without a base. */
  next: MetricsCheckpoint | null;
  /** The stored prefix of `base`'s horizon: needed when `next` moved past it. */
  basePrefix: SeriesPoint[] | null;
}

/**
 * What to write for one trader, given what was built before (`stored`); null when a load after
 * `base` cannot tell (the stored build counted from elsewhere, or the prefix of `base`'s horizon
 * is missing): the caller loads the whole history and plans again without a base.
 */
export const planTraderPages = (input: PagesInput, now: number, stored: PagesMarker | null): TraderPagesPlan | null => {
  const from = input.base?.horizon ?? null;
  const to = input.next?.horizon ?? null;
  if (from !== null && (to === null || to < from)) throw new RangeError(`a run from the checkpoint at ${from} must leave one at or after it`);
  // The same fills and payments the list and series count (none after `now`).
  const fills: Fill[] = dedupeFills(input.fills)
    .filter((f) => f.time <= now && (from === null || f.time > from))
    .sort(compareFills);
  const funding = input.funding.filter((p) => p.time <= now && (from === null || p.time > from)).sort(byTimeThenCoin);
  const trips = listReplayed(input.replay);

  // Compared with what the stored build counted: the fills and payments after its `after`, which
  // this load holds when it reaches back at least that far.
  const newestBefore = stored?.newestTrip ?? null;
  const storedAfter = stored?.basis.after ?? null;
  const comparable = stored !== null && (from === null || (storedAfter !== null && storedAfter >= from));
  const storedFunding = comparable ? funding.filter((p) => storedAfter === null || p.time > storedAfter) : [];
  const extended =
    stored !== null &&
    comparable &&
    grewAtEnd(fills.filter((f) => storedAfter === null || f.time > storedAfter), stored.basis.fills, stored.basis.lastFill, (a, b) => a.time === b.time && a.tid === b.tid) &&
    grewAtEnd(storedFunding, stored.basis.funding, stored.basis.lastFunding, (a, b) => a.time === b.time && a.coin === b.coin);
  if (from !== null && !comparable) return null;
  // Funding is synced every few hours, tracking stores fills at once: the payments new since the
  // last build are often older than round trips it stored. Each changes only the round trips of
  // its coin open at its time, which keep their keys: those are written again, nothing else.
  const latePayments = extended && newestBefore !== null ? storedFunding.slice(stored.basis.funding).filter((p) => p.time <= newestBefore.closedAt) : [];
  const paidLate = (rt: ListedRoundTrip): boolean => latePayments.some((p) => p.coin === rt.coin && p.time > rt.opened_at && p.time <= rt.closed_at);

  let prefix: RealizedPrefix | null = null;
  if (to !== null && to !== from) {
    const upTo = (t: number) => t <= to;
    const before =
      from === null
        ? realizedPnlSeries(fills.filter((f) => upTo(f.time)), "all", to, funding.filter((p) => upTo(p.time)))
        : input.basePrefix === null
          ? null
          : joinRealized(input.basePrefix, realizedPnlSeriesAfter(fills, funding, from, to, checkpointRealized(input.base!)));
    if (before === null) return null;
    prefix = { horizon: to, points: thinSeries(before) };
  }

  const series: TraderPagesPlan["series"] = [];
  const seriesHash: PagesMarker["seriesHash"] = {};
  const portfolioFetchedAt = input.portfolio?.fetchedAt ?? null;
  for (const window of METRIC_WINDOWS) {
    // `all` past a checkpoint: only what came after its horizon, the rest is the prefix.
    const equity: StoredEquity =
      window === "all" && to !== null
        ? {
            ...portfolioCurves(input.portfolio, "all"),
            realized_pnl: thinSeries(realizedPnlSeriesAfter(fills, funding, to, now, checkpointRealized(input.next!))),
            portfolioFetchedAt,
            realizedAfter: to,
          }
        : { ...equitySeries({ portfolio: input.portfolio, fills, funding, window, now }), portfolioFetchedAt };
    seriesHash[window] = hashOf(equity);
    if (stored?.seriesHash[window] !== seriesHash[window]) series.push({ window, equity });
  }

  const newest = trips[0];
  const toWrite = extended ? trips.filter((rt) => isAfter(rt, newestBefore) || paidLate(rt)) : trips;
  const basis = basisOf(fills, funding, to);
  // The horizon moved: the stored prefix is retired (kept a move longer), the one retired before goes.
  const moved = storedAfter !== null && storedAfter !== to;
  const unchanged =
    extended &&
    storedAfter === to &&
    stored.basis.fills === basis.fills &&
    stored.basis.funding === basis.funding &&
    toWrite.length === 0 &&
    series.length === 0;
  return {
    replaceAll: from === null && stored !== null && !extended,
    replaceAfter: from !== null && !extended ? from : null,
    trips: toWrite,
    series,
    prefix,
    dropPrefix: moved ? (stored?.retiredPrefix ?? null) : null,
    writeMarker: !unchanged,
    marker: {
      basis,
      newestTrip: newest === undefined ? (extended ? newestBefore : null) : { closedAt: newest.closed_at, closeTid: newest.close_tid },
      seriesHash,
      computedAt: now,
      checkpoint: input.next,
      retiredPrefix: moved ? storedAfter : (stored?.retiredPrefix ?? null),
    },
  };
};
