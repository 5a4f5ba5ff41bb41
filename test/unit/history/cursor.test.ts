import { describe, expect, it } from "vitest";
import { advanceCursor, initialCursor } from "#domain/history/cursor.js";
import type { StreamCursor } from "#domain/history/ports.js";

/** Items of a time-paged stream: `key` tells items of one millisecond apart. */
const item = (time: number, key: string) => ({ time, key });
const key = (i: { key: string }) => i.key;
const at = (cursor: number, seen: string[] = []): StreamCursor => ({ cursor, seen, caughtUp: false, syncedAt: null });

describe("advanceCursor", () => {
  it("moves to the last item's time, not past it, and remembers what it stored there", () => {
    const page = [item(10, "a"), item(11, "b"), item(12, "c"), item(12, "d")];
    const step = advanceCursor(initialCursor(), page, 4, key);
    expect(step.next).toMatchObject({ cursor: 12, seen: ["c", "d"], caughtUp: false });
    expect(step.fresh).toEqual(page);
    expect(step.caughtUp).toBe(false);
  });

  it("reading the cursor's millisecond again yields only what is new there", () => {
    const page = [item(12, "c"), item(12, "d"), item(12, "e"), item(13, "f")];
    const step = advanceCursor(at(12, ["c", "d"]), page, 10, key);
    expect(step.fresh.map(key)).toEqual(["e", "f"]);
    expect(step.next).toMatchObject({ cursor: 13, seen: ["f"], caughtUp: true });
  });

  it("a short page that ends where it began adds to what was seen there", () => {
    const step = advanceCursor(at(12, ["c"]), [item(12, "c"), item(12, "d")], 10, key);
    expect(step.fresh.map(key)).toEqual(["d"]);
    expect(step.next.seen.sort()).toEqual(["c", "d"]);
    expect(step.next.cursor).toBe(12);
    expect(step.caughtUp).toBe(true);
  });

  it("an empty page means caught up and leaves the cursor where it was", () => {
    const step = advanceCursor(at(50, ["x"]), [], 10, key);
    expect(step).toMatchObject({ caughtUp: true, fresh: [], next: { cursor: 50, seen: ["x"], caughtUp: true } });
  });

  it("a full page of one millisecond moves 1 ms past it instead of asking for it forever", () => {
    const page = Array.from({ length: 5 }, (_, i) => item(40, `k${i}`));
    const step = advanceCursor(at(40), page, 5, key);
    expect(step.skippedMillisecond).toBe(40);
    expect(step.next).toMatchObject({ cursor: 41, seen: [], caughtUp: false });
    expect(step.fresh).toHaveLength(5);
  });

  it("a full page spanning milliseconds never skips", () => {
    const page = [item(40, "a"), item(40, "b"), item(41, "c")];
    const step = advanceCursor(at(40), page, 3, key);
    expect(step.skippedMillisecond).toBeUndefined();
    expect(step.next.cursor).toBe(41);
  });

  it("does not depend on the page's order", () => {
    const step = advanceCursor(initialCursor(), [item(9, "z"), item(3, "a"), item(9, "y")], 10, key);
    expect(step.next).toMatchObject({ cursor: 9, seen: ["z", "y"] });
  });
});
