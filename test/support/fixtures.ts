import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/**
 * The recorded Hyperliquid responses are part of the repository (`test/fixtures/hyperliquid`, with a
 * README saying where each came from), so a fresh clone tests with nothing beside it.
 */
const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/hyperliquid");

export interface Fixture {
  request: Record<string, unknown> | null;
  response: unknown;
}

export const fixtureFiles = (): string[] =>
  readdirSync(fixturesDir)
    .filter((f) => f.endsWith(".json"))
    .sort();

export const loadFixture = (file: string): Fixture =>
  JSON.parse(readFileSync(path.join(fixturesDir, file), "utf8")) as Fixture;

/** A fixture's raw text, for numbers JSON.parse would round (beyond 2^53, or written with an exponent). */
export const loadFixtureText = (file: string): string => readFileSync(path.join(fixturesDir, file), "utf8");
