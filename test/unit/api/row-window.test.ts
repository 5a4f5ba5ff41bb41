import { describe, expect, it } from "vitest";
import { rowWindow } from "#domain/leaderboard.js";

describe("rowWindow", () => {
  const header = { total: 1_000, pageSize: 250 };

  it("reads only the page that holds the window", () => {
    expect(rowWindow(header, 0, 100)).toEqual({ pages: [0], start: 0, end: 100 });
    expect(rowWindow(header, 250, 250)).toEqual({ pages: [1], start: 0, end: 250 });
  });

  it("spans page boundaries, with offsets into the concatenated pages", () => {
    expect(rowWindow(header, 200, 100)).toEqual({ pages: [0, 1], start: 200, end: 300 });
    expect(rowWindow(header, 499, 500)).toEqual({ pages: [1, 2, 3], start: 249, end: 749 });
  });

  it("stops at the end of the snapshot, and reads nothing past it", () => {
    expect(rowWindow(header, 900, 500)).toEqual({ pages: [3], start: 150, end: 250 });
    expect(rowWindow(header, 1_000, 10)).toEqual({ pages: [], start: 0, end: 0 });
    expect(rowWindow({ total: 0, pageSize: 250 }, 0, 100)).toEqual({ pages: [], start: 0, end: 0 });
  });

  it("covers every row exactly once when the windows follow each other", () => {
    const total = 2_503;
    const pageSize = 97;
    const rows = Array.from({ length: total }, (_, i) => i);
    const pageOf = (n: number) => rows.slice(n * pageSize, (n + 1) * pageSize);
    const seen: number[] = [];
    for (let offset = 0; offset < total; offset += 333) {
      const w = rowWindow({ total, pageSize }, offset, 333);
      seen.push(...w.pages.flatMap(pageOf).slice(w.start, w.end));
    }
    expect(seen).toEqual(rows);
  });
});
