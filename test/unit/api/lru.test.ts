import { describe, expect, it } from "vitest";
import { Lru } from "#api/lru.js";

describe("Lru", () => {
  it("drops the least recently used entry when over the count", () => {
    const lru = new Lru<number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1); // a is now the most recent
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect([lru.get("a"), lru.get("c")]).toEqual([1, 3]);
  });

  it("drops oldest entries until under the weight, and never keeps one heavier than the bound", () => {
    const lru = new Lru<string>(100, 10, (s) => s.length);
    lru.set("a", "xxxx");
    lru.set("b", "xxxx");
    lru.set("c", "xxxx");
    expect(lru.get("a")).toBeUndefined();
    expect(lru.totalWeight).toBe(8);
    lru.set("huge", "x".repeat(11));
    expect(lru.get("huge")).toBeUndefined();
    lru.set("b", "xx"); // replacing re-weighs
    expect(lru.totalWeight).toBe(6);
    expect(lru.clear()).toBe(2);
    expect(lru.totalWeight).toBe(0);
  });

  it("peek reads without counting as a use", () => {
    const lru = new Lru<number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.peek("a")).toBe(1);
    lru.set("c", 3); // a is still the oldest
    expect(lru.peek("a")).toBeUndefined();
    expect([lru.peek("b"), lru.peek("c")]).toEqual([2, 3]);
  });
});
