import { z } from "zod";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";
import { ValidationError } from "#commons/errors.js";
import type { Address } from "#domain/address.js";
import { LEADERBOARD_WINDOWS, type LeaderboardWindow } from "#domain/leaderboard.js";
import {
  MAX_SERIES_POINTS,
  windowStartsAfter,
  type ListedRoundTrip,
  type RoundTripPosition,
  type TraderPagesReader,
} from "#domain/trader-story/index.js";
import { ServiceUnavailableError } from "../errors.js";
import { addressParams, equityQuery, equitySchema, roundTripsQuery, roundTripsSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";
import { traderNotFound } from "./traders.js";

/**
 * The dashboard's trader page: the equity and realized-PnL charts of a window and the list of
 * round trips, with the leaderboard's own definitions (#domain/trader-story). The leaderboard job
 * precomputes them from the stored history each run; a request reads them by key (one GetItem
 * per chart, one Query per page of round trips), never the fills, so its cost does not grow with
 * the trader's history (issue 16, finding 1). Both change only when the job runs, so CloudFront
 * and browsers may keep them as long as the leaderboard.
 */

const HOUR_MS = 3_600_000;
/** As the leaderboard's (./leaderboard.ts): the job rewrites these once a run. Errors are not cached. */
const CACHE_CONTROL = "public, max-age=300";
const NOT_COMPUTED = "A tracked trader whose page the leaderboard job has not computed yet gets ";
const iso = (ms: number): string => new Date(ms).toISOString();

/** A round-trips cursor names the trader and window it was issued for and the last round trip sent. */
const CURSOR_KIND = "round-trips";
const cursorKey = z
  .object({
    a: z.string().regex(/^0x[0-9a-f]{40}$/),
    w: z.enum(LEADERBOARD_WINDOWS),
    t: z.number().int().nonnegative(),
    tid: z.number().int().nonnegative(),
  })
  .strict();

const readCursor = (cursor: string, address: Address, window: LeaderboardWindow): RoundTripPosition => {
  const key = decodeCursor(CURSOR_KIND, cursor, cursorKey);
  if (key.a !== address || key.w !== window) {
    throw new ValidationError("Invalid cursor: it was issued for another trader or window; start again without cursor");
  }
  return { closedAt: key.t, closeTid: key.tid };
};

const roundTripView = (rt: ListedRoundTrip) => ({
  coin: rt.coin,
  dex: rt.dex,
  side: rt.side,
  opened_at: iso(rt.opened_at),
  closed_at: iso(rt.closed_at),
  hold_hours: rt.hold_ms / HOUR_MS,
  max_size: rt.max_size,
  volume_usd: rt.volume_usd,
  realized_pnl_usd: rt.realized_pnl,
  funding_usd: rt.funding,
  fees_usd: rt.fees,
  fills: rt.fills,
});

export const registerTraderStoryRoutes = ({ router, deps, now }: RouteContext): void => {
  const pages = (): TraderPagesReader => {
    if (deps.pages === undefined) throw new ServiceUnavailableError("Trader pages are not configured on this server");
    return deps.pages;
  };

  router.add(
    {
      method: "get",
      path: "/traders/:address/equity",
      operationId: "getTraderEquity",
      summary: "The trader's account value, PnL and realized PnL over a window, for charts",
      description:
        "account_value and pnl are the exchange's own samples (the stored `portfolio` answer, refreshed by the leaderboard job) of the period matching the window: " +
        "1d → day, 7d → week, 30d → month, all → allTime. realized_pnl is computed from the stored perp fills and funding payments exactly as the leaderboard's " +
        "realized_pnl_usd (Σ closedPnl − Σ fee + Σ funding): \"0\" at the window's start (for all: 1 ms before the first change), then the running total after " +
        "each millisecond holding a fill with closedPnl or fee ≠ 0 or a funding payment. Every series is ascending by t (epoch ms), values are exact decimal strings, and a series longer than " +
        `${MAX_SERIES_POINTS.toLocaleString("en-US")} points is thinned to that many (first and last kept, the rest evenly spaced). ` +
        "The series are computed by the leaderboard job from the stored history each run (windows end at that run) and cached for 5 minutes (Cache-Control). " +
        NOT_COMPUTED +
        "empty series and updated_at null.",
      tag: "traders",
      params: addressParams,
      query: equityQuery,
      responses: {
        200: { description: "The trader's series over the window", schema: equitySchema, headers: { "Cache-Control": CACHE_CONTROL } },
        404: { description: "Not a tracked trader" },
      },
    },
    async (c, { params, query }) => {
      const [trader, stored] = await Promise.all([deps.directory.get(params.address), pages().equity(params.address, query.window)]);
      if (trader === null) throw traderNotFound(params.address);
      c.header("Cache-Control", CACHE_CONTROL);
      return c.json({
        address: params.address,
        window: query.window,
        account_value: stored?.account_value ?? [],
        pnl: stored?.pnl ?? [],
        realized_pnl: stored?.realized_pnl ?? [],
        updated_at: stored?.portfolioFetchedAt == null ? null : iso(stored.portfolioFetchedAt),
      });
    },
  );

  router.add(
    {
      method: "get",
      path: "/traders/:address/round-trips",
      operationId: "listTraderRoundTrips",
      summary: "The trader's closed round trips, newest closed first",
      description:
        "A round trip is a position's life in one coin, from the fill that opens it to the fill that closes it (README \"Round trips\"), built from the stored " +
        "fills by the leaderboard's own code. Listed: the round trips closed in the window that the leaderboard counts, i.e. not those already open at the " +
        "oldest fill we hold or with fills missing, so the list agrees with the leaderboard's round_trips. realized_pnl_usd includes the funding of its coin " +
        "paid while it was open (funding_usd), as the leaderboard's figures do. Ordered by closing time, newest first (ties by the " +
        "exchange's execution order); a next_cursor pages on from the last round trip sent and stays valid as new round trips close. A cursor is only valid " +
        "with the trader and window it was issued for (400 otherwise). dex= keeps one perp dex's round trips (empty: the main dex's). " +
        "The list is computed by the leaderboard job each run (a round trip appears after the first run that sees its closing fill) and pages are cached for " +
        "5 minutes (Cache-Control). " +
        NOT_COMPUTED +
        "an empty list.",
      tag: "traders",
      params: addressParams,
      query: roundTripsQuery,
      responses: {
        200: { description: "A page of round trips", schema: roundTripsSchema, headers: { "Cache-Control": CACHE_CONTROL } },
        404: { description: "Not a tracked trader" },
      },
    },
    async (c, { params, query }) => {
      const position = query.cursor === undefined ? undefined : readCursor(query.cursor, params.address, query.window);
      const at = now();
      // One more than asked says whether there is a next page.
      const [trader, listed] = await Promise.all([
        deps.directory.get(params.address),
        pages().roundTrips(params.address, {
          ...(query.dex !== undefined && { dex: query.dex }),
          closedAfter: windowStartsAfter(query.window, at),
          closedUntil: at,
          ...(position !== undefined && { before: position }),
          limit: query.limit + 1,
        }),
      ]);
      if (trader === null) throw traderNotFound(params.address);
      const items = listed.slice(0, query.limit);
      const last = items.at(-1);
      c.header("Cache-Control", CACHE_CONTROL);
      return c.json({
        address: params.address,
        window: query.window,
        round_trips: items.map(roundTripView),
        next_cursor:
          listed.length > query.limit && last !== undefined
            ? encodeCursor(CURSOR_KIND, { a: params.address, w: query.window, t: last.closed_at, tid: last.close_tid })
            : null,
      });
    },
  );
};
