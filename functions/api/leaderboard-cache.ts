import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";
import { ValidationError } from "#commons/errors.js";
import {
  filtersKey,
  LEADERBOARD_WINDOWS,
  leaderboardView,
  type LeaderboardFilters,
  type LeaderboardOrdering,
  type LeaderboardRow,
  type LeaderboardSnapshotHeader,
  type LeaderboardStore,
  type LeaderboardWindow,
} from "#domain/leaderboard.js";
import { Lru } from "./lru.js";

/**
 * Leaderboard responses, cached in four layers, so that the common request costs a map lookup and
 * an uncommon one never costs more than sorting one window's rows in memory:
 *
 * - the header of each window's current snapshot, for `ttlMs` (one small read per window per TTL
 *   however many clients ask; concurrent misses share one read; "no snapshot" is cached too);
 * - all rows of a snapshot, by snapshot id (immutable, so no TTL; one load shared by concurrent
 *   requests), least recently used dropped first;
 * - views: a snapshot's rows filtered and sorted for one (sort_by, order, filters), built once;
 * - finished responses (body + ETag) by window, ordering, filters, snapshot id, offset and limit,
 *   bounded by count and bytes. A new snapshot id makes new keys; the old entries age out.
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
  /** The body gzipped, made on first demand (see LeaderboardCache.gzipped). */
  gzip?: Uint8Array<ArrayBuffer>;
}

export interface LeaderboardPageRequest extends LeaderboardOrdering {
  window: LeaderboardWindow;
  filters: LeaderboardFilters;
  limit: number;
  /** The client's next_cursor, undefined for the first page. */
  cursor: string | undefined;
}

export interface LeaderboardCache {
  /** 400 (ValidationError) for a tampered cursor, one issued for other parameters, or one whose snapshot was replaced. */
  response(request: LeaderboardPageRequest): Promise<LeaderboardResponse>;
  /**
   * One trader's row in each window's current snapshot (absent: not in it), or null when the job
   * has written no snapshot yet. Served from the same cached snapshots as the leaderboard.
   */
  traderRows(address: string): Promise<Partial<Record<LeaderboardWindow, LeaderboardRow>> | null>;
  /** The response's body gzipped, compressed once per cached response. */
  gzipped(response: LeaderboardResponse): Uint8Array<ArrayBuffer>;
  /** Drops everything; returns how many entries (headers, snapshots, views, responses) were cached. */
  clear(): number;
}

export interface LeaderboardCacheOptions {
  ttlMs: number;
  now: () => number;
  maxResponses?: number;
  maxResponseBytes?: number;
  /** Whole snapshots kept in memory (~6 MB of heap per 10,000 rows); default two per window, to span a refresh. */
  maxSnapshots?: number;
  /** Filtered, sorted views kept (an array of references into a snapshot each: ~80 KB per 10,000 rows). */
  maxViews?: number;
}

/** Cursors of another snapshot re-read the header at most this often per window, however many clients send them. */
const FRESH_HEADER_MS = 1_000;

const cursorKey = z
  .object({
    offset: z.number().int().min(1).max(1_000_000),
    w: z.string(),
    s: z.string(),
    o: z.string(),
    f: z.string().max(200),
    v: z.string().min(1).max(64),
  })
  .strict();

export const REFRESHED_MESSAGE =
  "The leaderboard was refreshed since this cursor was issued: request the first page again (without cursor)";
export const OTHER_PARAMETERS_MESSAGE =
  "Invalid cursor: it belongs to other parameters; send it with the window, sort_by, order and filters of the page that returned it";

const utf8 = new TextEncoder();

const etagOf = (body: Uint8Array): string => `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;

/** The filters as the response shows them: every filter named, null when not applied. */
const appliedFilters = (f: LeaderboardFilters) => ({
  min_trades: f.minTrades ?? null,
  min_volume_usd: f.minVolumeUsd ?? null,
  min_account_age_days: f.minAccountAgeDays ?? null,
  exclude_bots: f.excludeBots,
});

/** One promise per key, shared by concurrent callers; a failed one is dropped, never served. */
const shared = <T>(lru: Lru<Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
  const hit = lru.get(key);
  if (hit !== undefined) return hit;
  const value = load();
  lru.set(key, value);
  value.catch(() => {
    if (lru.peek(key) === value) lru.delete(key);
  });
  return value;
};

export const createLeaderboardCache = (store: LeaderboardStore, options: LeaderboardCacheOptions): LeaderboardCache => {
  const { ttlMs, now } = options;
  type HeaderEntry = { value: Promise<LeaderboardSnapshotHeader | null>; expires: number; freshAt: number | undefined };
  const headers = new Map<LeaderboardWindow, HeaderEntry>();
  const snapshots = new Lru<Promise<LeaderboardRow[]>>(options.maxSnapshots ?? 8);
  const views = new Lru<Promise<LeaderboardRow[]>>(options.maxViews ?? 64);
  const responses = new Lru<LeaderboardResponse>(
    options.maxResponses ?? 2_000,
    options.maxResponseBytes ?? 16 * 2 ** 20,
    (r) => r.body.byteLength,
  );
  const building = new Map<string, Promise<LeaderboardResponse>>();
  // Bumped by clear(), so a response built from data read before it is not cached after it.
  let generation = 0;

  const header = (window: LeaderboardWindow, fresh: boolean): Promise<LeaderboardSnapshotHeader | null> => {
    const at = now();
    const hit = headers.get(window);
    const reuse = fresh ? (hit?.freshAt ?? -Infinity) > at - FRESH_HEADER_MS : (hit?.expires ?? -Infinity) > at;
    if (hit !== undefined && reuse) return hit.value;
    const entry: HeaderEntry = { value: store.header(window), expires: at + ttlMs, freshAt: fresh ? at : undefined };
    headers.set(window, entry);
    entry.value.then(
      // Never serve a snapshot past its expiry: its pages may be gone.
      (h) => {
        if (h !== null) entry.expires = Math.min(entry.expires, h.expiresAt * 1000);
      },
      // A failed read must not be served from the cache until it expires.
      () => {
        if (headers.get(window) === entry) headers.delete(window);
      },
    );
    return entry.value;
  };

  const snapshotRows = (window: LeaderboardWindow, h: LeaderboardSnapshotHeader) =>
    shared(snapshots, `${window}#${h.snapshotId}`, () => store.rows(window, h));
  // Built once per snapshot (the rows array is immutable and identifies it).
  const byAddress = new WeakMap<readonly LeaderboardRow[], Map<string, LeaderboardRow>>();
  const indexOf = (rows: readonly LeaderboardRow[]) => {
    let index = byAddress.get(rows);
    if (index === undefined) {
      index = new Map(rows.map((r) => [r.trader_address, r]));
      byAddress.set(rows, index);
    }
    return index;
  };

  const view = (request: LeaderboardPageRequest, h: LeaderboardSnapshotHeader, fk: string): Promise<LeaderboardRow[]> => {
    const { window, sortBy, order, filters } = request;
    return shared(views, `${window}#${h.snapshotId}#${sortBy}#${order}#${fk}`, async () => {
      return leaderboardView(await snapshotRows(window, h), { sortBy, order }, filters);
    });
  };

  const build = async (
    request: LeaderboardPageRequest,
    h: LeaderboardSnapshotHeader | null,
    fk: string,
    offset: number,
  ): Promise<LeaderboardResponse> => {
    const { window, sortBy, order, limit } = request;
    let rows: LeaderboardRow[] = [];
    let next: string | null = null;
    if (h !== null) {
      const all = await view(request, h, fk);
      const end = offset + limit;
      rows = all.slice(offset, end);
      if (end < all.length) next = encodeCursor("leaderboard", { offset: end, w: window, s: sortBy, o: order, f: fk, v: h.snapshotId });
    }
    const json = JSON.stringify({
      leaderboard: rows,
      window,
      sort_by: sortBy,
      order,
      filters: appliedFilters(request.filters),
      updated_at: h?.updatedAt ?? null,
      next_cursor: next,
    });
    const body = utf8.encode(json);
    return { body, etag: etagOf(body) };
  };

  return {
    gzipped(response) {
      if (response.gzip === undefined) {
        const zipped = gzipSync(response.body);
        response.gzip = new Uint8Array(zipped.buffer, zipped.byteOffset, zipped.byteLength) as Uint8Array<ArrayBuffer>;
      }
      return response.gzip;
    },

    async traderRows(address) {
      const found: Partial<Record<LeaderboardWindow, LeaderboardRow>> = {};
      let any = false;
      await Promise.all(
        LEADERBOARD_WINDOWS.map(async (window) => {
          const h = await header(window, false);
          if (h === null) return;
          any = true;
          const row = indexOf(await snapshotRows(window, h)).get(address.toLowerCase());
          if (row !== undefined) found[window] = row;
        }),
      );
      return any ? found : null;
    },

    async response(request) {
      const { window, sortBy, order, limit, cursor } = request;
      const fk = filtersKey(request.filters);
      let offset = 0;
      let snapshotId: string | undefined;
      if (cursor !== undefined) {
        const key = decodeCursor("leaderboard", cursor, cursorKey);
        if (key.w !== window || key.s !== sortBy || key.o !== order || key.f !== fk) throw new ValidationError(OTHER_PARAMETERS_MESSAGE);
        offset = key.offset;
        snapshotId = key.v;
      }
      let h = await header(window, false);
      if (snapshotId !== undefined && h?.snapshotId !== snapshotId) {
        h = await header(window, true);
        if (h?.snapshotId !== snapshotId) throw new ValidationError(REFRESHED_MESSAGE);
      }

      const key = `${window}#${sortBy}#${order}#${fk}#${h?.snapshotId ?? "-"}#${offset}#${limit}`;
      const hit = responses.get(key);
      if (hit !== undefined) return hit;
      let pending = building.get(key);
      if (pending === undefined) {
        const started = generation;
        pending = build(request, h, fk, offset).then((r) => {
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
      const n = headers.size + snapshots.size + views.size + responses.size;
      headers.clear();
      snapshots.clear();
      views.clear();
      responses.clear();
      building.clear();
      return n;
    },
  };
};
