import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/**
 * The recorded Hyperliquid responses live beside the repository in `../shared/fixtures/hyperliquid`
 * (CI lays `shared/` next to the clone). FIXTURES_DIR overrides for unusual layouts.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const fixturesDir = (): string =>
  process.env.FIXTURES_DIR ?? path.resolve(repoRoot, "../shared/fixtures/hyperliquid");

export interface Fixture {
  request: Record<string, unknown> | null;
  response: unknown;
}

export const fixtureFiles = (): string[] =>
  readdirSync(fixturesDir())
    .filter((f) => f.endsWith(".json"))
    .sort();

export const loadFixture = (file: string): Fixture =>
  JSON.parse(readFileSync(path.join(fixturesDir(), file), "utf8")) as Fixture;
