import { describe, expect, it } from "vitest";
import { dueMs, latencyFromDue, MIN_CARRIED_SHARE, pacedPlan, pacedVerdict } from "../../../bench/paced.js";

describe("paced plan (bench:api's paced leaderboard runs)", () => {
  it("offers the share of the saturating rate, each connection sending every connections ÷ rate", () => {
    expect(pacedPlan(8_000, 0.5, 100)).toEqual({ connections: 100, offeredRps: 4_000, intervalMs: 25 });
    expect(pacedPlan(4_321, 0.5, 100)).toEqual({ connections: 100, offeredRps: 2_161, intervalMs: (100 * 1000) / 2_161 });
  });

  it("asks at least one request a second of each connection, and refuses nonsense", () => {
    expect(pacedPlan(30, 0.5, 100)).toMatchObject({ offeredRps: 100, intervalMs: 1000 });
    expect(() => pacedPlan(1_000, 0, 100)).toThrow(/share/);
    expect(() => pacedPlan(1_000, 1.5, 100)).toThrow(/share/);
    expect(() => pacedPlan(1_000, 0.5, 0)).toThrow(/connections/);
    expect(() => pacedPlan(1_000, 0.5, 2.5)).toThrow(/connections/);
  });

  it("staggers the connections so that requests are due one every 1000 ÷ offeredRps ms, not in bursts", () => {
    const plan = pacedPlan(800, 0.5, 4); // 400 req/s: each connection every 10 ms
    const due = [0, 1, 2].flatMap((k) => [0, 1, 2, 3].map((c) => dueMs(plan, c, k))).sort((a, b) => a - b);
    expect(due).toEqual([0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20, 22.5, 25, 27.5]);
  });

  it("counts latency from when a request was due, so a late send counts its wait, and never below the request's own time", () => {
    expect(latencyFromDue(100, 100.2, 103)).toBeCloseTo(3); // timer 0.2 ms late: counted
    expect(latencyFromDue(100, 130, 133)).toBe(33); // waited 30 ms for the previous answer
    expect(latencyFromDue(100, 99.5, 102)).toBe(2.5); // sent 0.5 ms early: the request's own time
  });
});

describe("paced verdict", () => {
  const clean = { p99Ms: 12, requestsPerSecond: 2_000, non2xx: 0, errors: 0, timeouts: 0 };

  it("is met under the target with nothing failed and the offered rate carried", () => {
    expect(pacedVerdict(clean, 2_000, 25)).toEqual({ met: true, text: "12 ms → met" });
    expect(pacedVerdict({ ...clean, p99Ms: 25 }, 2_000, 25)).toEqual({ met: false, text: "25 ms → NOT met" });
  });

  it("is not met with any failed request, whatever the latency", () => {
    expect(pacedVerdict({ ...clean, non2xx: 1 }, 2_000, 25)).toEqual({ met: false, text: "12 ms → NOT met (1 non-2xx, 0 errors, 0 timeouts)" });
    expect(pacedVerdict({ ...clean, timeouts: 2 }, 2_000, 25).met).toBe(false);
    expect(pacedVerdict({ ...clean, errors: 3 }, 2_000, 25).met).toBe(false);
  });

  it(`is not met when less than ${MIN_CARRIED_SHARE * 100}% of the offered rate was carried (the server fell behind)`, () => {
    expect(pacedVerdict({ ...clean, requestsPerSecond: 1_600 }, 2_000, 25).met).toBe(true);
    expect(pacedVerdict({ ...clean, requestsPerSecond: 1_599 }, 2_000, 25)).toEqual({ met: false, text: "12 ms → NOT met (carried 1599 of 2000 req/s offered)" });
  });
});
