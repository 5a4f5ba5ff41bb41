import { z } from "zod";
import { orderFieldsShape } from "#domain/copy/order-fields.js";

/** The /followers routes' parameters and answers: what they validate and what the OpenAPI document shows. */

const iso = z.string().meta({ description: "ISO 8601 time (UTC)" });
const decimal = z.string().meta({ description: "Exact decimal string" });

/** The page size of followers and of orders when the client names none. */
export const DEFAULT_PAGE_LIMIT = 50;
/** Each follower on a page reads its account too: a page stays a bounded number of reads. */
export const FOLLOWERS_MAX_LIMIT = 100;
export const ORDERS_MAX_LIMIT = 500;

const page = (max: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(max).default(DEFAULT_PAGE_LIMIT).meta({ description: `Page size, 1–${max}` }),
    cursor: z.string().min(1).max(2048).optional().meta({ description: "Opaque: the cursor of the previous page" }),
  });

export const followersQuery = page(FOLLOWERS_MAX_LIMIT);
export const ordersQuery = page(ORDERS_MAX_LIMIT);

export const followerParams = z.object({
  id: z.string().min(1).max(100).meta({ description: "The follower's id (fol_…)", example: "fol_8c1e0d2b9a7f4e3c1b2a" }),
});

export const EQUITY_DEFAULT_DAYS = 30;

export const equitySinceQuery = z.object({
  since: z
    .string()
    .max(64)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: "custom", message: "since must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z" });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: `From this time on (inclusive); ${EQUITY_DEFAULT_DAYS} days back by default` }),
});

export const closeQuery = z.object({
  close: z
    .enum(["true", "false"], { error: () => "close must be true or false" })
    .default("false")
    .transform((v) => v === "true")
    .meta({ description: "true closes the follower's positions (reduce-only) before it stops" }),
});

const pauseSchema = z
  .object({
    reason: z.enum(["daily_loss_limit", "max_drawdown", "order_errors", "agent_key", "user"]),
    message: z.string(),
    at: iso,
  })
  .nullable()
  .meta({ description: "Why the follower is paused (kept on a stop that followed a pause); null otherwise" });

export const followerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(["paper", "live"]),
  state: z.enum(["active", "paused", "stopped"]),
  pause: pauseSchema,
  closing: z.boolean().meta({ description: "A stop or pause that closes positions has not finished closing them yet" }),
  config: z.record(z.string(), z.unknown()).meta({
    description:
      "The POST /followers body as normalised: amounts as decimal strings, caps.max_slippage_bps, on_pause and (paper) taker_fee_rate filled in. " +
      "agent_key_ref is the reference (secretsmanager:<name> or env:<VAR>), never a key.",
  }),
  created_at: iso,
  updated_at: iso,
  positions: z
    .array(
      z.object({
        coin: z.string(),
        szi: decimal,
        entry_price: decimal,
        unrealized_pnl_usd: decimal.nullable().meta({ description: "At the mid of the engine's last run; null without one" }),
      }),
    )
    .meta({
      description:
        "As the engine's last run saw the account. Amounts in USD here and below are rounded half up to 6 decimals (USDC's, as the exchange " +
        "shows them), entry prices to 6 significant figures; a paper account keeps them exact",
    }),
  equity_usd: decimal.nullable().meta({ description: "null before the engine's first run" }),
  realized_pnl_usd: decimal.meta({ description: "Since the follower started, before fees; a live fill's closed PnL counts once its fee is read (within about a minute)" }),
  fees_usd: decimal.meta({ description: "Since the follower started; a live fill's once it is read (within about a minute)" }),
  copy_gap: z
    .object({
      since: iso,
      follower_return: decimal,
      leaders_return: decimal.meta({
        description:
          "The leaders' growth since `since`, minus 1: chained run by run, each run's step the mean over the leaders followed then of (equity ÷ equity at the run before), so a leader added later counts from when he was followed",
      }),
      gap: decimal.meta({ description: "follower_return − leaders_return" }),
    })
    .nullable()
    .meta({ description: "The follower's return minus its leaders' over the same period, 6 decimals; null before the engine's first run" }),
  last_reconciled_at: iso.nullable(),
});

export const followersPageSchema = z.object({
  followers: z.array(followerViewSchema),
  cursor: z.string().optional().meta({ description: "Absent on the last page" }),
});

const ms = (description: string) => z.number().int().nullable().meta({ description });

export const copyOrderSchema = z.object({
  ...orderFieldsShape(decimal),
  cloid: z.string().meta({ description: "Client order id: derived from the follower and the event, so a redelivered event never doubles an order" }),
  event_id: z.string().meta({ description: "The leader event behind it, reconcile:<ms> or close:<ms>" }),
  leader: z.string().nullable().meta({ description: "The leader whose event it follows; null for a reconciliation or a close" }),
  fee_usd: decimal.nullable().meta({
    description:
      "The fill's fee: paper at once; live from the account's fills, read at most once a minute, so null for about a minute after the fill (and null if the exchange never lists it)",
  }),
  signal_at: iso,
  sent_at: iso.nullable(),
  filled_at: iso.nullable(),
  signal_to_order_ms: ms("sent_at − signal_at"),
  signal_to_fill_ms: ms("filled_at − signal_at"),
});

export const ordersPageSchema = z.object({
  orders: z.array(copyOrderSchema),
  cursor: z.string().optional().meta({ description: "Absent on the last page" }),
});

export const equityPointsSchema = z.object({
  points: z.array(
    z.object({
      time: iso,
      equity_usd: decimal,
      leaders_equity_usd: z.record(z.string(), decimal).meta({ description: "Each leader's account value at the same run" }),
    }),
  ),
});
