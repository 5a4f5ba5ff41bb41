import type { AppLogger } from "#commons/logger.js";
import type { HealthCheck } from "./deps.js";

export type DependencyState = "ok" | "starting" | "unavailable";

export interface HealthBody {
  /** "ok" only when every dependency is; "unavailable" when one is down, else "starting". */
  status: DependencyState;
  dependencies: Record<string, DependencyState>;
  uptime_s: number;
}

/**
 * Runs every dependency check in parallel, each bounded by `timeoutMs`. Shared by the API's
 * `/health` and the local server's, so both answer alike. The reason of a failure goes to the log,
 * not to the caller (no internals in responses). Healthy means a client can use everything: a
 * dependency still starting makes it a 503 as much as one that is down (scripts wait for a 200).
 */
export const runHealthChecks = async (
  checks: readonly HealthCheck[],
  o: { timeoutMs: number; startedAt: number; now: number; log: AppLogger },
): Promise<{ healthy: boolean; body: HealthBody }> => {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, DependencyState]> => {
      try {
        return [name, (await check(AbortSignal.timeout(o.timeoutMs))) ?? "ok"];
      } catch (error) {
        o.log.warn("Health check failed", { dependency: name, error });
        return [name, "unavailable"];
      }
    }),
  );
  const states = new Set(results.map(([, state]) => state));
  const status: DependencyState = states.has("unavailable") ? "unavailable" : states.has("starting") ? "starting" : "ok";
  return {
    healthy: status === "ok",
    body: {
      status,
      dependencies: Object.fromEntries(results),
      uptime_s: Math.floor((o.now - o.startedAt) / 1000),
    },
  };
};
