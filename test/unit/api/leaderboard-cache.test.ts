import { describe, expect, it } from "vitest";
import { ValidationError } from "#commons/errors.js";
import { createLeaderboardCache, OTHER_PARAMETERS_MESSAGE, REFRESHED_MESSAGE, type LeaderboardPageRequest } from "#api/leaderboard-cache.js";
import type { LeaderboardRow, LeaderboardSnapshotHeader, LeaderboardStore, LeaderboardWindow } from "#domain/leaderboard.js";
import { leaderboardRow } from "./leaderboard-rows.js";

/**
 * The cache's own rules, over an in-memory store that counts reads (the DynamoDB adapter and the
 * HTTP behaviour are covered against DynamoDB Local in test/integration/api.test.ts).
 */
const row = (i: number, window: LeaderboardWindow = "all"): LeaderboardRow =>
  leaderboardRow(`0x${String(i).padStart(4, "0")}`, { window, win_rate: 1 - i / 1000, trades_count: i, is_bot: i % 5 === 0 });

const memoryStore = () => {
  const reads = { header: 0, rows: 0 };
  let failNextRows = false;
  // Like the DynamoDB layout: a new snapshot does not remove the old one.
  const snapshots = new Map<string, LeaderboardRow[]>();
  const current = new Map<LeaderboardWindow, LeaderboardSnapshotHeader>();
  const store: LeaderboardStore = {
    header: async (window) => {
      reads.header++;
      return current.get(window) ?? null;
    },
    rows: async (_window, header) => {
      reads.rows++;
      if (failNextRows) {
        failNextRows = false;
        throw new Error("throttled");
      }
      const rows = snapshots.get(header.snapshotId);
      if (rows === undefined) throw new Error("unknown snapshot");
      return rows;
    },
  };
  const publish = (snapshotId: string, total: number, window: LeaderboardWindow = "all") => {
    const rows = Array.from({ length: total }, (_, i) => row(i, window));
    // Stored in no particular order: the cache sorts.
    snapshots.set(snapshotId, [...rows].reverse());
    current.set(window, { snapshotId, updatedAt: `at-${snapshotId}`, total, pages: 1, expiresAt: 4_000_000_000 });
    return rows;
  };
  return { store, reads, publish, failRowsOnce: () => (failNextRows = true) };
};

const json = (r: { body: Uint8Array }) => JSON.parse(new TextDecoder().decode(r.body)) as { leaderboard: LeaderboardRow[]; next_cursor: string | null; window: string };

const request: LeaderboardPageRequest = { window: "all", sortBy: "win_rate", order: "desc", filters: { excludeBots: false }, limit: 15, cursor: undefined };

describe("leaderboard cache", () => {
  it("serves a hit as the same body and ETag without reading the store again, and shares concurrent misses", async () => {
    const { store, reads, publish } = memoryStore();
    const rows = publish("s1", 100);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    const [a, b] = await Promise.all([cache.response(request), cache.response(request)]);
    expect(b).toBe(a);
    expect(reads).toEqual({ header: 1, rows: 1 });
    const again = await cache.response(request);
    expect(again).toBe(a);
    expect(reads).toEqual({ header: 1, rows: 1 });
    expect(json(a).leaderboard).toEqual(rows.slice(0, 15));
  });

  it("loads a snapshot once for every sort, order, filter and page of it", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 100);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    await Promise.all([
      cache.response(request),
      cache.response({ ...request, order: "asc" }),
      cache.response({ ...request, sortBy: "trades_count", limit: 3 }),
      cache.response({ ...request, filters: { excludeBots: true, minTrades: 50 } }),
    ]);
    const filtered = json(await cache.response({ ...request, filters: { excludeBots: true, minTrades: 50 }, limit: 500 })).leaderboard;
    expect(filtered.map((r) => r.trades_count)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i).filter((i) => i % 5 !== 0));
    expect(reads.rows).toBe(1);
  });

  it("keeps each window's header and snapshot apart", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s-all", 30, "all");
    publish("s-7d", 4, "7d");
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    const week = json(await cache.response({ ...request, window: "7d" }));
    expect(week.window).toBe("7d");
    expect(week.leaderboard.map((r) => r.window)).toEqual(["7d", "7d", "7d", "7d"]);
    expect(json(await cache.response(request)).leaderboard).toHaveLength(15);
    expect(json(await cache.response({ ...request, window: "1d" })).leaderboard).toEqual([]);
    expect(reads).toEqual({ header: 3, rows: 2 });
  });

  it("pages through a filtered view with next_cursor, every matching row exactly once", async () => {
    const { store, publish } = memoryStore();
    const rows = publish("s1", 230);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    const filters = { excludeBots: true, minTrades: 17 };
    const walked: LeaderboardRow[] = [];
    let cursor: string | undefined;
    do {
      const page = json(await cache.response({ ...request, filters, limit: 7, cursor }));
      walked.push(...page.leaderboard);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    expect(walked).toEqual(rows.filter((r) => !r.is_bot && r.trades_count >= 17));
  });

  it("reads the header again after the TTL, and clear() drops headers, snapshots, views and responses", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 100);
    let now = 0;
    const cache = createLeaderboardCache(store, { ttlMs: 1_000, now: () => now });
    await cache.response(request);
    now = 1_001;
    await cache.response(request);
    expect(reads).toEqual({ header: 2, rows: 1 }); // same snapshot: rows and response still cached
    expect(cache.clear()).toBe(1 + 1 + 1 + 1);
    await cache.response(request);
    expect(reads).toEqual({ header: 3, rows: 2 });
  });

  it("does not keep a failed snapshot load: the next request loads it again", async () => {
    const { store, reads, publish, failRowsOnce } = memoryStore();
    publish("s1", 20);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    failRowsOnce();
    await expect(cache.response(request)).rejects.toThrow("throttled");
    expect(json(await cache.response(request)).leaderboard).toHaveLength(15);
    expect(reads.rows).toBe(2);
  });

  it("refuses a cursor of a replaced snapshot, after reading the header again", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 100);
    let now = 0;
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => now });
    const first = json(await cache.response(request));
    publish("s2", 100);
    now = 5_000; // well within the TTL: the cached header still says s1
    await cache.response({ ...request, cursor: first.next_cursor! }); // still s1 here: served
    const fresh = createLeaderboardCache(store, { ttlMs: 60_000, now: () => now });
    const refused = fresh.response({ ...request, cursor: first.next_cursor! });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(REFRESHED_MESSAGE);
    const headerReads = reads.header;
    // Many stale cursors within a second cost one extra header read, not one each.
    await Promise.allSettled(Array.from({ length: 5 }, () => fresh.response({ ...request, cursor: first.next_cursor! })));
    expect(reads.header).toBe(headerReads);
  });

  it("refuses a cursor sent with another window, sort_by, order or filter", async () => {
    const { store, publish } = memoryStore();
    publish("s1", 100);
    publish("s7", 100, "7d");
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    const filters = { excludeBots: true, minTrades: 3, minVolumeUsd: "10", minAccountAgeDays: 1 };
    const cursor = json(await cache.response({ ...request, filters })).next_cursor!;
    await expect(cache.response({ ...request, filters, cursor })).resolves.toBeDefined();
    const others: Partial<LeaderboardPageRequest>[] = [
      { window: "7d" },
      { sortBy: "score" },
      { order: "asc" },
      { filters: { ...filters, excludeBots: false } },
      { filters: { ...filters, minTrades: 4 } },
      { filters: { ...filters, minVolumeUsd: "11" } },
      { filters: { ...filters, minAccountAgeDays: undefined } },
    ];
    for (const other of others) {
      await expect(cache.response({ ...request, filters, ...other, cursor })).rejects.toThrow(OTHER_PARAMETERS_MESSAGE);
    }
    // A different limit is fine: the cursor is an offset into the same view.
    await expect(cache.response({ ...request, filters, limit: 40, cursor })).resolves.toBeDefined();
  });

  it("keeps the number of cached responses bounded", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 1_000);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0, maxResponses: 3 });
    for (const limit of [1, 2, 3, 4]) await cache.response({ ...request, limit });
    expect(cache.clear()).toBe(1 + 1 + 1 + 3);
    expect(reads.rows).toBe(1);
  });
});
