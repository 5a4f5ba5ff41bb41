import type { AppLogger } from "#commons/logger.js";
import type { ApiDeps } from "../deps.js";
import type { Router } from "../route.js";

/** What every route file gets from the app factory. */
export interface RouteContext {
  router: Router;
  deps: ApiDeps;
  log: AppLogger;
  now: () => number;
  startedAt: number;
}
