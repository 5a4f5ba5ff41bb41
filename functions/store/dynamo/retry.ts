import { backoffDelay } from "#commons/backoff.js";

/**
 * DynamoDB batch calls may hand back part of the work as "unprocessed" under throttling; it must
 * be retried, never dropped. Backs off exponentially and gives up loudly after `attempts`.
 */
export const untilProcessed = async <T>(
  initial: T,
  send: (pending: T) => Promise<T | undefined>,
  isEmpty: (pending: T) => boolean,
  what: string,
  attempts = 8,
): Promise<void> => {
  let pending: T | undefined = initial;
  for (let attempt = 0; pending !== undefined && !isEmpty(pending); attempt++) {
    if (attempt >= attempts) throw new Error(`${what}: items still unprocessed after ${attempts} attempts`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, backoffDelay(attempt, { initialMs: 50, maxMs: 2_000 })));
    pending = await send(pending);
  }
};
