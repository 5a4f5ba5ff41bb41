import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import { atTheExchangeLimit, startPipeline, type Pipeline } from "../support/pipeline.js";
import { largestGap, sleep, startTrackingLoop, type TrackingLoop } from "../support/tracking-loop.js";
import { eventually } from "../support/wait.js";

/**
 * Tracking on real schedules against an exchange that throttles and fails: it slows down, never
 * freezes, catches up, and records every lasting change once, in order. The exchange's own weight
 * rule holds and our budget plans with the real limit less its headroom, as in production.
 */

const INTERVAL_S = 2;
const INTERVAL_MS = INTERVAL_S * 1_000;
const traders = Array.from({ length: 5 }, (_, i) => `0x${(0xf0 + i).toString(16).padStart(40, "0")}` as Address);
const [A] = traders as [Address];

const realisticPipeline = (seed: number) => startPipeline(atTheExchangeLimit(seed, INTERVAL_S));

const startTracking = async (p: Pipeline): Promise<TrackingLoop> => {
  for (const t of traders) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
  const loop = startTrackingLoop(p, { intervalSeconds: INTERVAL_S });
  // Every trader has a baseline before the test starts counting.
  await eventually(
    async () => {
      for (const t of traders) {
        const item = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: t } }));
        if (item.Item?.state_version === undefined) return false;
      }
      return true;
    },
    { what: "every trader's baseline", timeoutMs: 20_000 },
  );
  return loop;
};

describe("one 429 while the window holds most of the limit", () => {
  let p: Pipeline;
  let loop: TrackingLoop;
  beforeAll(async () => {
    p = await realisticPipeline(51);
    loop = await startTracking(p);
  });
  afterAll(async () => {
    await loop.stop();
    await p.close();
  });

  it("delays tracking by a few seconds at most", { timeout: 60_000 }, async () => {
    // As after a busy minute: 900 of the 1,080 already spent in this window.
    p.budget.charge("tracking", 900);
    p.sim.rateLimitNext(1);
    const throttledAt = await eventually(() => loop.answers.find((a) => a.status === 429)?.at, { what: "the 429" });
    await sleep(6 * INTERVAL_MS);
    for (const t of traders) {
      // Every trader polled again within 3 intervals of the 429 (its own retry included), and
      // from then on every interval or two.
      const gap = largestGap(loop.polls.get(t) ?? [], throttledAt, throttledAt + 6 * INTERVAL_MS);
      expect(gap, t).toBeLessThanOrEqual(3 * INTERVAL_MS);
    }
    expect(p.budget.snapshot().backoffs).toBe(1);
  });
});

describe("20% of answers 429 and 10% 5xx", () => {
  let p: Pipeline;
  let loop: TrackingLoop;
  beforeAll(async () => {
    p = await realisticPipeline(52);
    loop = await startTracking(p);
  });
  afterAll(async () => {
    await loop.stop();
    await p.close();
  });

  it("polls every trader at least every 3 intervals, records each lasting change once and in order, and is back to normal within 10 s", { timeout: 120_000 }, async () => {
    const faultsFrom = Date.now();
    p.sim.setFaults({ rate429: 0.2, rate5xx: 0.1 });
    // Each state lasts 4 intervals: longer than the 3 the outcome promises to see.
    const hold = 4 * INTERVAL_MS;
    p.sim.execute({ user: A, coin: "ETH", size: "2", px: "3000" });
    await sleep(hold);
    p.sim.execute({ user: A, coin: "ETH", size: "-1.5", px: "3010" });
    await sleep(hold);
    p.sim.execute({ user: A, coin: "ETH", size: "-0.5", px: "3020" });
    await sleep(hold);
    const faultsUntil = Date.now();
    p.sim.setFaults({});
    await sleep(10_000);
    const end = Date.now();

    const stats = p.sim.stats();
    expect(stats.faults.rateLimited).toBeGreaterThan(5);
    expect(stats.faults.serverError).toBeGreaterThan(2);
    for (const t of traders) {
      const polls = loop.polls.get(t) ?? [];
      expect(largestGap(polls, faultsFrom, faultsUntil), `${t} under faults`).toBeLessThanOrEqual(3 * INTERVAL_MS);
      // Normal rate again from 5 s after the faults stopped: polled every interval. A count of
      // polls in a fixed window would depend on where the ticks fall (a 2.05 s gap can leave one
      // poll in 4 s); the largest gap does not. 1.75 intervals: a tick's jitter, never a missed tick.
      expect(largestGap(polls, faultsUntil + 5_000, end), `${t} after the faults`).toBeLessThanOrEqual(1.75 * INTERVAL_MS);
    }
    expect(p.budget.snapshot().pacedPerMinute).toBeNull();

    const events = await p.events(A);
    events.sort((a, b) => a.version - b.version);
    expect(events.map((e) => [e.event_type, e.details.previous_szi, e.details.szi])).toEqual([
      ["OPEN_POSITION", "0", "2"],
      ["DECREASE_POSITION", "2", "0.5"],
      ["CLOSE_POSITION", "0.5", "0"],
    ]);
  });
});
