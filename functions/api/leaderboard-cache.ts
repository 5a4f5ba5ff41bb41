import { createHash } from "node:crypto";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";
import { ValidationError } from "#commons/errors.js";
import {
  rowWindow,
  type LeaderboardOrdering,
  type LeaderboardRow,
  type LeaderboardSnapshotHeader,
  type LeaderboardStore,
} from "#domain/leaderboard.js";
import { Lru } from "./lru.js";

/**
 * Leaderboard responses, cached in three layers, so that the common request costs a map lookup:
 *
 * - the header of each ordering's current snapshot, for `ttlMs` (one small read per ordering per
 *   TTL however many clients ask; concurrent misses share one read; "no snapshot" is cached too);
 * - pages of rows by snapshot id (immutable, so no TTL), least recently used dropped first;
 * - finished responses (body + ETag) by ordering, snapshot id, offset and limit, bounded by count
 *   and bytes. A new snapshot id makes new keys; the old entries age out.
 *
 * A cursor names the snapshot it pages through. When the cached header points at another one, the
 * header is read again (another instance may have seen the refresh first); if the cursor's snapshot
 * is still not the current one, the request is a 400 asking the client to start again: silently
 * restarting or mixing two snapshots would repeat or skip rows.
 */

export interface LeaderboardResponse {
  /** UTF-8 JSON, encoded once: the server writes the bytes as they are on every hit. */
  body: Uint8Array<ArrayBuffer>;
  /** A strong ETag over the exact body. */
  etag: string;
}

export interface LeaderboardPageRequest extends LeaderboardOrdering {
  limit: number;
  /** The client's next_cursor, undefined for the first page. */
  cursor: string | undefined;
}

export interface LeaderboardCache {
  /** 400 (ValidationError) for a tampered or foreign cursor, or one whose snapshot was replaced. */
  response(request: LeaderboardPageRequest): Promise<LeaderboardResponse>;
  /** Drops everything; returns how many entries (headers, pages, responses) were cached. */
  clear(): number;
}

export interface LeaderboardCacheOptions {
  ttlMs: number;
  now: () => number;
  maxResponses?: number;
  maxResponseBytes?: number;
  maxPages?: number;
}

/** Cursors of another snapshot re-read the header at most this often per ordering, however many clients send them. */
const FRESH_HEADER_MS = 1_000;

const cursorKey = z
  .object({ offset: z.number().int().min(1).max(1_000_000), s: z.string(), o: z.string(), v: z.string().min(1).max(64) })
  .strict();

export const REFRESHED_MESSAGE =
  "The leaderboard was refreshed since this cursor was issued: request the first page again (without cursor)";

const utf8 = new TextEncoder();

const etagOf = (body: Uint8Array): string => `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;

export const createLeaderboardCache = (store: LeaderboardStore, options: LeaderboardCacheOptions): LeaderboardCache => {
  const { ttlMs, now } = options;
  type HeaderEntry = { value: Promise<LeaderboardSnapshotHeader | null>; expires: number; freshAt: number | undefined };
  const headers = new Map<string, HeaderEntry>();
  const pages = new Lru<Promise<LeaderboardRow[]>>(options.maxPages ?? 64);
  const responses = new Lru<LeaderboardResponse>(
    options.maxResponses ?? 2_000,
    options.maxResponseBytes ?? 16 * 2 ** 20,
    (r) => r.body.byteLength,
  );
  const building = new Map<string, Promise<LeaderboardResponse>>();
  // Bumped by clear(), so a response built from data read before it is not cached after it.
  let generation = 0;

  const header = (ordering: LeaderboardOrdering, fresh: boolean): Promise<LeaderboardSnapshotHeader | null> => {
    const key = `${ordering.sortBy}#${ordering.order}`;
    const at = now();
    const hit = headers.get(key);
    const reuse = fresh ? (hit?.freshAt ?? -Infinity) > at - FRESH_HEADER_MS : (hit?.expires ?? -Infinity) > at;
    if (hit !== undefined && reuse) return hit.value;
    const entry: HeaderEntry = { value: store.header(ordering), expires: at + ttlMs, freshAt: fresh ? at : undefined };
    headers.set(key, entry);
    entry.value.then(
      // Never serve a snapshot past its expiry: its pages may be gone.
      (h) => {
        if (h !== null) entry.expires = Math.min(entry.expires, h.expiresAt * 1000);
      },
      // A failed read must not be served from the cache until it expires.
      () => {
        if (headers.get(key) === entry) headers.delete(key);
      },
    );
    return entry.value;
  };

  const page = (ordering: LeaderboardOrdering, snapshotId: string, n: number): Promise<LeaderboardRow[]> => {
    const key = `${ordering.sortBy}#${ordering.order}#${snapshotId}#${n}`;
    const hit = pages.get(key);
    if (hit !== undefined) return hit;
    const value = store.page(ordering, snapshotId, n);
    pages.set(key, value);
    value.catch(() => {
      if (pages.get(key) === value) pages.delete(key);
    });
    return value;
  };

  const build = async (
    ordering: LeaderboardOrdering,
    h: LeaderboardSnapshotHeader | null,
    offset: number,
    limit: number,
  ): Promise<LeaderboardResponse> => {
    let rows: LeaderboardRow[] = [];
    let next: string | null = null;
    if (h !== null) {
      const window = rowWindow(h, offset, limit);
      const read = await Promise.all(window.pages.map((n) => page(ordering, h.snapshotId, n)));
      rows = read.flat().slice(window.start, window.end);
      const end = offset + limit;
      if (end < h.total) next = encodeCursor("leaderboard", { offset: end, s: ordering.sortBy, o: ordering.order, v: h.snapshotId });
    }
    const json = JSON.stringify({
      leaderboard: rows,
      sort_by: ordering.sortBy,
      order: ordering.order,
      updated_at: h?.updatedAt ?? null,
      next_cursor: next,
    });
    const body = utf8.encode(json);
    return { body, etag: etagOf(body) };
  };

  return {
    async response({ sortBy, order, limit, cursor }) {
      const ordering = { sortBy, order };
      let offset = 0;
      let snapshotId: string | undefined;
      if (cursor !== undefined) {
        const key = decodeCursor("leaderboard", cursor, cursorKey);
        if (key.s !== sortBy || key.o !== order) {
          throw new ValidationError("Invalid cursor: it belongs to another sort_by or order");
        }
        offset = key.offset;
        snapshotId = key.v;
      }
      let h = await header(ordering, false);
      if (snapshotId !== undefined && h?.snapshotId !== snapshotId) {
        h = await header(ordering, true);
        if (h?.snapshotId !== snapshotId) throw new ValidationError(REFRESHED_MESSAGE);
      }

      const key = `${sortBy}#${order}#${h?.snapshotId ?? "-"}#${offset}#${limit}`;
      const hit = responses.get(key);
      if (hit !== undefined) return hit;
      let pending = building.get(key);
      if (pending === undefined) {
        const started = generation;
        pending = build(ordering, h, offset, limit).then((r) => {
          if (generation === started) responses.set(key, r);
          return r;
        });
        building.set(key, pending);
        const settled = pending;
        settled.then(
          () => building.get(key) === settled && building.delete(key),
          () => building.get(key) === settled && building.delete(key),
        );
      }
      return pending;
    },

    clear() {
      generation++;
      const n = headers.size + pages.size + responses.size;
      headers.clear();
      pages.clear();
      responses.clear();
      building.clear();
      return n;
    },
  };
};
