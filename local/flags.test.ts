import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseFlags } from "./flags.js";
import { parseJavaMajor } from "./dynamodb-local.js";

describe("parseFlags", () => {
  it("persists to .local-data by default", () => {
    expect(parseFlags([])).toMatchObject({ inMemory: false, demo: false, dataDir: expect.stringMatching(/\.local-data$/) });
  });

  it("keeps the demo in memory unless a data directory is given", () => {
    expect(parseFlags(["--demo"])).toMatchObject({ demo: true, inMemory: true });
    expect(parseFlags(["--demo", "--data-dir", "d"])).toMatchObject({ inMemory: false, dataDir: path.resolve("d") });
  });

  it("rejects contradictory or unknown flags", () => {
    expect(() => parseFlags(["--in-memory", "--data-dir", "d"])).toThrow(/exclude each other/);
    expect(() => parseFlags(["--nope"])).toThrow();
  });
});

describe("parseJavaMajor", () => {
  it("reads both version styles", () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor("nothing here")).toBeUndefined();
  });
});
