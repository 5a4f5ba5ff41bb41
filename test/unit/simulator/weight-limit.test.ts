import { afterEach, describe, expect, it } from "vitest";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { WeightLimit } from "#simulator/weight-limit.js";
import { postInfo } from "./http.js";

/** The exchange's own rule, as the simulator enforces it by default: 1,200 weight a minute per client. */

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

const started = async (opts: Parameters<typeof createSimulator>[0] = {}): Promise<[Simulator, string]> => {
  const sim = createSimulator(opts);
  running.push(sim);
  return [sim, await sim.start()];
};

describe("the exchange's weight rule", () => {
  it("answers 429 with the body null once a client would pass 1,200 weight, by default", async () => {
    const [sim, url] = await started();
    // `meta` weighs 20: sixty of them are the whole minute's 1,200.
    for (let i = 0; i < 60; i++) expect((await postInfo(url, { type: "meta" })).status).toBe(200);
    const refused = await postInfo(url, { type: "meta" });
    expect(refused).toMatchObject({ status: 429, text: "null" });
    // A light request does not fit either: the window is full, not just too full for 20.
    expect((await postInfo(url, { type: "clearinghouseState", user: `0x${"1".repeat(40)}` })).status).toBe(429);
    expect(sim.stats()).toMatchObject({ limited: 2, weight: 1_200 });
    expect(sim.stats().faults.rateLimited).toBe(0); // the rule, not an injected fault
  });

  it("can be raised, or turned off for benchmarks that raise our own budget", async () => {
    const [sim, url] = await started({ weightPerMinute: 100 });
    for (let i = 0; i < 5; i++) expect((await postInfo(url, { type: "meta" })).status).toBe(200);
    expect((await postInfo(url, { type: "meta" })).status).toBe(429);
    sim.setWeightPerMinute(Infinity);
    for (let i = 0; i < 10; i++) expect((await postInfo(url, { type: "meta" })).status).toBe(200);
    expect(() => sim.setWeightPerMinute(0)).toThrow(RangeError);
  });
});

describe("WeightLimit", () => {
  it("slides over 60 s, counts surcharges, charges nothing for a refusal, and keeps clients apart", () => {
    const limit = new WeightLimit(100);
    const t0 = 1_000_000;
    expect(limit.admit("a", 60, t0)).toBe(true);
    limit.charge("a", 30, t0 + 10); // the per-item surcharge, known from the answer
    expect(limit.admit("a", 20, t0 + 1_000)).toBe(false);
    expect(limit.used("a", t0 + 1_000)).toBe(90); // the refusal cost nothing
    expect(limit.admit("a", 10, t0 + 1_000)).toBe(true);
    expect(limit.admit("b", 100, t0 + 1_000)).toBe(true); // another IP, another window
    // The first 90 leave the window a minute after they were spent, never earlier.
    expect(limit.admit("a", 20, t0 + 59_999)).toBe(false);
    expect(limit.admit("a", 20, t0 + 60_100)).toBe(true);
    expect(limit.used("a", t0 + 60_100)).toBe(30);
  });
});
