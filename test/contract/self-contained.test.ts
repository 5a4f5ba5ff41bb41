import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureFiles } from "../support/fixtures.js";

/**
 * A clone from the project's public home has nothing beside it: no tracked file may point at a
 * folder above the repository (the recorded responses once lived in `../shared`, and a fresh clone
 * failed its tests).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const trackedFiles = (): string[] =>
  execFileSync("git", ["ls-files", "-z"], { cwd: repoRoot, encoding: "utf8" }).split("\0").filter(Boolean);

// `../shared` or a relative path that climbs out of the repository from where the file sits.
const OUTSIDE = /\.\.\/shared\b|shared\/fixtures/;
const TEXT = /\.(ts|js|mjs|cjs|json|py|sh|md|lua|yml|yaml)$|^\.ci\//;

describe("the repository stands alone", () => {
  it("keeps the recorded exchange responses inside it", () => {
    expect(fixtureFiles()).toContain("userFills.recorded.json");
    expect(fixtureFiles().length).toBeGreaterThanOrEqual(15);
  });

  it("has no tracked file that reads from beside the repository", () => {
    const files = trackedFiles().filter((f) => TEXT.test(f) && f !== "package-lock.json");
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => f !== "test/contract/self-contained.test.ts" && OUTSIDE.test(readFileSync(path.join(repoRoot, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
