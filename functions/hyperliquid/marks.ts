import type { AppLogger } from "#commons/logger.js";
import type { Lane } from "#domain/exchange.js";
import type { MarkSource, MidPrices } from "#domain/marks.js";
import type { HyperliquidClient } from "./client.js";

/**
 * The MarkSource port over the exchange's `allMids` (weight 2, paid in the weight budget like
 * every other call). One answer serves every position of every trader for `ttlMs`, and callers
 * that arrive while a request is out wait for that one request instead of sending their own.
 * A failure (exchange down, 429s past the deadline, an answer of the wrong shape) is logged and
 * answered with null, remembered for `failureTtlMs` so that a dead exchange does not cost every
 * request its full deadline.
 */

export interface HyperliquidMarksOptions {
  /** How long one answer is used. Default 15 s. */
  ttlMs?: number;
  /** How long a failure is remembered before the next try. Default 5 s. */
  failureTtlMs?: number;
  /** The most one request may take, budget wait and retries included. Default 2 s. */
  timeoutMs?: number;
  /**
   * Default "tracking": open positions are live data, and valuing them must not queue behind an
   * hour of history backfill in that lane; at one request per `ttlMs` per process it costs tracking
   * at most 8 weight a minute.
   */
  lane?: Lane;
  now?: () => number;
  logger?: AppLogger;
}

export const DEFAULT_MARKS_TTL_MS = 15_000;

export const createHyperliquidMarks = (
  client: Pick<HyperliquidClient, "allMids">,
  opts: HyperliquidMarksOptions = {},
): MarkSource => {
  const ttlMs = opts.ttlMs ?? DEFAULT_MARKS_TTL_MS;
  const failureTtlMs = opts.failureTtlMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const lane = opts.lane ?? "tracking";
  const now = opts.now ?? Date.now;
  let cached: { value: MidPrices | null; until: number } | undefined;
  let inFlight: Promise<MidPrices | null> | undefined;

  const fetchMids = async (): Promise<MidPrices | null> => {
    try {
      const mids = await client.allMids({ lane, signal: AbortSignal.timeout(timeoutMs) });
      const value = { at: now(), mids };
      cached = { value, until: value.at + ttlMs };
      return value;
    } catch (error) {
      opts.logger?.warn("Mid prices unavailable: open positions are shown without mark, value or unrealized PnL", { error });
      cached = { value: null, until: now() + failureTtlMs };
      return null;
    }
  };

  return {
    current() {
      if (cached !== undefined && now() < cached.until) return Promise.resolve(cached.value);
      // `.finally` runs after the assignment even when the request fails at once.
      inFlight ??= fetchMids().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
};
