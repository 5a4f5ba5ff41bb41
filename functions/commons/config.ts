import { z } from "zod";
import { DEFAULT_FEED_LIMITS } from "#domain/feed/limits.js";
import { DEFAULT_FEED_SHARDS } from "#domain/feed/shards.js";
import { ConfigError } from "./errors.js";

/**
 * Every setting, read from the environment once when a module loads and checked here, so a
 * missing or malformed variable fails the cold start with a clear message instead of the
 * hundredth request. README "Configuration" documents each one.
 */

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);
const fraction = (def: number) => z.coerce.number().min(0).max(1).default(def);

/** Accepts `https://api.hyperliquid.xyz`, `.../` and the older `.../info`; returns the base without `/info`. */
export const normalizeApiBase = (url: string): string =>
  url.trim().replace(/\/+$/, "").replace(/\/info$/, "");

const coinList = z
  .string()
  .optional()
  .transform((s) =>
    s === undefined || s.trim() === ""
      ? undefined
      : [...new Set(s.split(",").map((c) => c.trim()).filter((c) => c.length > 0))],
  );

const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, "must be a Secrets Manager secret ARN");

export const configSchema = z.object({
  AWS_REGION: z.string().min(1).default("us-east-1"),
  HYPERLIQUID_API_URL: z
    .url({ protocol: /^https?$/ })
    .default("https://api.hyperliquid.xyz")
    .transform(normalizeApiBase),
  /** Live followers on `testnet` trade here (the exchange's testnet API; the local runtime's demo points it at the simulator). */
  HYPERLIQUID_TESTNET_API_URL: z
    .url({ protocol: /^https?$/ })
    .default("https://api.hyperliquid-testnet.xyz")
    .transform(normalizeApiBase),
  /** The exchange's limit per egress IP; we plan below it by HL_WEIGHT_HEADROOM. */
  HL_WEIGHT_PER_MINUTE: int(1200, 1, 10_000_000),
  HL_WEIGHT_HEADROOM: fraction(0.1),
  /** The most of the budget discovery may use; it only ever gets what tracking leaves. */
  HL_DISCOVERY_SHARE: fraction(0.25),
  /** The most of the budget history fetching (backfills, portfolio, ledger) may use. */
  HL_HISTORY_SHARE: fraction(0.25),
  /** `dynamodb` shares the budget between all processes behind one egress IP; `local` keeps it in-process. */
  HL_BUDGET_MODE: z.enum(["auto", "dynamodb", "local"]).default("auto"),
  HL_TIMEOUT_MS: int(10_000, 100, 120_000),
  HL_MAX_RETRIES: int(4, 0, 10),
  TRADERS_TABLE: z.string().min(3).default("hl-traders"),
  EVENTS_TABLE: z.string().min(3).default("hl-events"),
  FILLS_TABLE: z.string().min(3).default("hl-fills"),
  STATE_TABLE: z.string().min(3).default("hl-state"),
  CONNECTIONS_TABLE: z.string().min(3).default("hl-connections"),
  PAGES_TABLE: z.string().min(3).default("hl-pages"),
  FOLLOWERS_TABLE: z.string().min(3).default("hl-followers"),
  /** Admin operations (track/untrack, cache clear) need `x-api-key` equal to this. Locally one is generated when unset. */
  ADMIN_API_KEY: z.string().min(16, "ADMIN_API_KEY must be at least 16 characters").optional(),
  /** When set, a WebSocket client must connect with `?token=` equal to it. */
  WS_TOKEN: z.string().min(1).optional(),
  /**
   * In AWS: the Secrets Manager secrets holding ADMIN_API_KEY and WS_TOKEN, read once at cold start
   * (#commons/secrets.js), so the values never sit in a function's environment. Set by the stack.
   */
  ADMIN_API_KEY_SECRET_ARN: secretArn.optional(),
  WS_TOKEN_SECRET_ARN: secretArn.optional(),
  /**
   * In AWS: the value CloudFront adds to every request it forwards to the HTTP API
   * (`x-origin-verify`); a request without it did not come through CloudFront and is refused. Unset
   * locally (no CloudFront). Read from ORIGIN_SECRET_SECRET_ARN, which the stack sets.
   */
  ORIGIN_SECRET: z.string().min(16, "ORIGIN_SECRET must be at least 16 characters").optional(),
  ORIGIN_SECRET_SECRET_ARN: secretArn.optional(),
  /**
   * What one client may do to the live feed (#domain/feed/limits.js): open connections in all and
   * per source address (0: no cap; a cap is held in the state table, so it bounds its item size),
   * messages per second per connection and the burst before that rate applies.
   */
  WS_MAX_CONNECTIONS: int(DEFAULT_FEED_LIMITS.maxConnections, 0, 100_000),
  WS_MAX_CONNECTIONS_PER_IP: int(DEFAULT_FEED_LIMITS.maxConnectionsPerIp, 0, 1_000),
  WS_MESSAGES_PER_SECOND: int(DEFAULT_FEED_LIMITS.messagesPerSecond, 1, 1_000),
  WS_MESSAGE_BURST: int(DEFAULT_FEED_LIMITS.burst, 1, 10_000),
  /** The API Gateway management endpoint the feed posts to (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`; locally the gateway's). */
  WS_CALLBACK_URL: z.url().optional(),
  /** Posts the fan-out worker keeps in flight while fanning one event out to one shard's clients. */
  FEED_FANOUT_CONCURRENCY: int(100, 1, 200),
  /**
   * Live-feed connections are spread over this many shards (#domain/feed/shards.js), each fanned
   * out by a message of its own: at 10,000 connections the default makes a shard ~300 of them.
   */
  FEED_SHARDS: int(DEFAULT_FEED_SHARDS, 1, 1_000),
  /** The FIFO queue the broadcaster hands each shard's events to (#commons/queues.js FANOUT_QUEUE). */
  FANOUT_QUEUE_URL: z.url().optional(),
  TRACKING_QUEUE_URL: z.url().optional(),
  /** The FIFO queue of copy work, one message group per follower (#commons/queues.js COPY_QUEUE). */
  COPY_QUEUE_URL: z.url().optional(),
  TRACK_BATCH_SIZE: int(25, 1, 100),
  /** Parallel polls inside one worker invocation. */
  TRACK_CONCURRENCY: int(10, 1, 100),
  POPULAR_COINS: coinList,
  /** How long one discovery run may keep waiting for budget before it stops and leaves the rest to the next run. */
  DISCOVERY_MAX_RUN_SECONDS: int(60, 1, 840),
  DISCOVERY_INTERVAL_SECONDS: int(900, 5, 86_400),
  TRACKING_INTERVAL_SECONDS: int(60, 1, 3_600),
  LEADERBOARD_INTERVAL_SECONDS: int(3_600, 5, 86_400),
  /** Traders the leaderboard job works on at once (each: a history load, maybe exchange calls, metrics). */
  LEADERBOARD_CONCURRENCY: int(8, 1, 64),
  /** After this long a leaderboard run starts no more exchange calls and computes from what is stored. */
  LEADERBOARD_SYNC_SECONDS: int(600, 1, 840),
  /** A trader's portfolio and ledger are fetched again once older than this (sooner after new activity). */
  HISTORY_MAX_AGE_HOURS: int(24, 1, 168),
  /** Fill pages (2,000 fills each) one run may fetch per trader; a longer backfill continues next run. */
  HISTORY_MAX_PAGES: int(6, 1, 50),
  PORT: int(8000, 1, 65_535),
  /**
   * Listen to the exchange's public trades stream and poll a trader the moment he trades; the
   * scheduled polls then only reconcile (every RECONCILE_INTERVAL_SECONDS at least). `off`: the
   * scheduled polls do it all, every TRACKING_INTERVAL_SECONDS.
   */
  TRADES_STREAM: z.enum(["on", "off"]).default("on"),
  /** The stream's URL; default: the API's host, path /ws (wss:// for https://, ws:// for http://). */
  HYPERLIQUID_WS_URL: z.url({ protocol: /^wss?$/ }).optional(),
  /** With the stream up, every tracked trader is still polled at least this often (catches liquidations, ADL, margin changes). */
  RECONCILE_INTERVAL_SECONDS: int(1_800, 60, 86_400),
  /** Copy trading: how often every active follower is reconciled to its target, events or not. */
  COPY_RECONCILE_INTERVAL_SECONDS: int(60, 5, 3_600),
  /** Live followers' agent keys must be secrets under this name prefix: the copy engine may read nothing else. */
  COPY_AGENT_SECRET_PREFIX: z.string().min(1).default("hyperliquid-copytrader/agent/"),
  /** Discovery (stream and scheduled) stops adding traders once this many are tracked; 0: it adds none. Manual tracking is not capped. */
  MAX_TRACKED_TRADERS: int(10_000, 0, 100_000),
});

export type Config = z.infer<typeof configSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  // Empty strings mean "unset" (a common result of `VAR= npm start` or CDK tokens left blank).
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
};

/** Weight we plan to spend per minute: the limit less the headroom. */
export const effectiveWeightPerMinute = (c: Pick<Config, "HL_WEIGHT_PER_MINUTE" | "HL_WEIGHT_HEADROOM">): number =>
  Math.max(1, Math.floor(c.HL_WEIGHT_PER_MINUTE * (1 - c.HL_WEIGHT_HEADROOM)));

/** The tracking queue's URL, which the dispatcher sends to and the worker hands traders back to. */
export const requireFanoutQueueUrl = (c: Pick<Config, "FANOUT_QUEUE_URL">, fn: string): string => {
  if (c.FANOUT_QUEUE_URL === undefined) throw new ConfigError(`FANOUT_QUEUE_URL must be set for the ${fn}`);
  return c.FANOUT_QUEUE_URL;
};

export const requireCopyQueueUrl = (c: Pick<Config, "COPY_QUEUE_URL">, fn: string): string => {
  if (c.COPY_QUEUE_URL === undefined) throw new ConfigError(`COPY_QUEUE_URL must be set for the ${fn}`);
  return c.COPY_QUEUE_URL;
};

export const requireTrackingQueueUrl = (c: Pick<Config, "TRACKING_QUEUE_URL">, fn: string): string => {
  if (c.TRACKING_QUEUE_URL === undefined) throw new ConfigError(`TRACKING_QUEUE_URL must be set for the ${fn}`);
  return c.TRACKING_QUEUE_URL;
};
