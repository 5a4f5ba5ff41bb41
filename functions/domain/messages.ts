import { z } from "zod";
import { isAddress, type Address } from "./address.js";

/**
 * The tracking queue's message: one batch of traders for one worker invocation. Validated at the
 * boundary (the worker) like every other input from outside.
 */
const address = z
  .string()
  .refine(isAddress, "expected 0x followed by 40 hexadecimal digits")
  .transform((a) => a.toLowerCase() as Address);

export const trackBatchMessageSchema = z
  .object({
    v: z.literal(1),
    cycle_id: z.string().min(1).max(100),
    dispatched_at: z.number().int().nonnegative(),
    /** How often a worker has handed (part of) this batch back after a transient failure. */
    retries: z.number().int().min(0).max(100).default(0),
    traders: z.array(address).min(1).max(100),
    /**
     * Traders the trades stream saw trading, with the exchange time of the newest such trade not
     * yet stored (a listener that handed them off). The worker fetches their fills even where the
     * snapshot shows no change: trades that net to nothing are still events.
     */
    traded_at: z.record(z.string(), z.number().int().nonnegative()).optional(),
  })
  .transform(({ traded_at, ...m }, ctx) => {
    const traded = new Map<Address, number>();
    for (const [key, time] of Object.entries(traded_at ?? {})) {
      const a = address.safeParse(key);
      if (!a.success || !m.traders.includes(a.data)) {
        ctx.addIssue({ code: "custom", path: ["traded_at", key], message: "expected the address of a trader in this batch" });
        return z.NEVER;
      }
      traded.set(a.data, time);
    }
    return { ...m, traded_at: traded };
  });

export type TrackBatchMessage = z.infer<typeof trackBatchMessageSchema>;

export const encodeTrackBatch = (m: {
  cycle_id: string;
  dispatched_at: number;
  traders: readonly Address[];
  retries?: number;
  /** Only the traders listed are written; an empty map writes nothing. */
  traded_at?: ReadonlyMap<Address, number>;
}): string => {
  const traded = m.traders.flatMap((a) => {
    const t = m.traded_at?.get(a);
    return t === undefined ? [] : [[a, t] as const];
  });
  return JSON.stringify({
    v: 1,
    cycle_id: m.cycle_id,
    dispatched_at: m.dispatched_at,
    ...(m.retries !== undefined && m.retries > 0 && { retries: m.retries }),
    traders: m.traders,
    ...(traded.length > 0 && { traded_at: Object.fromEntries(traded) }),
  });
};
