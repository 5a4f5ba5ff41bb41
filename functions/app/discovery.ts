import type { DiscoveryDeps, DiscoverySummary } from "#domain/discovery.js";
import { runDiscovery } from "#domain/discovery.js";
import { parseScheduledEvent } from "./scheduled.js";

/** Scheduled discovery (default every 15 minutes). */
export const createDiscoveryHandler = (deps: DiscoveryDeps) => async (event: unknown): Promise<DiscoverySummary> => {
  parseScheduledEvent(event);
  return runDiscovery(deps);
};
