import { z } from "zod";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";
import { ValidationError } from "#commons/errors.js";
import type { Address } from "#domain/address.js";
import type { HistoryReader } from "#domain/history/ports.js";
import { LEADERBOARD_WINDOWS, type LeaderboardWindow } from "#domain/leaderboard.js";
import {
  MAX_SERIES_POINTS,
  equitySeries,
  listRoundTrips,
  pageRoundTrips,
  windowStartsAfter,
  type ListedRoundTrip,
  type RoundTripPosition,
} from "#domain/trader-story/index.js";
import { ServiceUnavailableError } from "../errors.js";
import { addressParams, equityQuery, equitySchema, roundTripsQuery, roundTripsSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";
import { traderNotFound } from "./traders.js";

/**
 * The dashboard's trader page: the equity and realized-PnL charts of a window and the list of
 * round trips, computed on request from the stored history (fills, `portfolio`) by the pure
 * functions of #domain/trader-story, with the leaderboard's own definitions.
 */

const HOUR_MS = 3_600_000;
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
  const history = (): HistoryReader => {
    if (deps.history === undefined) throw new ServiceUnavailableError("Trader history is not configured on this server");
    return deps.history;
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
        "A tracked trader whose history has not been synced yet gets empty series and updated_at null.",
      tag: "traders",
      params: addressParams,
      query: equityQuery,
      responses: {
        200: { description: "The trader's series over the window", schema: equitySchema },
        404: { description: "Not a tracked trader" },
      },
    },
    async (c, { params, query }) => {
      const at = now();
      const reader = history();
      const after = windowStartsAfter(query.window, at);
      const [trader, portfolio, fills, funding] = await Promise.all([
        deps.directory.get(params.address),
        reader.portfolio(params.address),
        reader.fills(params.address, after ?? undefined),
        reader.funding(params.address, after ?? undefined),
      ]);
      if (trader === null) throw traderNotFound(params.address);
      return c.json({
        address: params.address,
        window: query.window,
        ...equitySeries({ portfolio, fills, funding, window: query.window, now: at }),
        updated_at: portfolio === null ? null : iso(portfolio.fetchedAt),
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
        "with the trader and window it was issued for (400 otherwise). dex= keeps one perp dex's round trips (empty: the main dex's).",
      tag: "traders",
      params: addressParams,
      query: roundTripsQuery,
      responses: {
        200: { description: "A page of round trips", schema: roundTripsSchema },
        404: { description: "Not a tracked trader" },
      },
    },
    async (c, { params, query }) => {
      const position = query.cursor === undefined ? undefined : readCursor(query.cursor, params.address, query.window);
      const at = now();
      const reader = history();
      const [trader, fills, funding] = await Promise.all([
        deps.directory.get(params.address),
        reader.fills(params.address),
        reader.funding(params.address),
      ]);
      if (trader === null) throw traderNotFound(params.address);
      const listed = listRoundTrips(fills, query.window, at, funding);
      const page = pageRoundTrips(query.dex === undefined ? listed : listed.filter((rt) => rt.dex === query.dex), query.limit, position);
      return c.json({
        address: params.address,
        window: query.window,
        round_trips: page.items.map(roundTripView),
        next_cursor:
          page.next === null
            ? null
            : encodeCursor(CURSOR_KIND, { a: params.address, w: query.window, t: page.next.closedAt, tid: page.next.closeTid }),
      });
    },
  );
};
