import { createHash } from "node:crypto";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";
import { ValidationError } from "#commons/errors.js";
import type { LeaderboardCache } from "../leaderboard-cache.js";
import { cacheClearedSchema, leaderboardQuery, leaderboardSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";

const leaderboardCursor = z.object({ offset: z.number().int().min(1).max(1_000_000), s: z.string(), o: z.string() }).strict();

/** A strong ETag over the exact body, so If-None-Match saves clients the download. */
const etagOf = (body: string): string => `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;

const matches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  ifNoneMatch !== undefined &&
  ifNoneMatch.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });

export const registerLeaderboardRoutes = ({ router }: RouteContext, cache: LeaderboardCache): void => {
  const spec = {
    method: "get",
    operationId: "getLeaderboard",
    summary: "Traders ranked by a metric",
    description:
      "Served from precomputed snapshots (one per sort_by and order) that the metrics job writes; empty, with updated_at null, until it has run. Cached for 5 minutes (Cache-Control, ETag).",
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

  const handler: Parameters<typeof router.add<never, typeof leaderboardQuery>>[1] = async (c, { query }) => {
    const { sort_by, order, limit } = query;
    let offset = 0;
    if (query.cursor !== undefined) {
      const key = decodeCursor("leaderboard", query.cursor, leaderboardCursor);
      if (key.s !== sort_by || key.o !== order) {
        throw new ValidationError("Invalid cursor: it belongs to another sort_by or order");
      }
      offset = key.offset;
    }
    const snapshot = await cache.get(sort_by, order);
    const rows = snapshot?.rows ?? [];
    const end = offset + limit;
    const body = JSON.stringify({
      leaderboard: rows.slice(offset, end),
      sort_by,
      order,
      updated_at: snapshot?.updatedAt ?? null,
      next_cursor: end < rows.length ? encodeCursor("leaderboard", { offset: end, s: sort_by, o: order }) : null,
    });
    const etag = etagOf(body);
    c.header("Cache-Control", "public, max-age=300");
    c.header("ETag", etag);
    if (matches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
    return c.body(body, 200, { "Content-Type": "application/json" });
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
