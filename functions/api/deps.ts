import type { Context } from "hono";
import type { AppLogger } from "#commons/logger.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import type { OrderedQueue } from "#domain/feed/ports.js";
import type { FreshnessRules } from "#domain/history/freshness.js";
import type { HistoryReader } from "#domain/history/ports.js";
import type { LeaderboardStore } from "#domain/leaderboard.js";
import type { MarkSource } from "#domain/marks.js";
import type { RunStateStore, TraderStore } from "#domain/ports.js";
import type { EventReader, StatsReader, TraderDirectory } from "#domain/read-models.js";
import type { StreamStatusStore } from "#domain/stream-status.js";
import type { TraderPagesReader } from "#domain/trader-story/pages.js";
import type { RateLimitOptions } from "./rate-limit.js";

/** A dependency `/health` reports on; the same shape as the local runtime's checks. */
export interface HealthCheck {
  name: string;
  /**
   * Throws when the dependency is down. Resolves "starting" while it is not up yet, which only a
   * part of the local runtime can be (its feed, until the gateway accepts WebSocket upgrades).
   */
  check(signal: AbortSignal): Promise<void | "starting">;
}

export interface ApiDeps {
  /** Used to start tracking (`trackTrader`), as discovery does. */
  traders: TraderStore;
  directory: TraderDirectory;
  events: EventReader;
  /** The tracking-cycle item that `last_tracked_at` is derived from. */
  runState: Pick<RunStateStore, "latestCycle">;
  leaderboard: LeaderboardStore;
  stats: StatsReader;
  /** The trader's history sync state, for GET /traders/{a}'s data_freshness. */
  history?: Pick<HistoryReader, "syncState">;
  /** The trader page's round trips and equity series, precomputed by the leaderboard job. Unset: those routes answer 503. */
  pages?: TraderPagesReader;
  /** When a trader's history counts as stale (HISTORY_MAX_AGE_HOURS, LEADERBOARD_INTERVAL_SECONDS); unset: the settings' defaults. */
  freshness?: FreshnessRules;
  /** The trades-stream listener's status item, for GET /stream. Unset: that route answers 503. */
  streamStatus?: Pick<StreamStatusStore, "read">;
  /** Prices to value open positions at. Unset: mark_price, unrealized_pnl_usd and position_value_usd are null. */
  marks?: MarkSource;
  /** Copy trading's followers (the /followers routes). Unset: those routes answer 503. */
  followers?: FollowerStore;
  /**
   * The copy queue (COPY_QUEUE_URL): a new sync_now follower, a resume or a close is sent to the
   * engine at once. Unset: skipped with a warning, and the periodic reconcile acts within its interval.
   */
  copyQueue?: OrderedQueue;
  checks: readonly HealthCheck[];
  /** Unset: admin routes answer 503. */
  adminApiKey: string | undefined;
  now?: () => number;
  logger?: AppLogger;
  /** The TCP peer of a request; by default the socket / API Gateway source IP (#api/app.js transportClientIp). */
  clientIp?: (c: Context) => string;
  /**
   * ORIGIN_SECRET: when set (in AWS), a request must carry it in `x-origin-verify` (CloudFront adds
   * it), else 403; the client is then the viewer CloudFront names (#api/viewer.js).
   */
  originSecret?: string | undefined;
  limits?: {
    /** The body limit of every route that sets none of its own (16 KiB by default). */
    maxBodyBytes?: number;
    /** false turns rate limiting off. */
    rateLimit?: RateLimitOptions | false;
    leaderboardCacheMs?: number;
    statsCacheMs?: number;
    checkTimeoutMs?: number;
  };
}
