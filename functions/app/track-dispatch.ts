import { dispatchTracking, type DispatchDeps } from "#domain/dispatch.js";
import { parseScheduledEvent } from "./scheduled.js";

/** Scheduled tracking dispatch (default every 60 seconds). */
export const createDispatchHandler = (deps: DispatchDeps) => async (event: unknown) => {
  parseScheduledEvent(event);
  return dispatchTracking(deps);
};
