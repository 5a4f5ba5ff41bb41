import type { Context } from "hono";
import { Hono } from "hono";
import { logger as defaultLogger } from "#commons/logger.js";
import type { ApiDeps } from "./deps.js";
import type { ApiEnv } from "./env.js";
import { errorResponse, notFoundResponse, RateLimitedError } from "./errors.js";
import { createLeaderboardCache } from "./leaderboard-cache.js";
import { createRateLimiter, DEFAULT_RATE_LIMIT } from "./rate-limit.js";
import { createRouter } from "./route.js";
import { createViewerIdentity } from "./viewer.js";
import { registerFollowerRoutes } from "./routes/followers.js";
import { registerLeaderboardRoutes } from "./routes/leaderboard.js";
import { registerMetaRoutes } from "./routes/meta.js";
import { registerStatsRoutes } from "./routes/stats.js";
import { registerStreamRoutes } from "./routes/stream.js";
import { registerTraderStoryRoutes } from "./routes/trader-story.js";
import { registerTraderRoutes } from "./routes/traders.js";

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/**
 * The client's address as the transport saw it: API Gateway's `sourceIp` in Lambda, the socket's
 * peer under @hono/node-server. X-Forwarded-For is not trusted: any client can write it.
 */
export const transportClientIp = (c: Context): string => {
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return (
    env?.requestContext?.http?.sourceIp ??
    env?.requestContext?.identity?.sourceIp ??
    env?.incoming?.socket?.remoteAddress ??
    "unknown"
  );
};

/**
 * The HTTP API: one Hono app, served by `hono/aws-lambda` in Lambda (functions/handlers/http-api.ts)
 * and mounted on the local server. Everything it reads or writes comes in through `deps`.
 */
export const createApiApp = (deps: ApiDeps): Hono<ApiEnv> => {
  const log = deps.logger ?? defaultLogger;
  const now = deps.now ?? Date.now;
  const maxBody = deps.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new Hono<ApiEnv>();

  app.onError((error, c) => errorResponse(c, error, log));
  app.notFound((c) => notFoundResponse(c));

  // First of all: in AWS a request that did not come through CloudFront is refused here (403).
  const viewer = createViewerIdentity({ originSecret: deps.originSecret, transportIp: deps.clientIp ?? transportClientIp });
  const rateLimit = deps.limits?.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter = rateLimit === false ? undefined : createRateLimiter(rateLimit);
  app.use("*", async (c, next) => {
    const client = viewer(c);
    const wait = limiter?.take(client, now()) ?? 0;
    if (wait > 0) throw new RateLimitedError(wait);
    await next();
  });

  const router = createRouter(app, { adminKey: () => deps.adminApiKey, maxBodyBytes: maxBody });
  const ctx = { router, deps, log, now, startedAt: now() };
  registerMetaRoutes(ctx);
  const leaderboard = createLeaderboardCache(deps.leaderboard, { ttlMs: deps.limits?.leaderboardCacheMs ?? 60_000, now });
  registerTraderRoutes(ctx, leaderboard);
  registerTraderStoryRoutes(ctx);
  registerLeaderboardRoutes(ctx, leaderboard);
  registerStatsRoutes(ctx);
  registerStreamRoutes(ctx);
  registerFollowerRoutes(ctx);
  return app;
};

/**
 * For a host app that already has routes (the local server's `/health`, the WebSocket upgrade):
 * adds the API's routes and makes the host's unknown routes and errors answer in the API's JSON.
 * Use as an `HttpMount`: `mounts: [mountApi(api)]`.
 */
export const mountApi =
  (api: Hono<ApiEnv>, log = defaultLogger) =>
  (host: Hono): void => {
    host.route("/", api as unknown as Hono);
    host.notFound((c) => notFoundResponse(c));
    host.onError((error, c) => errorResponse(c, error, log));
  };
