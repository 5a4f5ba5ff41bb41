import type { StatsReader } from "#domain/read-models.js";
import { statsSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";

export const registerStatsRoutes = ({ router, deps, now }: RouteContext): void => {
  // Even cheap counts need not be recomputed for every request of a dashboard that polls.
  const ttlMs = deps.limits?.statsCacheMs ?? 10_000;
  let cached: { at: number; value: Promise<Awaited<ReturnType<StatsReader["counts"]>>> } | undefined;

  router.add(
    {
      method: "get",
      path: "/api/v1/stats",
      operationId: "getStats",
      summary: "How many traders, active traders, events and open WebSocket connections",
      description:
        "active_traders is exact; the table totals come from DynamoDB's ItemCount, refreshed about every six hours, and say approximate: true.",
      tag: "stats",
      responses: { 200: { description: "Counts", schema: statsSchema } },
    },
    async (c) => {
      if (cached === undefined || now() - cached.at >= ttlMs) {
        const value = deps.stats.counts();
        cached = { at: now(), value };
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      const { at, value } = cached;
      return c.json({ ...(await value), generated_at: new Date(at).toISOString() });
    },
  );
};
