import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { dispatchTracking } from "#domain/dispatch.js";
import { trackBatchMessageSchema } from "#domain/messages.js";
import type { HintedTrader, ReconcileRotation, RunStateStore, TraderStore, TrackingCycle } from "#domain/ports.js";

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const addresses = (n: number): Address[] =>
  Array.from({ length: n }, (_, i) => `0x${i.toString(16).padStart(40, "0")}` as Address);

/**
 * A trader store whose active index hands out `pageSize` addresses per page, like a DynamoDB Query
 * with Limit, and whose hinted index holds `hinted`, three a page.
 */
const pagedTraders = (
  all: Address[],
  pageSize: number,
  hinted: HintedTrader[] = [],
  scans: { pages: number } = { pages: 0 },
): Pick<TraderStore, "pageActive" | "pageHinted"> => ({
  async pageActive(_limit, cursor) {
    const start = cursor === undefined ? 0 : all.indexOf(cursor as Address) + 1;
    const page = all.slice(start, start + pageSize);
    const last = page.at(-1);
    return start + pageSize < all.length && last !== undefined ? { addresses: page, cursor: last } : { addresses: page };
  },
  async pageHinted(_limit, cursor) {
    scans.pages += 1;
    const start = cursor === undefined ? 0 : (cursor.next as number);
    const traders = hinted.slice(start, start + 3);
    return start + 3 < hinted.length ? { traders, cursor: { next: start + 3 } } : { traders };
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

/** A run state that also keeps the reconciliation walk. */
const rotatingRunState = (cycles: TrackingCycle[]) => {
  let rotation: ReconcileRotation = { cursor: null, walked: 0, lastWalk: null };
  const store = {
    recordCycle: async (c: TrackingCycle) => void cycles.push(c),
    latestCycle: async () => {
      const c = cycles.at(-1);
      return c === undefined ? null : { ...c, completedMessages: 0, completedTraders: c.traders, lastCompletedAt: null };
    },
    getRotation: async () => rotation,
    setRotation: async (r: ReconcileRotation) => void (rotation = r),
  } as unknown as RunStateStore;
  return { store, rotation: () => rotation };
};

describe("dispatchTracking as reconciliation (the trades stream is up)", () => {
  const NOW = Date.UTC(2026, 0, 1);
  const run = async (
    all: Address[],
    state: ReturnType<typeof rotatingRunState>,
    o: { up?: boolean; polls?: number; hinted?: HintedTrader[]; scans?: { pages: number } } = {},
  ) => {
    const sent: string[] = [];
    await dispatchTracking({
      traders: pagedTraders(all, 7, o.hinted, o.scans) as TraderStore,
      queue: { sendAll: async (bodies) => void sent.push(...bodies) },
      runState: state.store,
      batchSize: 25,
      // 60 polls an interval, of which a slice may take half: 30.
      pollsPerInterval: o.polls ?? 60,
      intervalMs: 60_000,
      now: () => NOW,
      logger: silent,
      reconcile: { periodMs: 30 * 60_000, share: 0.5, streamUp: async () => o.up ?? true },
    });
    return sent.flatMap((b) => trackBatchMessageSchema.parse(JSON.parse(b)).traders);
  };

  it("polls a slice per tick, continuing where the last stopped and round past the end", async () => {
    const all = addresses(70);
    const cycles: TrackingCycle[] = [];
    const state = rotatingRunState(cycles);
    const polled = [await run(all, state), await run(all, state), await run(all, state)];
    expect(polled.map((p) => p.length)).toEqual([30, 30, 30]);
    expect(polled[0]).toEqual(all.slice(0, 30));
    expect(polled[1]).toEqual(all.slice(30, 60));
    // The end of the walk: the last 10, then round again.
    expect(polled[2]).toEqual([...all.slice(60), ...all.slice(0, 20)]);
    expect(state.rotation().lastWalk).toBe(70);
    expect(cycles[2]!.slice).toEqual({ first: all[60], last: all[19] });
  });

  it("polls everyone once when they fit in a slice, and everyone every tick while the stream is down", async () => {
    const few = addresses(12);
    const state = rotatingRunState([]);
    expect(await run(few, state)).toEqual(few);
    expect(await run(few, state)).toEqual(few);
    const many = addresses(70);
    expect(await run(many, rotatingRunState([]), { up: false })).toEqual(many);
  });

  it("takes more than its share when that is what walking everyone within the period needs", async () => {
    // 3,000 traders in 30 one-minute ticks: 100 a tick, beyond the 30 the share gives.
    const all = addresses(3_000);
    const state = rotatingRunState([]);
    let total = 0;
    while (state.rotation().lastWalk === null) total += (await run(all, state, { polls: 60 })).length;
    expect(total).toBe(3_000);
    expect((await run(all, state)).length).toBe(100);
  });

  const MIN = 60_000;
  const hint = (a: Address, failing: { since: number; last?: number }): HintedTrader => ({
    address: a,
    tradedAt: NOW - failing.since * MIN,
    lastFailedAt: failing.last === undefined ? undefined : NOW - failing.last * MIN,
  });

  it("adds the hinted traders that are due to the slice, once each and at most a tenth of the interval's polls", async () => {
    const all = addresses(200);
    // Due: never failed (a refused hand-off), or waited as long again as they had been failing.
    const due = [hint(all[150]!, { since: 3 }), hint(all[151]!, { since: 6, last: 3 }), hint(all[5]!, { since: 4, last: 3 })];
    const notYet = hint(all[152]!, { since: 6, last: 2 });
    // Failing only just: the worker's hand-backs may still be polling him; an interval (a minute) first.
    const justFailed = hint(all[153]!, { since: 0.2, last: 0.1 });
    const polled = await run(all, rotatingRunState([]), { hinted: [due[0]!, notYet, justFailed, due[1]!, due[2]!] });
    // The slice (the first 30) holds all[5] already; the two others come after it.
    expect(polled).toEqual([...all.slice(0, 30), all[150], all[151]]);

    const many = all.slice(100, 120).map((a) => hint(a, { since: 1 }));
    const capped = await run(all, rotatingRunState([]), { hinted: many });
    // 60 polls an interval: 6 hinted at most.
    expect(capped).toEqual([...all.slice(0, 30), ...all.slice(100, 106)]);
  });

  it("waits out a trader who keeps failing for as long again as he has been failing, at least an interval and at most the period", async () => {
    const all = addresses(100);
    const longFailing = [hint(all[90]!, { since: 120, last: 29 }), hint(all[91]!, { since: 120, last: 30 })];
    expect(await run(all, rotatingRunState([]), { hinted: longFailing })).toEqual([...all.slice(0, 30), all[91]]);
    const briefly = [hint(all[92]!, { since: 1.1, last: 0.9 }), hint(all[93]!, { since: 1.2, last: 1 })];
    expect(await run(all, rotatingRunState([]), { hinted: briefly })).toEqual([...all.slice(0, 30), all[93]]);
  });

  it("dispatches its slice when the hinted index cannot be read", async () => {
    const all = addresses(40);
    const state = rotatingRunState([]);
    const sent: string[] = [];
    const warnings: string[] = [];
    await dispatchTracking({
      traders: { ...pagedTraders(all, 7), pageHinted: () => Promise.reject(new Error("index is backfilling")) } as unknown as TraderStore,
      queue: { sendAll: async (bodies) => void sent.push(...bodies) },
      runState: state.store,
      batchSize: 25,
      pollsPerInterval: 60,
      intervalMs: 60_000,
      now: () => NOW,
      logger: { ...silent, warn: (message: string) => void warnings.push(message) },
      reconcile: { periodMs: 30 * 60_000, share: 0.5, streamUp: async () => true },
    });
    expect(sent.flatMap((b) => trackBatchMessageSchema.parse(JSON.parse(b)).traders)).toEqual(all.slice(0, 30));
    expect(warnings).toEqual(["Reading the hinted traders failed; the slices and the next tick serve them"]);
  });

  it("does not read the hinted index while the stream is down: every tick polls everyone then", async () => {
    const all = addresses(40);
    const scans = { pages: 0 };
    expect(await run(all, rotatingRunState([]), { up: false, hinted: [hint(all[3]!, { since: 1 })], scans })).toEqual(all);
    expect(scans.pages).toBe(0);
    await run(all, rotatingRunState([]), { hinted: [hint(all[35]!, { since: 1 })], scans });
    expect(scans.pages).toBe(1);
  });
});
