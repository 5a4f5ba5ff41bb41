import { describe, expect, it } from "vitest";
import { planBulkTrack } from "#domain/traders.js";

const A = "0x5e9ee1089755c3435139848e47e6635505d5a13a";

describe("planBulkTrack", () => {
  it("keeps each address once, first spelling and first position, lowercased and trimmed as the single route does", () => {
    const upper = `0x${A.slice(2).toUpperCase()}`;
    const { entries, duplicates } = planBulkTrack([upper, "0x1", `  ${A}\n`, A, "0x1", "0X1"]);
    expect(entries).toEqual([
      { input: upper, address: A },
      { input: "0x1", error: expect.stringContaining("0x followed by 40 hexadecimal digits") },
    ]);
    // "0X1" is "0x1" in another case: a repeat, like an address in another case.
    expect(duplicates).toBe(4);
  });

  it("reports every entry that is not an address with the single route's message, and nothing else", () => {
    const { entries, duplicates } = planBulkTrack(["", " ", "0x" + "g".repeat(40), A.slice(0, 41)]);
    expect(entries.map((e) => ("error" in e ? e.error : null))).toEqual([
      expect.stringMatching(/^Invalid address ""/),
      expect.stringMatching(/^Invalid address "0xggg/),
      expect.stringMatching(/^Invalid address "0x5e9e/),
    ]);
    expect(duplicates).toBe(1); // " " trims to "", as the single route trims
  });
});
