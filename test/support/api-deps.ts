import type { ApiDeps } from "#api/deps.js";
import { recordingLogger } from "./logger.js";

/**
 * API deps for a route test: stores a test does not reach are stubs that fail loudly if reached
 * (`{} as never`), the rate limit is off, and `extra` supplies what the routes under test read.
 */
export const stubApiDeps = (extra: Partial<ApiDeps> = {}): ApiDeps => ({
  traders: {} as never,
  directory: {} as never,
  events: {} as never,
  runState: { latestCycle: async () => null },
  leaderboard: { header: async () => null, rows: async () => [] },
  stats: {} as never,
  checks: [],
  adminApiKey: undefined,
  logger: recordingLogger().logger,
  limits: { rateLimit: false },
  ...extra,
});
