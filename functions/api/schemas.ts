import { z } from "zod";
import { parseAddress, type Address } from "#domain/address.js";
import { dec, decStr } from "#commons/decimal.js";
import { DEFAULT_LEASE_TIMING, LAGGING_BACKLOG_MS, type PublicStreamState } from "#domain/stream-status.js";
import { LEADERBOARD_ORDERS, LEADERBOARD_SORT_FIELDS, LEADERBOARD_WINDOWS, type LeaderboardWindow } from "#domain/leaderboard.js";

/** Request and response schemas: what the API validates and what its OpenAPI document says. */

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected 0x followed by 40 hexadecimal digits")
  .transform((s): Address => parseAddress(s))
  .meta({ description: "Trader address, 0x + 40 hex digits (any case)", example: "0x5e9ee1089755c3435139848e47e6635505d5a13a" });

export const addressParams = z.object({ address: addressSchema });

const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_LIMIT)
  .default(DEFAULT_LIMIT)
  .meta({ description: `Page size, 1–${MAX_LIMIT}` });
const cursor = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .meta({ description: "Opaque: the next_cursor of the previous page" });

export const pageQuery = z.object({ limit, cursor });

export const eventTypeSchema = z.enum([
  "OPEN_POSITION",
  "INCREASE_POSITION",
  "DECREASE_POSITION",
  "CLOSE_POSITION",
  "FLIP_POSITION",
]);

/** A perp dex, as every route names it: `""` (an empty `dex=`) the main dex, else a builder dex's name. */
const DEX_DESCRIPTION = 'The perp dex: "" for the main dex, else a builder-deployed (HIP-3) dex\'s name, the prefix of its coins (xyz for xyz:TSLA)';
export const dexField = z.string().meta({ description: DEX_DESCRIPTION });
const dexFilter = z
  .string()
  .regex(/^[A-Za-z0-9]{0,16}$/, 'dex must be a perp dex\'s name (letters and digits), or empty for the main dex')
  .optional()
  .meta({ description: `Only this perp dex's; dex= (empty) is the main dex. ${DEX_DESCRIPTION}` });

export const eventsQuery = pageQuery.extend({
  event_type: eventTypeSchema.optional(),
  coin: z.string().min(1).max(32).optional().meta({ description: "e.g. BTC, or xyz:TSLA on a builder dex" }),
  dex: dexFilter,
});

const oneOf = <T extends readonly [string, ...string[]]>(name: string, values: T, def: T[number]) =>
  z.enum(values, { error: () => `${name} must be one of: ${values.join(", ")}` }).default(def as never);

/** A non-negative whole number of at most 9 digits: no sign, exponent, fraction or empty value. */
const countFilter = (name: string, description: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name} must be a non-negative integer (up to 9 digits), e.g. 10`)
    .transform(Number)
    .optional()
    .meta({ description });

export const leaderboardQuery = pageQuery.extend({
  window: oneOf("window", LEADERBOARD_WINDOWS, "all").meta({ description: "Period the metrics cover: last day, 7 days, 30 days, or all history" }),
  sort_by: oneOf("sort_by", LEADERBOARD_SORT_FIELDS, "win_rate"),
  order: oneOf("order", LEADERBOARD_ORDERS, "desc").meta({ description: "Traders without the metric (null) come last in both orders" }),
  min_trades: countFilter("min_trades", "Only traders with at least this many trades (perp fills) in the window"),
  min_volume_usd: z
    .string()
    .regex(
      /^\d{1,15}(\.\d{1,18})?$/,
      "min_volume_usd must be a non-negative decimal number (up to 15 digits, a point and 18 more), e.g. 10000 or 2500.50",
    )
    .transform((s) => decStr(dec(s)))
    .optional()
    .meta({ description: "Only traders with at least this total volume (USD) in the window; compared exactly" }),
  min_account_age_days: countFilter("min_account_age_days", "Only accounts at least this many days old"),
  exclude_bots: oneOf("exclude_bots", ["true", "false"] as const, "false")
    .transform((v) => v === "true")
    .meta({ description: "true leaves out traders flagged as likely bots or market makers (is_bot)" }),
});

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

const iso = z.string().meta({ description: "ISO 8601 time (UTC)" });
const decimal = z.string().meta({ description: "Exact decimal string" });

export const traderSummarySchema = z.object({
  address: z.string(),
  first_seen_at: iso,
  last_tracked_at: iso.nullable().meta({ description: "Last successful poll; null before the first one" }),
  is_active: z.boolean(),
  discovery_source: z.enum(["recent_trades", "trades_stream", "manual"]),
  discovery_coin: z.string().nullable(),
});

export const positionSchema = z.object({
  coin: z.string(),
  dex: dexField,
  side: z.enum(["LONG", "SHORT"]),
  size: decimal.meta({ description: "Absolute size" }),
  szi: decimal.meta({ description: "Signed size (< 0 short)" }),
  entry_price: decimal.nullable(),
  leverage: z.number().nullable(),
  leverage_type: z.string().nullable().meta({ description: "The margin mode: cross or isolated (another mode the exchange adds is passed on as it names it)" }),
  mark_price: decimal.nullable().meta({
    description: "The exchange's mid price of the coin (allMids, at most 15 s old); null when the exchange could not be asked or has no price for the coin",
  }),
  unrealized_pnl_usd: decimal.nullable().meta({
    description: "(mark_price − entry_price) × szi, exact: a short gains when the price falls; null without mark_price or entry_price",
  }),
  position_value_usd: decimal.nullable().meta({ description: "size × mark_price; null without mark_price" }),
});

export const eventSchema = z.object({
  id: z.string(),
  trader_id: z.string(),
  trader_address: z.string(),
  timestamp: iso,
  event_type: eventTypeSchema,
  version: z.number().int(),
  step: z.number().int().optional().meta({
    description:
      "1, 2, …: the order of one coin's events within one version (a close and a reopen between two polls are steps 1 and 2); absent on older events",
  }),
  details: z.looseObject({
    coin: z.string(),
    dex: dexField,
    side: z.enum(["LONG", "SHORT"]),
    previous_side: z.enum(["LONG", "SHORT"]).nullable(),
    size: decimal,
    previous_size: decimal,
    size_delta: decimal,
    szi: decimal,
    previous_szi: decimal,
    entry_price: decimal.nullable(),
    leverage: z.number().nullable(),
    leverage_type: z.string().nullable().meta({ description: "The margin mode: cross or isolated (another mode the exchange adds is passed on as it names it)" }),
    poll_time: iso,
    fill_count: z.number().int(),
    execution_price: decimal.nullable(),
    filled_size: decimal,
    fees: decimal.nullable().meta({ description: "Σ fee of the fills; null when they came from the trades stream, which does not tell" }),
    realized_pnl: decimal.nullable().meta({ description: "Σ closedPnl of the fills; null when they came from the trades stream" }),
    fills_source: z.enum(["exchange", "stream"]).optional().meta({
      description: "Where the fills behind the event came from: the trader's fills (userFillsByTime) or the public trades stream",
    }),
    detection_delay_ms: z.number().int().nullable().optional().meta({
      description: "From the last fill behind the event (exchange time) to the event's timestamp; null without fills",
    }),
    first_fill_time: z.number().nullable(),
    last_fill_time: z.number().nullable(),
    tids: z.array(z.number()).meta({
      description:
        "The fills' tids in order; behind more than 100 fills only the first 50 and the last 50 (tids_truncated). Every fill is in the exchange's public record: its info API's userFillsByTime for the trader from first_fill_time to last_fill_time",
    }),
    tids_truncated: z.boolean().optional().meta({
      description: "True when tids lists only the first and last 50 of fill_count fills, which keeps an event a few KB; absent on older events",
    }),
    liquidation: z.boolean().nullable().optional().meta({
      description:
        "True when the trader's own liquidation closed (part of) the position (a fill whose dir is `Liquidated …` or whose `liquidation` names the trader); false otherwise; null for a reducing event told by the trades stream, which does not mark liquidations; absent on older events",
    }),
  }),
});

export const pageOf = <T extends z.ZodType>(key: string, item: T) =>
  z.object({ [key]: z.array(item), next_cursor: z.string().nullable() });

const ratio = (description: string) => z.number().nullable().meta({ description });
const money = (description: string) => decimal.nullable().meta({ description });

const freshnessStatus = z.enum(["fresh", "pending", "stale"]);

/** Every field of `LeaderboardRow` (functions/domain/leaderboard.ts), nullable where the row type is. */
export const leaderboardRowSchema = z.object({
  trader_id: z.string(),
  trader_address: z.string(),
  window: z.enum(LEADERBOARD_WINDOWS),
  win_rate: ratio("Winning ÷ closed round trips, 0–1; null without a closed round trip"),
  total_volume_usd: decimal.meta({ description: "Traded notional in the window (USD)" }),
  account_age_days: z.number(),
  avg_risk_ratio: ratio("Average win ÷ average |loss| (payoff ratio); null without wins or without losses"),
  max_drawdown: ratio("Largest peak-to-trough fall of flow-adjusted equity, 0–1; null without equity history"),
  max_profit_usd: money("Best round trip's realized PnL; null without a winning round trip"),
  max_loss_usd: money("Worst round trip's realized PnL as a positive amount; null without a losing round trip"),
  realized_pnl_usd: decimal.meta({ description: "Trading PnL plus funding in the window: trading_pnl_usd + funding_usd" }),
  trading_pnl_usd: decimal.meta({ description: "Σ closedPnl − Σ fee of the perp fills in the window" }),
  funding_usd: decimal.meta({ description: "Σ funding payments in the window (userFunding), signed for the trader: + received, − paid" }),
  fees_usd: decimal,
  trades_count: z.number().int().meta({ description: "Perp fills in the window" }),
  round_trips: z.number().int().meta({ description: "Closed round trips counted in win rate and the round-trip figures" }),
  avg_hold_hours: ratio("Average time a round trip was held; null without a closed round trip"),
  roi: ratio(
    "Time-weighted return: the exchange's PnL (pnlHistory) over the account value, so deposits, withdrawals and a vault's depositors are left out; null without equity history",
  ),
  sharpe: ratio("Mean ÷ standard deviation of daily returns × √365; null with too few daily returns"),
  profit_factor: ratio("Gross wins ÷ gross |losses|; null without losses (see profit_factor_infinite)"),
  profit_factor_infinite: z.boolean().meta({ description: "True when there were wins and no losses" }),
  score: ratio("Composite 0–1 across the traders of the same window; null when not rankable"),
  is_bot: z.boolean().meta({ description: "Looks like a market maker or bot; exclude_bots=true leaves these out" }),
  data_status: freshnessStatus.optional().meta({
    description:
      "How current the history behind the row was when it was computed: fresh, pending (first sync not complete) or stale (a source failing or not refreshed for too long; README, Data freshness). Absent in snapshots computed before it was kept",
  }),
  is_vault: z.boolean().meta({
    description: "The exchange says this address is a vault (userRole): its figures are the vault's, and its returns leave its depositors' money out",
  }),
  updated_at: iso,
});

const historySource = z.enum(["fills", "ledger", "portfolio", "funding", "role"]);

const dataFreshnessSchema = z
  .object({
    status: freshnessStatus,
    fills_synced_at: iso.nullable().meta({ description: "Last time the fills sync caught up with the exchange; null before the first" }),
    ledger_synced_at: iso.nullable().meta({ description: "Last time the ledger (deposits, withdrawals, transfers) sync caught up; null before the first" }),
    funding_synced_at: iso.nullable().meta({ description: "Last time the funding payments sync caught up; null before the first" }),
    portfolio_fetched_at: iso.nullable().meta({ description: "When the equity history (portfolio) was last fetched; null before the first" }),
    stale_sources: z.array(historySource).meta({ description: "The sources that make the data stale; empty unless status is stale" }),
    failing_since: z
      .partialRecord(historySource, iso)
      .meta({ description: "Sources whose requests are failing, and since when; a source leaves it at its next success" }),
  })
  .nullable()
  .meta({ description: "How current the history behind the metrics is; null when the API has no history store" });

export const traderDetailSchema = traderSummarySchema.extend({
  positions: z.array(positionSchema),
  marks_at: iso.nullable().meta({
    description: "When the mid prices the positions are valued at were fetched; null when no position was valued (none open, or the exchange could not be asked)",
  }),
  metrics: z
    .object(Object.fromEntries(LEADERBOARD_WINDOWS.map((w) => [w, leaderboardRowSchema.optional()])) as Record<LeaderboardWindow, z.ZodOptional<typeof leaderboardRowSchema>>)
    .nullable()
    .meta({
      description:
        "The trader's leaderboard row per window from the latest snapshots; null before the leaderboard job's first run; a window is absent when the trader is not in its snapshot.",
    }),
  data_freshness: dataFreshnessSchema,
});


export const leaderboardSchema = z.object({
  leaderboard: z.array(leaderboardRowSchema),
  window: z.enum(LEADERBOARD_WINDOWS),
  sort_by: z.enum(LEADERBOARD_SORT_FIELDS),
  order: z.enum(LEADERBOARD_ORDERS),
  filters: z
    .object({
      min_trades: z.number().int().nullable(),
      min_volume_usd: decimal.nullable(),
      min_account_age_days: z.number().int().nullable(),
      exclude_bots: z.boolean(),
    })
    .meta({ description: "The filters applied; null when not given" }),
  updated_at: iso.nullable().meta({ description: "When the snapshot was computed; null before the first one" }),
  next_cursor: z.string().nullable(),
});

const count = z.object({
  count: z.number().int(),
  approximate: z.boolean().meta({ description: "True for DynamoDB's ItemCount, refreshed about every 6 hours" }),
});

export const statsSchema = z.object({
  traders: count,
  active_traders: count,
  events: count,
  websocket_connections: count,
  generated_at: iso,
});

/** "starting": only the local runtime, while its feed is not yet accepting clients. */
const dependencyState = z.enum(["ok", "starting", "unavailable"]);

export const healthSchema = z.object({
  status: dependencyState,
  dependencies: z.record(z.string(), dependencyState),
  uptime_s: z.number().int(),
});

const streamCount = (description: string) => z.number().int().nullable().meta({ description: `${description}; null without a listener` });
const streamTime = (description: string) => iso.nullable().meta({ description: `${description}; null when unknown` });

/** A Record, so that a state the domain adds cannot go undocumented (or unaccepted). */
const STREAM_STATE_MEANING: Record<PublicStreamState, string> = {
  connected: "trades arrive and become events within seconds",
  connecting: "the listener is opening its connection to the exchange",
  reconnecting: "the connection dropped and is being reopened",
  lagging: `connected, but trades wait more than ${LAGGING_BACKLOG_MS / 1000} s to become events`,
  down: `no listener: none has run, it stopped, its heartbeat is over ${DEFAULT_LEASE_TIMING.staleMs / 1000} s old, or the stream is turned off (TRADES_STREAM=off)`,
};

/** GET /stream: the trades-stream listener's status item (functions/domain/stream-status.ts). */
export const streamStatusSchema = z.object({
  state: z.enum(Object.keys(STREAM_STATE_MEANING) as [PublicStreamState, ...PublicStreamState[]]).meta({
    description: `${Object.entries(STREAM_STATE_MEANING)
      .map(([state, meaning]) => `${state}: ${meaning}`)
      .join("; ")}. When it is not connected, changes still arrive with the scheduled polls (up to a minute later).`,
  }),
  listener_id: z.string().nullable().meta({ description: "The listener holding the lease; null without one" }),
  started_at: streamTime("When this listener started"),
  heartbeat_at: streamTime("The listener's last status write (about every 10 s); the counters are as of then"),
  last_trade_at: streamTime("Exchange time of the newest trade received"),
  last_message_at: streamTime("When the newest message from the exchange arrived"),
  reconnects: streamCount("Connections this listener reopened"),
  gaps: streamCount("Disconnections during which trades may have been missed (caught up on resubscribing, or by the next poll)"),
  coins: streamCount("Coins subscribed"),
  tracked: streamCount("Traders whose trades are watched"),
  backlog_ms: streamCount("Age of the oldest streamed trade not yet turned into an event (ms); 0 when none waits"),
  trades: streamCount("Trades this listener received"),
  polls: streamCount("Targeted polls its trades started"),
  events: streamCount("Position events it produced"),
  discovered: streamCount("New traders it found in the stream"),
});

export const indexSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  links: z.record(z.string(), z.string()),
});

export const trackResultSchema = z.object({
  address: z.string(),
  tracking: z.boolean(),
  created: z.boolean(),
  reactivated: z.boolean(),
});

export const cacheClearedSchema = z.object({ cleared: z.literal(true), entries: z.number().int() });

// The trader page (dashboard): charts and round trips over one window ----------------------------

const storyWindow = (def: LeaderboardWindow) =>
  oneOf("window", LEADERBOARD_WINDOWS, def).meta({
    description: "The last day, 7 days or 30 days up to now, or all history (as the leaderboard's windows)",
  });

export const equityQuery = z.object({ window: storyWindow("30d") });

export const roundTripsQuery = pageQuery.extend({ window: storyWindow("all"), dex: dexFilter });

const seriesPoint = z.object({
  t: z.number().int().meta({ description: "Epoch milliseconds" }),
  v: decimal,
});
const series = (description: string) => z.array(seriesPoint).meta({ description: `${description}; ascending t, at most 2,000 points` });

export const equitySchema = z.object({
  address: z.string(),
  window: z.enum(LEADERBOARD_WINDOWS),
  account_value: series("Account value (perp + spot) as the exchange sampled it: portfolio period day, week, month or allTime"),
  pnl: series("The exchange's cumulative PnL curve of that same period"),
  realized_pnl: series(
    "Σ closedPnl − Σ fee of the perp fills plus Σ funding in the window, cumulative: \"0\" at the window start, then one point per millisecond with a fill or funding payment that changed it",
  ),
  updated_at: iso.nullable().meta({ description: "When the portfolio was fetched from the exchange; null before the first sync" }),
});

export const roundTripSchema = z.object({
  coin: z.string(),
  dex: dexField,
  side: z.enum(["LONG", "SHORT"]),
  opened_at: iso,
  closed_at: iso,
  hold_hours: z.number().meta({ description: "closed_at − opened_at in hours" }),
  max_size: decimal.meta({ description: "Largest absolute position size reached" }),
  volume_usd: decimal.meta({ description: "Σ price × size of its fills (its share of a flip fill)" }),
  realized_pnl_usd: decimal.meta({ description: "Σ closedPnl − Σ fee of its fills, plus funding_usd" }),
  funding_usd: decimal.meta({ description: "Funding of its coin paid while it was open, time in (opened_at, closed_at]: + received, − paid" }),
  fees_usd: decimal.meta({ description: "Σ fee; negative when rebates exceed fees" }),
  fills: z.number().int().meta({ description: "Fills that touched it; a flip fill counts in both round trips it belongs to" }),
});

export const roundTripsSchema = z.object({
  address: z.string(),
  window: z.enum(LEADERBOARD_WINDOWS),
  round_trips: z.array(roundTripSchema),
  next_cursor: z.string().nullable(),
});
