import type { AppLogger } from "#commons/logger.js";
import type { HealthCheck } from "./deps.js";

export interface HealthBody {
  status: "ok" | "unavailable";
  dependencies: Record<string, "ok" | "unavailable">;
  uptime_s: number;
}

/**
 * Runs every dependency check in parallel, each bounded by `timeoutMs`. Shared by the API's
 * `/health` and the local server's, so both answer alike. The reason of a failure goes to the log,
 * not to the caller (no internals in responses).
 */
export const runHealthChecks = async (
  checks: readonly HealthCheck[],
  o: { timeoutMs: number; startedAt: number; now: number; log: AppLogger },
): Promise<{ healthy: boolean; body: HealthBody }> => {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check(AbortSignal.timeout(o.timeoutMs));
        return [name, "ok"] as const;
      } catch (error) {
        o.log.warn("Health check failed", { dependency: name, error });
        return [name, "unavailable"] as const;
      }
    }),
  );
  const healthy = results.every(([, state]) => state === "ok");
  return {
    healthy,
    body: {
      status: healthy ? "ok" : "unavailable",
      dependencies: Object.fromEntries(results),
      uptime_s: Math.floor((o.now - o.startedAt) / 1000),
    },
  };
};
