import { describe, expect, it } from "vitest";
import { ValidationError } from "#commons/errors.js";
import { createLeaderboardCache, REFRESHED_MESSAGE } from "#api/leaderboard-cache.js";
import type { LeaderboardOrdering, LeaderboardRow, LeaderboardSnapshotHeader, LeaderboardStore } from "#domain/leaderboard.js";

/**
 * The cache's own rules, over an in-memory store that counts reads (the DynamoDB adapter and the
 * HTTP behaviour are covered against DynamoDB Local in test/integration/api.test.ts).
 */
const row = (i: number): LeaderboardRow => ({
  trader_id: `t${i}`,
  trader_address: `0x${i}`,
  win_rate: 0.5,
  total_volume_usd: "1",
  account_age_days: 1,
  avg_risk_ratio: 0.1,
  max_drawdown: 0.1,
  max_profit_usd: "1",
  max_loss_usd: "-1",
  updated_at: "2026-01-01T00:00:00.000Z",
});

const memoryStore = () => {
  const reads = { header: 0, page: 0 };
  // Like the DynamoDB layout: a new snapshot does not remove the pages of the old one.
  const snapshots = new Map<string, { header: LeaderboardSnapshotHeader; rows: LeaderboardRow[] }>();
  let current: { header: LeaderboardSnapshotHeader; rows: LeaderboardRow[] } | null = null;
  const store: LeaderboardStore = {
    header: async () => {
      reads.header++;
      return current?.header ?? null;
    },
    page: async (_o: LeaderboardOrdering, snapshotId: string, n: number) => {
      reads.page++;
      const snapshot = snapshots.get(snapshotId);
      if (snapshot === undefined) throw new Error("unknown snapshot");
      const size = snapshot.header.pageSize;
      return snapshot.rows.slice(n * size, (n + 1) * size);
    },
  };
  const publish = (snapshotId: string, total: number, pageSize = 10) => {
    current = {
      header: { snapshotId, updatedAt: `at-${snapshotId}`, total, pageSize, expiresAt: 4_000_000_000 },
      rows: Array.from({ length: total }, (_, i) => row(i)),
    };
    snapshots.set(snapshotId, current);
  };
  return { store, reads, publish };
};

const text = (body: Uint8Array): string => new TextDecoder().decode(body);

const request = { sortBy: "win_rate", order: "desc", limit: 15, cursor: undefined } as const;

describe("leaderboard cache", () => {
  it("serves a hit as the same body and ETag without reading the store again, and shares concurrent misses", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 100);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0 });
    const [a, b] = await Promise.all([cache.response(request), cache.response(request)]);
    expect(b).toBe(a);
    expect(reads).toEqual({ header: 1, page: 2 }); // rows 0–14 span pages 0 and 1
    const again = await cache.response(request);
    expect(again).toBe(a);
    expect(reads).toEqual({ header: 1, page: 2 });
    expect(JSON.parse(text(a.body)).leaderboard).toEqual(Array.from({ length: 15 }, (_, i) => row(i)));
  });

  it("reads the header again after the TTL, and clear() drops headers, pages and responses", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 100);
    let now = 0;
    const cache = createLeaderboardCache(store, { ttlMs: 1_000, now: () => now });
    await cache.response(request);
    now = 1_001;
    await cache.response(request);
    expect(reads).toEqual({ header: 2, page: 2 }); // same snapshot: pages and response still cached
    expect(cache.clear()).toBe(1 + 2 + 1);
    await cache.response(request);
    expect(reads).toEqual({ header: 3, page: 4 });
  });

  it("refuses a cursor of a replaced snapshot, after reading the header again", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 100);
    let now = 0;
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => now });
    const first = JSON.parse(text((await cache.response(request)).body)) as { next_cursor: string };
    publish("s2", 100);
    now = 5_000; // well within the TTL: the cached header still says s1
    await cache.response({ ...request, cursor: first.next_cursor }); // still s1 here: served
    const fresh = createLeaderboardCache(store, { ttlMs: 60_000, now: () => now });
    const refused = fresh.response({ ...request, cursor: first.next_cursor });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(REFRESHED_MESSAGE);
    const headerReads = reads.header;
    // Many stale cursors within a second cost one extra header read, not one each.
    await Promise.allSettled(Array.from({ length: 5 }, () => fresh.response({ ...request, cursor: first.next_cursor })));
    expect(reads.header).toBe(headerReads);
  });

  it("keeps the number of cached responses bounded", async () => {
    const { store, reads, publish } = memoryStore();
    publish("s1", 1_000, 1_000);
    const cache = createLeaderboardCache(store, { ttlMs: 60_000, now: () => 0, maxResponses: 3 });
    for (const limit of [1, 2, 3, 4]) await cache.response({ ...request, limit });
    expect(cache.clear()).toBe(1 + 1 + 3);
    expect(reads.page).toBe(1);
  });
});
