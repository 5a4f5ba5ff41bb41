import { z } from "zod";
import { ValidationError } from "#commons/errors.js";

/**
 * Scheduled handlers accept EventBridge Scheduler's payload (whatever JSON the schedule sends) and
 * the local scheduler's; they only need to know it is an object, and say so when it is not.
 */
const scheduledEventSchema = z.looseObject({}).nullish();

export const parseScheduledEvent = (event: unknown): void => {
  const parsed = scheduledEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError("Scheduled event must be a JSON object");
};
