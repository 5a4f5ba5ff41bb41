import { configDefaults, defineConfig } from "vitest/config";
import { testEnv } from "./test/support/env.js";

/**
 * Separate projects so that unit tests never wait for Java: only the integration projects have the
 * global setup that starts DynamoDB Local and the SQS server, and vitest runs a project's global
 * setup only when one of its files is selected.
 */
const INTEGRATION = ["test/integration/**/*.test.ts", "**/*.integration.test.ts"];
/**
 * Files that measure against the wall clock (a minute at the exchange's weight limit, listeners
 * that hand over every few seconds, faults timed against a schedule, a start-up raced by a client
 * or held to a test's timeout, a JVM of their own): they run on their own, after everything else, so that no other
 * file's CPU makes them slower than what they assert.
 */
const WALL_CLOCK = [
  "test/integration/tracking-budget.test.ts",
  "test/integration/tracking-faults.test.ts",
  "test/integration/stream-listener.test.ts",
  "test/integration/feed-startup.test.ts",
  "test/integration/npm-start.test.ts",
  "test/integration/table-upgrade.test.ts",
];
const CDK = ["test/cdk/**/*.test.ts"];
const E2E = ["test/e2e/**/*.test.ts"];
const EXCLUDE = [...configDefaults.exclude, "cdk.out/**", ".local-data/**"];

/**
 * Most files wait (on DynamoDB Local, the SQS server, sockets, a browser), so more files run at once
 * than there are cores; vitest's default (cores - 1) ran them one by one on a 2-core machine.
 */
const PARALLEL = { maxWorkers: 3, sequence: { groupOrder: 0 } };
const ALONE = { maxWorkers: 1, sequence: { groupOrder: 1 } };

/** DynamoDB Local and the SQS server for each project that has integration files. */
const SERVICES = {
  globalSetup: ["test/support/global-setup.ts"],
  setupFiles: ["test/support/setup-integration.ts"],
  // Real services: redrive waits out visibility timeouts, DynamoDB Local has JVM warm-up.
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    env: testEnv,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["**/*.test.ts"], exclude: [...EXCLUDE, ...INTEGRATION, ...CDK, ...E2E], ...PARALLEL },
      },
      {
        extends: true,
        // Each synth builds the whole stack (and some bundle with esbuild or run cdk-nag): seconds
        // each on a loaded 2-core machine, so the unit default of 5 s would fail them at random.
        test: { name: "cdk", include: CDK, exclude: EXCLUDE, testTimeout: 120_000, hookTimeout: 120_000, ...PARALLEL },
      },
      {
        extends: true,
        test: { name: "integration", include: INTEGRATION, exclude: [...EXCLUDE, ...WALL_CLOCK], ...SERVICES, ...PARALLEL },
      },
      {
        extends: true,
        test: { name: "wall-clock", include: WALL_CLOCK, exclude: EXCLUDE, ...SERVICES, ...ALONE },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: E2E,
          exclude: EXCLUDE,
          // The integration services plus the page, built once as the CDK bundling builds it.
          globalSetup: ["test/e2e/global-setup.ts"],
          setupFiles: ["test/support/setup-integration.ts"],
          // A real browser against the whole local stack; one file, its tests in order.
          testTimeout: 60_000,
          hookTimeout: 180_000,
          ...PARALLEL,
        },
      },
    ],
  },
});
