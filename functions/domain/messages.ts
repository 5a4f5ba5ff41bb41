import { z } from "zod";
import { isAddress, type Address } from "./address.js";

/**
 * The tracking queue's message: one batch of traders for one worker invocation. Validated at the
 * boundary (the worker) like every other input from outside.
 */
export const trackBatchMessageSchema = z.object({
  v: z.literal(1),
  cycle_id: z.string().min(1).max(100),
  dispatched_at: z.number().int().nonnegative(),
  /** How often a worker has handed (part of) this batch back after a transient failure. */
  retries: z.number().int().min(0).max(100).default(0),
  traders: z
    .array(z.string().refine(isAddress, "expected 0x followed by 40 hexadecimal digits"))
    .min(1)
    .max(100)
    .transform((list) => list.map((a) => a.toLowerCase() as Address)),
});

export type TrackBatchMessage = z.infer<typeof trackBatchMessageSchema>;

export const encodeTrackBatch = (m: {
  cycle_id: string;
  dispatched_at: number;
  traders: readonly Address[];
  retries?: number;
}): string =>
  JSON.stringify({
    v: 1,
    cycle_id: m.cycle_id,
    dispatched_at: m.dispatched_at,
    ...(m.retries !== undefined && m.retries > 0 && { retries: m.retries }),
    traders: m.traders,
  });
