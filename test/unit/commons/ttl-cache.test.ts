import { describe, expect, it } from "vitest";
import { ttlCache } from "#commons/ttl-cache.js";

/** A cache over a fetch that counts its calls and answers `<key>#<call>`, on a clock the test moves. */
const harness = (ttlMs = 1_000, maxEntries?: number) => {
  let clock = 10_000;
  const calls: string[] = [];
  let fail = false;
  const get = ttlCache(ttlMs, () => clock, async (key) => {
    calls.push(key);
    if (fail) throw new Error("exchange down");
    return `${key}#${calls.length}`;
  }, maxEntries);
  return {
    get,
    calls,
    advance: (ms: number) => (clock += ms),
    failing: (on: boolean) => (fail = on),
  };
};

describe("ttlCache", () => {
  it("keeps a value ttl from when it was asked for, per key, and callers meanwhile share the one read", async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.get("L1"), h.get("L1")]);
    expect([a, b]).toEqual(["L1#1", "L1#1"]);
    h.advance(999);
    expect(await h.get("L1")).toBe("L1#1");
    expect(await h.get("L2")).toBe("L2#2");
    h.advance(1);
    expect(await h.get("L1")).toBe("L1#3");
    expect(h.calls).toEqual(["L1", "L2", "L1"]);
  });

  it("reads again when the kept value was asked for before `notBefore`, once for everyone asking after it", async () => {
    const h = harness(60_000);
    expect(await h.get("L1")).toBe("L1#1"); // asked at 10,000
    h.advance(500);
    // An event at 10,200: the value from 10,000 will not do; one read at 10,500 serves both.
    const [a, b] = await Promise.all([h.get("L1", 10_200), h.get("L1", 10_200)]);
    expect([a, b]).toEqual(["L1#2", "L1#2"]);
    // Asked at 10,500: it does for that event and for one at exactly 10,500, and for plain callers.
    expect(await h.get("L1", 10_500)).toBe("L1#2");
    expect(await h.get("L1")).toBe("L1#2");
    expect(h.calls).toHaveLength(2);
  });

  it("does not keep a failed read: the next caller asks again", async () => {
    const h = harness();
    h.failing(true);
    await expect(h.get("L1")).rejects.toThrow("exchange down");
    h.failing(false);
    expect(await h.get("L1")).toBe("L1#2");
  });

  it("with maxEntries, forgets the key read longest ago when a new one would pass it", async () => {
    const h = harness(60_000, 2);
    await h.get("L1");
    await h.get("L2");
    await h.get("L1"); // kept: L1 was read first
    await h.get("L3"); // three keys: L1, read first, goes
    expect(await h.get("L2")).toBe("L2#2");
    expect(await h.get("L3")).toBe("L3#3");
    expect(await h.get("L1")).toBe("L1#4");
    expect(h.calls).toEqual(["L1", "L2", "L3", "L1"]);
  });
});
