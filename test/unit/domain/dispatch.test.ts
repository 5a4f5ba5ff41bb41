import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { dispatchTracking } from "#domain/dispatch.js";
import { trackBatchMessageSchema } from "#domain/messages.js";
import type { RunStateStore, TraderStore, TrackingCycle } from "#domain/ports.js";

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const addresses = (n: number): Address[] =>
  Array.from({ length: n }, (_, i) => `0x${i.toString(16).padStart(40, "0")}` as Address);

/** A trader store whose active index hands out `pageSize` addresses per page, like a DynamoDB Query with Limit. */
const pagedTraders = (all: Address[], pageSize: number): Pick<TraderStore, "pageActive"> => ({
  async pageActive(_limit, cursor) {
    const start = cursor === undefined ? 0 : all.indexOf(cursor as Address) + 1;
    const page = all.slice(start, start + pageSize);
    const last = page.at(-1);
    return start + pageSize < all.length && last !== undefined ? { addresses: page, cursor: last } : { addresses: page };
  },
});

/** Remembers the cycles recorded; the latest, with `completed` of its traders polled, is what the next dispatch sees. */
const runState = (cycles: TrackingCycle[], completed = { traders: 0 }): RunStateStore =>
  ({
    recordCycle: async (c: TrackingCycle) => void cycles.push(c),
    latestCycle: async () => {
      const c = cycles.at(-1);
      return c === undefined ? null : { ...c, completedMessages: 0, completedTraders: completed.traders, lastCompletedAt: null };
    },
  }) as unknown as RunStateStore;

describe("dispatchTracking", () => {
  it("sends every active trader exactly once, in full batches across index pages", async () => {
    const all = addresses(53);
    const sent: string[] = [];
    const cycles: TrackingCycle[] = [];
    const result = await dispatchTracking({
      traders: pagedTraders(all, 10) as TraderStore,
      queue: { sendAll: async (bodies) => void sent.push(...bodies) },
      runState: runState(cycles),
      batchSize: 25,
      pollsPerInterval: 540,
      intervalMs: 60_000,
      now: () => Date.UTC(2026, 0, 1),
      logger: silent,
    });
    const messages = sent.map((b) => trackBatchMessageSchema.parse(JSON.parse(b)));
    expect(messages.map((m) => m.traders.length)).toEqual([25, 25, 3]);
    expect(messages.flatMap((m) => m.traders)).toEqual(all);
    expect(new Set(messages.map((m) => m.cycle_id)).size).toBe(1);
    expect(result).toEqual({ cycleId: "2026-01-01T00:00:00.000Z", traders: 53, messages: 3 });
    expect(cycles).toEqual([{ cycleId: "2026-01-01T00:00:00.000Z", dispatchedAt: Date.UTC(2026, 0, 1), messages: 3, traders: 53 }]);
  });

  it("sends nothing but still records the cycle when nobody is tracked", async () => {
    const sent: string[] = [];
    const cycles: TrackingCycle[] = [];
    await dispatchTracking({
      traders: pagedTraders([], 10) as TraderStore,
      queue: { sendAll: async (bodies) => void sent.push(...bodies) },
      runState: runState(cycles),
      batchSize: 25,
      pollsPerInterval: 540,
      intervalMs: 60_000,
      now: Date.now,
      logger: silent,
    });
    expect(sent).toEqual([]);
    expect(cycles[0]).toMatchObject({ messages: 0, traders: 0 });
  });

  it("skips a tick while the previous cycle has more left than the budget polls in an interval, and only then", async () => {
    const all = addresses(600);
    const sent: string[] = [];
    const cycles: TrackingCycle[] = [];
    const completed = { traders: 0 };
    let now = Date.UTC(2026, 0, 1);
    const deps = {
      traders: pagedTraders(all, 1000) as TraderStore,
      queue: { sendAll: async (bodies: readonly string[]) => void sent.push(...bodies) },
      runState: runState(cycles, completed),
      batchSize: 25,
      pollsPerInterval: 270, // 1,080 weight a minute, a poll every 30 s
      intervalMs: 30_000,
      now: () => now,
      logger: silent,
    };
    expect(await dispatchTracking(deps)).toMatchObject({ traders: 600, messages: 24 });
    // 30 s later the workers polled 270 of them: 330 are left, more than the next interval's 270.
    now += 30_000;
    completed.traders = 270;
    expect(await dispatchTracking(deps)).toEqual({ skipped: true, previousCycleId: cycles[0]!.cycleId, tradersLeft: 330 });
    expect(sent).toHaveLength(24);
    // Another 30 s: 60 left, fewer than an interval's work, so the next cycle goes out behind them.
    now += 30_000;
    completed.traders = 540;
    expect(await dispatchTracking(deps)).toMatchObject({ traders: 600, messages: 24 });
    expect(sent).toHaveLength(48);
  });

  it("dispatches anyway once the previous cycle is 3 intervals old (part of it may be lost for good)", async () => {
    const cycles: TrackingCycle[] = [];
    let now = Date.UTC(2026, 0, 1);
    const deps = {
      traders: pagedTraders(addresses(600), 1000) as TraderStore,
      queue: { sendAll: async () => undefined },
      runState: runState(cycles), // nothing ever completes
      batchSize: 25,
      pollsPerInterval: 270,
      intervalMs: 30_000,
      now: () => now,
      logger: silent,
    };
    await dispatchTracking(deps);
    now += 60_000;
    expect(await dispatchTracking(deps)).toMatchObject({ skipped: true });
    now += 30_000;
    expect(await dispatchTracking(deps)).toMatchObject({ traders: 600 });
  });
});
