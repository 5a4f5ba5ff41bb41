import type { Context } from "hono";
import type { ApiEnv } from "../env.js";
import type { LeaderboardCache } from "../leaderboard-cache.js";
import { cacheClearedSchema, leaderboardQuery, leaderboardSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";

const matches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  ifNoneMatch !== undefined &&
  ifNoneMatch.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });

/**
 * Under @hono/node-server the parsed Node headers are at hand; `c.req.header()` would build a fetch
 * Headers object from the raw ones on every request, a measurable share of a cache hit's CPU.
 */
const requestHeader = (c: Context<ApiEnv>, name: "if-none-match" | "accept-encoding"): string | undefined => {
  const incoming = (c.env as { incoming?: { headers?: Record<string, string | string[] | undefined> } } | undefined)?.incoming;
  if (incoming?.headers === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
};

/** gzip is accepted unless absent or refused with q=0. */
const acceptsGzip = (accept: string | undefined): boolean =>
  accept !== undefined &&
  accept.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });

/** Each representation has its own strong validator. */
const gzipEtag = (etag: string): string => `${etag.slice(0, -1)}-gz"`;

export const registerLeaderboardRoutes = ({ router }: RouteContext, cache: LeaderboardCache): void => {
  const spec = {
    method: "get",
    operationId: "getLeaderboard",
    summary: "Traders ranked by a metric",
    description:
      "Served from precomputed snapshots that the leaderboard job writes, one per window with every trader's row; " +
      "each (window, sort_by, order, filters) is filtered and sorted once per snapshot, never by scanning a table. " +
      "Empty, with updated_at null, until the job has run. Traders without the sorted metric (null) come last in both orders; " +
      "ties go by trader_address. Cached for 5 minutes (Cache-Control, ETag). A next_cursor pages through one snapshot with " +
      "the parameters it was issued for (another window, sort_by, order or filter with it is a 400); if the leaderboard is " +
      "refreshed meanwhile, the cursor is refused with 400 and the client starts again from the first page.",
    tag: "leaderboard",
    query: leaderboardQuery,
    responses: {
      200: {
        description: "A page of the leaderboard",
        schema: leaderboardSchema,
        headers: { ETag: "Validator for If-None-Match", "Cache-Control": "public, max-age=300" },
      },
      304: { description: "Not modified since the ETag in If-None-Match" },
    },
  } as const;

  // A cache hit is a map lookup: the body and its ETag were built once per snapshot, parameters and page.
  const handler: Parameters<typeof router.add<never, typeof leaderboardQuery>>[1] = async (c, { query }) => {
    const response = await cache.response({
      window: query.window,
      sortBy: query.sort_by,
      order: query.order,
      filters: {
        minTrades: query.min_trades,
        minVolumeUsd: query.min_volume_usd,
        minAccountAgeDays: query.min_account_age_days,
        excludeBots: query.exclude_bots,
      },
      limit: query.limit,
      cursor: query.cursor,
    });
    // A page of 100 rows is ~65 KB of JSON and ~10 KB gzipped: compressed once, then served as is
    // to every client (and CDN) that accepts it.
    const gzip = acceptsGzip(requestHeader(c, "accept-encoding"));
    const etag = gzip ? gzipEtag(response.etag) : response.etag;
    const headers = { "Cache-Control": "public, max-age=300", ETag: etag, Vary: "Accept-Encoding" };
    if (matches(requestHeader(c, "if-none-match"), etag)) return c.body(null, 304, headers);
    if (!gzip) return c.body(response.body, 200, { ...headers, "Content-Type": "application/json" });
    return c.body(cache.gzipped(response), 200, { ...headers, "Content-Type": "application/json", "Content-Encoding": "gzip" });
  };

  router.add({ ...spec, path: "/api/v1/leaderboard" }, handler);
  router.add(
    {
      ...spec,
      path: "/leaderboard",
      operationId: "getLeaderboardLegacy",
      summary: "Same as /api/v1/leaderboard, kept for older clients",
      deprecated: true,
    },
    handler,
  );

  const clearSpec = {
    path: "/api/v1/cache/clear",
    summary: "Drop the in-process leaderboard cache (admin)",
    description: "The next leaderboard request reads the stored snapshot again. Only this process's cache is dropped.",
    tag: "admin",
    admin: true,
    responses: { 200: { description: "Cache dropped", schema: cacheClearedSchema } },
  } as const;
  const clear: Parameters<typeof router.add>[1] = (c) => c.json({ cleared: true, entries: cache.clear() });
  router.add({ ...clearSpec, method: "post", operationId: "clearCache" }, clear);
  router.add(
    { ...clearSpec, method: "get", operationId: "clearCacheLegacy", summary: "Same as POST, kept for older clients", deprecated: true },
    clear,
  );
};
