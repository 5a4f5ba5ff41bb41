import { describe, expect, it } from "vitest";
import { AdaptiveRate } from "#hyperliquid/adaptive-rate.js";

const T0 = 1_700_000_000_000;

/** `perSecond` weight a second, sent evenly over the `ms` before `end`. */
const sendEvenly = (r: AdaptiveRate, end: number, perSecond: number, ms = 2_000) => {
  for (let t = end - ms; t < end; t += 100) r.sent(t, perSecond / 10);
};

describe("AdaptiveRate", () => {
  it("spreads sends at the full rate beyond a burst of 10 s of it", () => {
    const r = new AdaptiveRate({ maxRate: 18 });
    expect(r.rate(T0)).toBe(18);
    let burst = 0;
    while (r.allows(T0)) {
      r.sent(T0, 2);
      burst += 2;
    }
    // 180 weight at once (plus the one that starts the schedule), not a whole minute's 1,080.
    expect(burst).toBeGreaterThanOrEqual(180);
    expect(burst).toBeLessThanOrEqual(184);
    // Then one poll (2 weight) every 1/9 s.
    expect(r.nextAllowedAt(T0) - T0).toBeCloseTo(burst / 18 * 1_000 - 10_000, 0);
    expect(r.isThrottled(T0)).toBe(false);
  });

  it("drops to 0.7 × the measured rate, climbs back on the cubic, and stops pacing above full rate", () => {
    const r = new AdaptiveRate({ maxRate: 18 });
    sendEvenly(r, T0, 10);
    expect(r.measured(T0)).toBeCloseTo(10, 5);
    expect(r.throttle(T0)).toBe(true);
    expect(r.rate(T0)).toBeCloseTo(7, 5);
    // Back at the plateau (10) after K = cbrt(10 × 0.3 / C), C = 18 × 0.3 / 1.5³.
    const k = Math.cbrt((10 * 0.3) / ((18 * 0.3) / 1.5 ** 3));
    expect(r.rate(T0 + k * 1_000)).toBeCloseTo(10, 5);
    // Concave before it, convex after: slower near the old rate than far from it.
    expect(r.rate(T0 + 500) - r.rate(T0)).toBeGreaterThan(r.rate(T0 + k * 1_000) - r.rate(T0 + k * 1_000 - 500));
    expect(r.rate(T0 + 4_000)).toBe(18);
    expect(r.isThrottled(T0 + 4_000)).toBe(false);
  });

  it("counts the answers to requests already in flight as one incident", () => {
    const r = new AdaptiveRate({ maxRate: 18 });
    sendEvenly(r, T0, 10);
    expect(r.throttle(T0)).toBe(true);
    expect(r.throttle(T0 + 300)).toBe(false);
    expect(r.rate(T0 + 300)).toBeGreaterThan(6.9);
    // A second incident a second later cuts from what was really sent, not from the plan.
    expect(r.throttle(T0 + 1_000)).toBe(true);
    expect(r.rate(T0 + 1_000)).toBeLessThan(7);
  });

  it("never paces below its floor (a tenth of full rate by default)", () => {
    const r = new AdaptiveRate({ maxRate: 18 });
    for (let i = 0; i < 30; i++) r.throttle(T0 + i * 1_000);
    expect(r.rate(T0 + 29_000)).toBeCloseTo(1.8, 5);
  });

  it("spaces sends on the rate, with a burst allowance, while paced", () => {
    const r = new AdaptiveRate({ maxRate: 18, burstMs: 1_000 });
    r.throttle(T0); // nothing sent before: the floor, 1.8 weight/s
    let sent = 0;
    for (let t = T0; t < T0 + 1_000; t += 10) {
      if (r.allows(t)) {
        r.sent(t, 2);
        sent++;
      }
    }
    // The burst (1 s at 1.8/s) plus the one send that starts it: a couple, not fifty.
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(3);
    expect(r.nextAllowedAt(T0 + 1_000)).toBeGreaterThan(T0 + 1_000);
  });
});
