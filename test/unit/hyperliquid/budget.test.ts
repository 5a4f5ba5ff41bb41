import { describe, expect, it } from "vitest";
import type { Lane } from "#domain/exchange.js";
import { type BudgetLedger, createWeightBudget } from "#hyperliquid/budget.js";
import { BudgetRequestTooLargeError, BudgetTimeoutError } from "#hyperliquid/errors.js";
import { FakeClock } from "./fake-clock.js";

const MIN = 60_000;

/**
 * These tests are about the window's and the lanes' rules, so sends may burst a whole minute's
 * weight at once here (budget-throttle.test.ts covers the spreading and the 429 pacing).
 */
const setup = (over: Partial<Parameters<typeof createWeightBudget>[0]> = {}) => {
  const clock = new FakeClock();
  const budget = createWeightBudget({
    limitPerMinute: 100,
    discoveryShare: 0.25,
    historyShare: 0.25,
    now: clock.now,
    sleep: clock.sleep,
    adaptive: { steadyBurstMs: MIN },
    ...over,
  });
  return { clock, budget };
};

/** Largest spend inside any 60 s window, checked at every spend (the only moments it can grow). */
const maxInAnyWindow = (log: { t: number; w: number }[]): number =>
  Math.max(0, ...log.map(({ t }) => log.filter((e) => e.t > t - MIN && e.t <= t).reduce((s, e) => s + e.w, 0)));

describe("weight budget (local)", () => {
  it("times out on the real clock when nothing frees up", async () => {
    const budget = createWeightBudget({ limitPerMinute: 10, discoveryShare: 0.5, historyShare: 0.5 });
    expect(budget.tryTake("tracking", 10)).toBe(true);
    const started = Date.now();
    await expect(budget.take("tracking", 1, { maxWaitMs: 80 })).rejects.toBeInstanceOf(BudgetTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("never lets any 60 s window exceed the limit under mixed load", async () => {
    const { clock, budget } = setup({ defaultMaxWaitMs: Infinity });
    const log: { t: number; lane: Lane; w: number }[] = [];
    let rng = 42;
    const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const worker = async (lane: Lane, n: number) => {
      for (let i = 0; i < n; i++) {
        const w = random() < 0.7 ? 2 : 20;
        await budget.take(lane, w);
        log.push({ t: clock.now(), lane, w });
        await clock.sleep(Math.floor(random() * 3_000));
      }
    };
    const all = Promise.all([
      ...[1, 2, 3].map(() => worker("tracking", 40)),
      ...[1, 2].map(() => worker("discovery", 20)),
      ...[1, 2].map(() => worker("history", 20)),
    ]);
    for (let i = 0; i < 60 && log.length < 200; i++) await clock.advance(MIN / 2);
    await all;

    expect(log).toHaveLength(200);
    expect(maxInAnyWindow(log)).toBeLessThanOrEqual(100);
    // The load really was limited: 200 takes of ~7.4 weight need several minutes at 100/min.
    expect(log.at(-1)!.t - log[0]!.t).toBeGreaterThan(5 * MIN);
    for (const lane of ["discovery", "history"] as const) {
      expect(maxInAnyWindow(log.filter((e) => e.lane === lane))).toBeLessThanOrEqual(25);
    }
    const spent = (lane: Lane) => log.filter((e) => e.lane === lane).reduce((s, e) => s + e.w, 0);
    expect(budget.snapshot().totalByLane).toEqual({
      tracking: spent("tracking"),
      discovery: spent("discovery"),
      history: spent("history"),
    });
  });

  it("serves a waiting tracking request before a discovery request that queued earlier", async () => {
    const { clock, budget } = setup({ discoveryShare: 0.5, historyShare: 0.5 });
    const start = clock.now();
    expect(budget.tryTake("discovery", 50)).toBe(true);
    expect(budget.tryTake("history", 50)).toBe(true);
    const order: string[] = [];
    const d = budget.take("discovery", 20).then(() => order.push(`discovery@${clock.now() - start}`));
    const t = budget.take("tracking", 20).then(() => order.push(`tracking@${clock.now() - start}`));
    await clock.advance(MIN - 1);
    expect(order).toEqual([]);
    await clock.advance(1);
    await Promise.all([d, t]);
    expect(order).toEqual([`tracking@${MIN}`, `discovery@${MIN}`]);
  });

  it("keeps discovery waiting while tracking waits, even when discovery's weight would fit", async () => {
    // Beyond its floor, that is: with none, every discovery request is beyond it.
    const { clock, budget } = setup({ discoveryShare: 0.5, historyShare: 0.5, laneFloorShare: 0 });
    expect(budget.tryTake("history", 40)).toBe(true);
    const order: string[] = [];
    const t = budget.take("tracking", 70).then(() => order.push("tracking"));
    expect(budget.tryTake("discovery", 5)).toBe(false);
    const d = budget.take("discovery", 5).then(() => order.push("discovery"));
    await clock.advance(MIN / 2);
    expect(order).toEqual([]);
    await clock.advance(MIN / 2);
    await Promise.all([t, d]);
    expect(order).toEqual(["tracking", "discovery"]);
  });

  it("caps discovery at its share of the window", () => {
    const { budget } = setup();
    expect(budget.tryTake("discovery", 20)).toBe(true);
    expect(budget.tryTake("discovery", 10)).toBe(false);
    expect(budget.tryTake("discovery", 5)).toBe(true);
    expect(budget.tryTake("history", 25)).toBe(true);
    expect(budget.snapshot().usedByLane).toEqual({ tracking: 0, discovery: 25, history: 25 });
    return expect(budget.take("discovery", 26)).rejects.toBeInstanceOf(BudgetRequestTooLargeError);
  });

  it("leaves room for last minute's tracking demand, so tracking is not delayed", async () => {
    const { clock, budget } = setup({ discoveryShare: 0.5 });
    expect(budget.tryTake("tracking", 60)).toBe(true);
    await clock.advance(MIN + 1_000);
    // Tracking spent 60 in the previous window: discovery may only use what is left after that.
    expect(budget.tryTake("discovery", 45)).toBe(false);
    expect(budget.tryTake("discovery", 40)).toBe(true);
    // The next tracking cycle gets its 60 at once.
    expect(budget.tryTake("tracking", 60)).toBe(true);
    expect(budget.snapshot().usedByLane).toEqual({ tracking: 60, discovery: 40, history: 0 });
  });

  it("makes later takes wait for surcharges charged into debt, and times out", async () => {
    const { clock, budget } = setup();
    expect(budget.tryTake("tracking", 90)).toBe(true);
    budget.charge("tracking", 30);
    expect(budget.snapshot().usedByLane.tracking).toBe(120);
    const late = budget.take("tracking", 2, { maxWaitMs: 1_000 });
    const lateResult = late.catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(await lateResult).toBeInstanceOf(BudgetTimeoutError);
    let doneAt = 0;
    const ok = budget.take("tracking", 2).then(() => (doneAt = clock.now()));
    const start = clock.now();
    await clock.advance(MIN);
    await ok;
    expect(doneAt - start).toBe(MIN - 1_000);
  });

  it("lets discovery go as soon as a waiting tracking request is aborted", async () => {
    const { clock, budget } = setup({ laneFloorShare: 0 });
    expect(budget.tryTake("tracking", 50)).toBe(true);
    const ac = new AbortController();
    const t = budget.take("tracking", 80, { signal: ac.signal }).catch((e: unknown) => e);
    let discoveryDone = false;
    const d = budget.take("discovery", 2).then(() => (discoveryDone = true));
    await clock.advance(1_000);
    expect(discoveryDone).toBe(false);
    ac.abort(new Error("cycle cancelled"));
    await clock.advance(0);
    expect(((await t) as Error).message).toBe("cycle cancelled");
    await d;
    expect(discoveryDone).toBe(true);
  });
});

/** A fixed-window ledger in memory, like the DynamoDB one minus the lane rules. */
const memoryLedger = (limit: number) => {
  const used = new Map<number, number>();
  const calls: { lane: Lane; weight: number; granted: number }[] = [];
  const ledger: BudgetLedger = {
    lease: async (lane, weight, now) => {
      const start = Math.floor(now / MIN) * MIN;
      const u = used.get(start) ?? 0;
      const granted = Math.max(0, Math.min(weight, limit - u));
      used.set(start, u + granted);
      calls.push({ lane, weight, granted });
      return { granted, windowEndsAt: start + MIN };
    },
  };
  return { ledger, calls, used };
};

describe("weight budget (shared ledger)", () => {
  it("leases in chunks, so most takes cost no write", async () => {
    const { ledger, calls } = memoryLedger(1_000);
    const { budget } = setup({ limitPerMinute: 1_000, ledger, leaseChunk: 20 });
    // Even a caller that will not wait gets its one lease.
    await budget.take("tracking", 2, { maxWaitMs: 0 });
    for (let i = 1; i < 10; i++) await budget.take("tracking", 2);
    expect(calls).toEqual([{ lane: "tracking", weight: 20, granted: 20 }]);
    await budget.take("tracking", 30);
    expect(calls.at(-1)).toEqual({ lane: "tracking", weight: 30, granted: 30 });
    expect(budget.tryTake("tracking", 2)).toBe(false); // tryTake never writes
  });

  it("draws takes from a lease without writing again and waits for the next window when refused", async () => {
    const { ledger, calls, used } = memoryLedger(100);
    const { clock, budget } = setup({ limitPerMinute: 100, ledger, leaseChunk: 20 });
    used.set(clock.now(), 50); // another process behind the same IP already leased 50
    await budget.take("tracking", 2);
    for (let i = 0; i < 9; i++) expect(budget.tryTake("tracking", 2)).toBe(true);
    expect(calls).toHaveLength(1);
    let doneAt = 0;
    // 30 left in the shared window: a take of 40 gets them (kept for later) and waits for the next window.
    const p = budget.take("tracking", 40).then(() => (doneAt = clock.now()));
    await clock.advance(MIN - 1);
    expect(doneAt).toBe(0);
    await clock.advance(1);
    await p;
    expect(doneAt % MIN).toBe(0);
    expect(calls).toEqual([
      { lane: "tracking", weight: 20, granted: 20 },
      { lane: "tracking", weight: 40, granted: 30 },
      { lane: "tracking", weight: 40, granted: 40 },
    ]);
  });

  it("fails the waiting take when the ledger cannot be reached, and serves the next one", async () => {
    let calls = 0;
    const ledger: BudgetLedger = {
      lease: async (_lane, weight, now) => {
        if (calls++ === 0) throw new Error("DynamoDB unreachable");
        return { granted: weight, windowEndsAt: Math.floor(now / MIN) * MIN + MIN };
      },
    };
    const { budget } = setup({ limitPerMinute: 1_000, ledger, leaseChunk: 20 });
    await expect(budget.take("tracking", 2)).rejects.toThrow("DynamoDB unreachable");
    await expect(budget.take("tracking", 2)).resolves.toBeUndefined();
  });

  it("reports surcharges beyond the lease to the ledger with the next lease", async () => {
    const { ledger, calls } = memoryLedger(1_000);
    const { budget } = setup({ limitPerMinute: 1_000, ledger, leaseChunk: 20 });
    await budget.take("history", 20);
    budget.charge("history", 7);
    await budget.take("history", 20);
    expect(calls.map((c) => c.weight)).toEqual([20, 27]);
  });
});
