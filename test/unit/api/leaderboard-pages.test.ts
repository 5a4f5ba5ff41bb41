import { describe, expect, it } from "vitest";
import { MAX_PAGE_BYTES, packPages } from "#store/dynamo/leaderboard.js";
import { leaderboardRow } from "./leaderboard-rows.js";

/** How a snapshot is split into DynamoDB items (the round trip itself is in test/integration/api.test.ts). */
describe("packPages", () => {
  const rows = Array.from({ length: 3_000 }, (_, i) =>
    leaderboardRow(`0x${i.toString(16).padStart(40, "0")}`, { total_volume_usd: `${i}.123456789012345678`, sharpe: i / 7 }),
  );

  it("fills pages up to the byte limit and keeps every row once, in order", () => {
    const pages = packPages(rows);
    expect(pages.length).toBeGreaterThan(1);
    const sizes = pages.map((p) => Buffer.byteLength(p));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    // Full pages: the next row would not have fitted.
    const rowBytes = Buffer.byteLength(JSON.stringify(rows[0]));
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(MAX_PAGE_BYTES - 2 * rowBytes);
    expect(pages.flatMap((p) => JSON.parse(p))).toEqual(rows);
  });

  it("writes no page for no rows, and refuses a row larger than a page", () => {
    expect(packPages([])).toEqual([]);
    expect(() => packPages([leaderboardRow("0x1", { trader_id: "x".repeat(MAX_PAGE_BYTES) })])).toThrow(/larger than a page/);
  });
});
