import { describe, expect, it } from "vitest";
import { maxWindowWeight, minutesToReconcile, splitPolls, sweepPerTick } from "../../../bench/stream-exchange.js";

describe("the most weight in any 60 s", () => {
  it("is the largest rise of the running total over any window, counted after the base", () => {
    const samples = [
      { at: 0, total: 110 },
      { at: 30_000, total: 150 },
      { at: 59_999, total: 300 },
      { at: 60_000, total: 310 },
      { at: 100_000, total: 320 },
    ];
    // (−60 s, 59.999 s]: 300 − 100; (0, 60 s]: 310 − 110.
    expect(maxWindowWeight(100, samples)).toEqual({ weight: 200, endsAt: 59_999 });
  });

  it("sees a burst that straddles two calendar minutes", () => {
    const samples = [
      { at: 50_000, total: 600 },
      { at: 70_000, total: 1_200 },
      { at: 200_000, total: 1_210 },
    ];
    expect(maxWindowWeight(0, samples).weight).toBe(1_200);
    expect(maxWindowWeight(0, []).weight).toBe(0);
  });
});

describe("stream polls and sweep polls", () => {
  const orders = [{ user: "0xA", time: 10_000 }];

  it("counts a trader's polls within 15 s after his trade as the stream's, everything else as the sweep's", () => {
    const polls = [
      { user: "0xa", at: 10_300 },
      { user: "0xa", at: 12_000 },
      { user: "0xa", at: 9_000 },
      { user: "0xa", at: 40_000 },
      { user: "0xb", at: 10_300 },
    ];
    expect(splitPolls(polls, orders)).toEqual({ live: 2, sweep: 3, sweepTimes: [9_000, 40_000, 10_300] });
  });

  it("reckons sweep polls per tick over whole intervals between ticks", () => {
    const ticks = [0, 60_000, 120_000];
    const sweep = [...Array.from({ length: 360 }, (_, i) => 1_000 + i), ...Array.from({ length: 360 }, (_, i) => 61_000 + i), ...Array.from({ length: 100 }, (_, i) => 121_000 + i)];
    // The last tick's slice may still be under way when the run ends: left out.
    expect(sweepPerTick(sweep, ticks)).toBe(360);
    expect(sweepPerTick(sweep, [0])).toBe(820);
    expect(sweepPerTick(sweep, [])).toBe(0);
  });

  it("says how long one walk over everyone takes", () => {
    expect(minutesToReconcile(10_000, 360)).toBeCloseTo(27.78, 2);
    expect(minutesToReconcile(10_000, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
