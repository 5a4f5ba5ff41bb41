import { describe, expect, it } from "vitest";
import type { Lane } from "#domain/exchange.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { FakeClock } from "./fake-clock.js";

/**
 * The budget under 429s and under more demand than the limit: it slows down, never stops, comes
 * back to full speed within seconds, and lets no lane starve. Simulated time throughout.
 */

const MIN = 60_000;
/** The exchange's 1,200 less our 10% headroom: 18 weight a second. */
const LIMIT = 1_080;

const setup = () => {
  const clock = new FakeClock();
  const budget = createWeightBudget({
    limitPerMinute: LIMIT,
    discoveryShare: 0.25,
    historyShare: 0.25,
    now: clock.now,
    sleep: clock.sleep,
    defaultMaxWaitMs: Infinity,
  });
  return { clock, budget };
};

type Budget = ReturnType<typeof setup>["budget"];

/**
 * Asks for `w` every `everyMs` (without waiting for the previous grant) until `untilMs` after the
 * start; resolves to the times (relative to the start) at which each ask was granted.
 */
const steadyDemand = (clock: FakeClock, budget: Budget, o: { lane?: Lane; w?: number; everyMs: number; untilMs: number }) => {
  const start = clock.now();
  const grants: number[] = [];
  const asks: Promise<void>[] = [];
  const loop = (async () => {
    while (clock.now() - start < o.untilMs) {
      asks.push(budget.take(o.lane ?? "tracking", o.w ?? 2).then(() => void grants.push(clock.now() - start)));
      await clock.sleep(o.everyMs);
    }
  })();
  /** Lets simulated time run on until every ask is served (a test must not leave promises behind). */
  const drain = async () => {
    await clock.advance(10 * MIN);
    await loop;
    await Promise.all(asks);
  };
  return { grants, drain };
};

const largestGap = (times: number[]): number => Math.max(...times.slice(1).map((t, i) => t - times[i]!));

describe("weight budget after a 429", () => {
  it("keeps sending after one 429 even when the window holds most of the limit", async () => {
    const { clock, budget } = setup();
    // 50 s at 18 weight/s: the window holds 900 of the 1,080.
    const warm = steadyDemand(clock, budget, { everyMs: 111, untilMs: 50_000 });
    await clock.advance(50_000);
    expect(budget.snapshot().usedByLane.tracking).toBeGreaterThanOrEqual(890);

    budget.backoff();
    const after = steadyDemand(clock, budget, { everyMs: 200, untilMs: 10_000 });
    await clock.advance(10_000);
    const grants = [...after.grants];
    await after.drain();
    // Paced, not frozen: the first poll after the 429 goes within a second, none waits longer than
    // a second for the one before, and by 10 s all 50 asks are served.
    expect(grants[0]).toBeLessThanOrEqual(1_000);
    expect(largestGap(grants)).toBeLessThanOrEqual(1_000);
    expect(grants).toHaveLength(50);
    expect(grants.at(-1)).toBeLessThanOrEqual(10_000);
  });

  it("paces at about 0.7 × the measured send rate, then climbs back to full speed within seconds", async () => {
    const { clock, budget } = setup();
    const warm = steadyDemand(clock, budget, { everyMs: 200, untilMs: 10_000 }); // 10 weight/s
    await clock.advance(10_000);
    budget.backoff();
    budget.backoff(); // the answer to a request already in flight: the same incident
    expect(budget.snapshot().backoffs).toBe(2);
    const paced = budget.snapshot().pacedPerMinute;
    expect(paced).not.toBeNull();
    // Measured 10 weight/s over the last 2 s → 7 weight/s = 420 a minute.
    expect(paced!).toBeGreaterThanOrEqual(400);
    expect(paced!).toBeLessThanOrEqual(440);
    // From 7 back past 10 weight/s, then on to the full 18: about 4 s.
    await clock.advance(5_000);
    expect(budget.snapshot().pacedPerMinute).toBeNull();
  });

  it("keeps at least half of a modest demand flowing under a 429 every two seconds, and recovers within 10 s", async () => {
    const { clock, budget } = setup();
    // 10 weight/s asked for a minute while a 429 arrives every 2 s.
    const load = steadyDemand(clock, budget, { everyMs: 200, untilMs: MIN });
    for (let t = 0; t < MIN; t += 2_000) {
      await clock.advance(2_000);
      budget.backoff();
    }
    const grants = [...load.grants];
    const inTheMinute = grants.filter((t) => t <= MIN + 1);
    expect(inTheMinute.length).toBeGreaterThanOrEqual(150); // of 300 asked
    expect(largestGap(grants)).toBeLessThanOrEqual(2_000);

    // The 429s stop: within 10 s nothing is paced, and a burst goes at once.
    await clock.advance(10_000);
    expect(budget.snapshot().pacedPerMinute).toBeNull();
    const burst = Array.from({ length: 20 }, () => budget.tryTake("tracking", 2));
    expect(burst.every(Boolean)).toBe(true);
    await load.drain();
  });

  it("never paces below a tenth of the limit, however many 429s come", async () => {
    const { clock, budget } = setup();
    const load = steadyDemand(clock, budget, { everyMs: 100, untilMs: 30_000 }); // 20 weight/s
    for (let t = 0; t < 30_000; t += 1_000) {
      await clock.advance(1_000);
      budget.backoff();
    }
    const grants = [...load.grants];
    expect(budget.snapshot().pacedPerMinute).toBeGreaterThanOrEqual(Math.floor(LIMIT / 10));
    // The last 20 s, deep in the throttle: still at least the floor's 1.8 weight/s (0.9 polls/s).
    expect(grants.filter((t) => t > 10_000 && t <= 30_000).length).toBeGreaterThanOrEqual(18);
    await load.drain();
  });
});

describe("weight budget under more demand than the limit", () => {
  it("gives tracking most of the limit and lets discovery and history each have their floor", async () => {
    const { clock, budget } = setup();
    // Tracking asks for twice the limit; discovery and history ask for 20 every 5 s each.
    const tracking = steadyDemand(clock, budget, { everyMs: 55, untilMs: 3 * MIN });
    const discovery = steadyDemand(clock, budget, { lane: "discovery", w: 20, everyMs: 5_000, untilMs: 3 * MIN });
    const history = steadyDemand(clock, budget, { lane: "history", w: 20, everyMs: 5_000, untilMs: 3 * MIN });
    // Just short of three minutes: three windows, each at most the limit.
    await clock.advance(3 * MIN - 1);
    const spent = budget.snapshot().totalByLane;
    const total = spent.tracking + spent.discovery + spent.history;
    expect(total).toBeLessThanOrEqual(3 * LIMIT);
    expect(total).toBeGreaterThanOrEqual(3 * LIMIT * 0.95);
    // Floors are 5% of the limit (54): two requests of 20 a minute each.
    expect(spent.discovery).toBeGreaterThanOrEqual(3 * 40);
    expect(spent.history).toBeGreaterThanOrEqual(3 * 40);
    expect(spent.tracking).toBeGreaterThanOrEqual(total * 0.85);
    for (const load of [tracking, discovery, history]) await load.drain();
  });
});

describe("weight budget pace", () => {
  it("gives the next paced slot to a lane waiting within its floor, before waiting tracking", async () => {
    const { clock, budget } = setup();
    // Tracking wants far more than the pace (18 a second) allows; the window is far from full.
    const tracking = steadyDemand(clock, budget, { everyMs: 20, untilMs: 20_000 });
    await clock.advance(10_000);
    let discoveryAt = 0;
    const asked = clock.now();
    void budget.take("discovery", 20).then(() => (discoveryAt = clock.now()));
    await clock.advance(3_000);
    expect(budget.snapshot().usedByLane.tracking).toBeLessThan(LIMIT / 2);
    // 20 weight at 18 a second: its turn comes within about a second and a half.
    expect(discoveryAt).toBeGreaterThan(0);
    expect(discoveryAt - asked).toBeLessThanOrEqual(1_500);
    await tracking.drain();
  });
});

describe("weight budget wake-ups", () => {
  it("serves a waiter whose pace comes due while the budget is still deciding", async () => {
    const { clock, budget } = setup();
    // Use up the 10 s burst: from here on one poll (2 weight) is due every 111 ms.
    while (budget.tryTake("tracking", 2));
    let served = 0;
    void budget.take("tracking", 2).then(() => served++);
    await clock.advance(50);
    // Another caller arrives just before the next poll is due, and reading the clock takes time:
    // the budget decides "nothing may go" at one instant and plans its wake-up a moment later,
    // when the pace has come due. Planned from that later instant, the due pace looked like no
    // reason to wake, and both waiters slept until their deadline (65 s) or the window's turn.
    await clock.advance(60);
    clock.tick = 1;
    void budget.take("tracking", 2).then(() => served++);
    await clock.advance(1);
    clock.tick = 0;
    await clock.advance(1_000);
    expect(served).toBe(2);
  });
});

describe("urgent takes", () => {
  it("go ahead of the lane's queue, in their own arrival order, while the queue is served at the pace", async () => {
    const { clock, budget } = setup();
    // A sweep that queues 200 polls at once: at 18 weight a second they take ~22 s to go out.
    const order: string[] = [];
    const sweep = Array.from({ length: 200 }, (_, i) => budget.take("tracking", 2).then(() => void order.push(`sweep${i}`)));
    await clock.advance(1_000);
    const startedAt = clock.now();
    const granted: number[] = [];
    const live = ["a", "b"].map((name) =>
      budget.take("tracking", 2, { urgent: true }).then(() => {
        order.push(name);
        granted.push(clock.now() - startedAt);
      }),
    );
    await clock.advance(60_000);
    await Promise.all([...sweep, ...live]);
    // Both went out within a paced slot or two of asking, not behind the ~190 sweep polls left.
    expect(Math.max(...granted)).toBeLessThan(1_000);
    const a = order.indexOf("a");
    expect(order.indexOf("b")).toBe(a + 1);
    expect(a).toBeLessThan(order.indexOf("sweep150"));
    // And the sweep still got all of its weight.
    expect(order.filter((o) => o.startsWith("sweep"))).toHaveLength(200);
  });
});
