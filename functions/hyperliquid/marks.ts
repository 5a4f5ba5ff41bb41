import type { AppLogger } from "#commons/logger.js";
import { type Lane, MAIN_DEX } from "#domain/exchange.js";
import type { MarkSource, MidPrices } from "#domain/marks.js";
import type { HyperliquidClient } from "./client.js";

/**
 * The MarkSource port over the exchange's `allMids` (weight 2, paid in the weight budget like
 * every other call), one request per perp dex: the main dex's answer serves every main-dex
 * position of every trader for `ttlMs`, a builder dex's (`dex`) only its coins, and is asked only
 * for a trader holding one of them. Per dex, callers
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
  const cached = new Map<string, { value: MidPrices | null; until: number }>();
  const inFlight = new Map<string, Promise<MidPrices | null>>();

  const fetchMids = async (dex: string): Promise<MidPrices | null> => {
    try {
      const mids = await client.allMids({ lane, signal: AbortSignal.timeout(timeoutMs) }, dex);
      const value = { at: now(), mids };
      cached.set(dex, { value, until: value.at + ttlMs });
      return value;
    } catch (error) {
      opts.logger?.warn("Mid prices unavailable: open positions are shown without mark, value or unrealized PnL", { error, dex });
      cached.set(dex, { value: null, until: now() + failureTtlMs });
      return null;
    }
  };

  const midsOf = (dex: string): Promise<MidPrices | null> => {
    const hit = cached.get(dex);
    if (hit !== undefined && now() < hit.until) return Promise.resolve(hit.value);
    let pending = inFlight.get(dex);
    if (pending === undefined) {
      // `.finally` runs after the assignment even when the request fails at once.
      pending = fetchMids(dex).finally(() => inFlight.delete(dex));
      inFlight.set(dex, pending);
    }
    return pending;
  };

  return {
    async current(dexes = []) {
      const answers = (await Promise.all([MAIN_DEX, ...dexes].map(midsOf))).filter((a) => a !== null);
      if (answers.length === 0) return null;
      if (answers.length === 1) return answers[0]!;
      // Coin names carry their dex, so the answers merge without clashing; the oldest says when.
      return { at: Math.min(...answers.map((a) => a.at)), mids: Object.assign({}, ...answers.map((a) => a.mids)) };
    },
  };
};
