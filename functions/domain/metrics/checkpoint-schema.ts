import { z } from "zod";
import { CHECKPOINT_VERSION, type MetricsCheckpoint } from "./checkpoint.js";

/**
 * A metrics checkpoint (./checkpoint.ts) read back from a store is input like any other: checked
 * whole before a replay trusts it. Amounts must be plain decimal strings (a number may have lost
 * digits already); a checkpoint of another version is refused, to be rebuilt.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, { error: "expected a plain decimal string" });
const time = z.number().int();
const count = z.number().int().nonnegative();
const scale = z.number().int().nonnegative();
const pair = z.tuple([z.number().int(), z.number().int()]);

const trip = z.object({
  side: z.enum(["long", "short"]),
  opened_at: time,
  fills: count,
  partial_start: z.boolean(),
  missing_fills: z.boolean(),
  lastFillAt: time,
  lastTid: z.number().int(),
  maxSize: decimal,
  closedPnl: decimal,
  fees: decimal,
  feeScale: scale,
  volume: decimal,
  funding: decimal,
});

export const metricsCheckpointSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  horizon: time,
  firstFillAt: time.nullable(),
  scales: z.object({ size: scale, px: scale, fee: scale, closedPnl: scale, volume: scale, funding: scale, trip: scale }),
  fills: z.object({ count, volume: decimal, fees: decimal, closedPnl: decimal }),
  trips: z.object({ trips: count, wins: count, losses: count, grossWins: decimal, grossLosses: decimal, best: decimal, worst: decimal, holdMs: z.number().nonnegative() }),
  funding: decimal,
  coins: z.array(z.object({ coin: z.string().min(1), position: decimal, trip: trip.nullable() })),
  bot: z.object({
    last: time.nullable(),
    activity: z.object({ last: time.nullable(), hours: z.array(pair), orders: z.array(pair), holds: z.array(pair) }).nullable(),
    flag: z.boolean().nullable(),
  }),
}) satisfies z.ZodType<MetricsCheckpoint>;
