import { Pool } from "undici";
import type { z } from "zod";
import { type Config, normalizeApiBase } from "#commons/config.js";
import type { AppLogger } from "#commons/logger.js";
import type { WeightBudget } from "#domain/budget.js";
import {
  type AccountState,
  type CallOptions,
  type ExchangePort,
  type Fill,
  type Lane,
  MAIN_DEX,
  type PerpAsset,
  type PerpDex,
  type RecentTrade,
} from "#domain/exchange.js";
import { ExchangeSchemaError } from "./errors.js";
import { createTransport, type RetryingClientOptions, type TransportCounters } from "./transport.js";
import type { LedgerPage } from "#domain/history/ports.js";
import { readLedgerPage } from "./ledger.js";
import { toAccountState, toFills, toPerpAssets, toPerpDexs, toRecentTrades } from "./mappers.js";
import {
  type AllMids,
  type UserFundingUpdate,
  type UserRole,
  type PortfolioResponse,
  allMidsSchema,
  clearinghouseStateSchema,
  fillsSchema,
  ledgerPageSchema,
  metaSchema,
  parseInfoResponse,
  perpDexsSchema,
  portfolioSchema,
  userFundingSchema,
  userRoleSchema,
  recentTradesSchema,
} from "./schemas.js";
import { baseWeight, surcharge } from "./weights.js";

/**
 * The one Hyperliquid `/info` client. Every attempt is paid for in the weight budget before it is
 * sent (the exchange counts retries too) and the per-item surcharge is charged once the answer
 * shows how many items came back. 429s, 5xx, timeouts and dropped connections are retried with
 * exponential backoff and full jitter; anything else fails at once with an error that says why.
 */

/** `baseUrl` without `/info` (`normalizeApiBase` is applied again, so `…/info` is accepted too). */
export type HyperliquidClientOptions = RetryingClientOptions;

export interface InfoCallOptions extends CallOptions {
  /** The user or coin asked about, named in error messages. */
  subject?: string;
  /** Items the exchange bills a surcharge for; by default the length of an array answer. */
  itemCount?: (raw: unknown) => number;
}

export interface ClientStats extends TransportCounters {
  /** Weight paid per lane, surcharges included. */
  weightByLane: Record<Lane, number>;
}

export type InfoRequest = { type: string } & Record<string, unknown>;

export interface HyperliquidClient extends ExchangePort {
  info<S extends z.ZodType>(body: InfoRequest, schema: S, opts: InfoCallOptions): Promise<z.output<S>>;
  /** Account value and PnL history per period ("day", "week", …, "perpAllTime"). */
  portfolio(user: string, opts?: CallOptions): Promise<PortfolioResponse>;
  /** Each entry read on its own: an unreadable one is set aside, not a failed page (./ledger.ts). */
  userNonFundingLedgerUpdates(user: string, startTime: number, endTime?: number, opts?: CallOptions): Promise<LedgerPage>;
  /** Funding payments from `startTime`, oldest first, at most 500; `delta.usdc` is signed for the user. */
  userFunding(user: string, startTime: number, endTime?: number, opts?: CallOptions): Promise<UserFundingUpdate[]>;
  /** `user`, `vault`, `subAccount`, `agent` or `missing` (60 weight). */
  userRole(user: string, opts?: CallOptions): Promise<UserRole>;
  /** The user's most recent fills (the API's last 2,000), oldest first. */
  userFills(user: string, opts?: CallOptions): Promise<Fill[]>;
  /** Mids of one perp dex's coins (default the main dex's, which also lists spot pairs). */
  allMids(opts?: CallOptions, dex?: string): Promise<AllMids>;
  stats(): ClientStats;
  close(): Promise<void>;
}

/** Account-history reads are the budget's "history" work unless the caller says otherwise. */
const HISTORY: CallOptions = { lane: "history" };

/**
 * The `dex` field of a request: sent only for a builder dex, so a main-dex request stays exactly
 * the body it always was (`""` and no field mean the same to the exchange).
 */
const dexField = (dex: string | undefined): { dex?: string } => (dex === undefined || dex === MAIN_DEX ? {} : { dex });

const byTimeThenTid = (a: Fill, b: Fill): number => a.time - b.time || a.tid - b.tid;

export const createHyperliquidClient = (opts: HyperliquidClientOptions): HyperliquidClient => {
  const base = new URL(normalizeApiBase(opts.baseUrl));
  const infoPath = `${base.pathname.replace(/\/+$/, "")}/info`;
  const pool = new Pool(base.origin, { connections: opts.connections ?? 16, keepAliveTimeout: 30_000 });
  const { budget, logger } = opts;
  const stats: ClientStats = {
    requests: 0,
    retries: 0,
    http429: 0,
    http5xx: 0,
    timeouts: 0,
    connectionErrors: 0,
    schemaErrors: 0,
    weightByLane: { tracking: 0, discovery: 0, history: 0 },
  };

  const schemaError = (e: ExchangeSchemaError): ExchangeSchemaError => {
    stats.schemaErrors++;
    return e;
  };

  const post = createTransport({ ...opts, pool, counters: stats, onPaid: (lane, weight) => (stats.weightByLane[lane] += weight) });

  const send = (body: InfoRequest, o: InfoCallOptions): Promise<unknown> =>
    post({ path: infoPath, label: body.type, json: JSON.stringify(body), weight: baseWeight(body.type) }, o);

  const info = async <S extends z.ZodType>(body: InfoRequest, schema: S, o: InfoCallOptions): Promise<z.output<S>> => {
    const raw = await send(body, o);
    // The exchange bills for what it sent, whether or not it fits our schema.
    const items = o.itemCount ? o.itemCount(raw) : Array.isArray(raw) ? raw.length : 0;
    const extra = surcharge(body.type, items);
    if (extra > 0) {
      budget.charge(o.lane, extra);
      stats.weightByLane[o.lane] += extra;
    }
    try {
      return parseInfoResponse(schema, raw, body.type, o.subject);
    } catch (error) {
      throw error instanceof ExchangeSchemaError ? schemaError(error) : error;
    }
  };

  /** Domain mapping can also find the answer unusable (a fill without `tid`): counted the same way. */
  const mapped = <T>(map: () => T): T => {
    try {
      return map();
    } catch (error) {
      throw error instanceof ExchangeSchemaError ? schemaError(error) : error;
    }
  };

  return {
    info,

    async perpDexs(o): Promise<PerpDex[]> {
      return toPerpDexs(await info({ type: "perpDexs" }, perpDexsSchema, o));
    },

    async perpMeta(o, dex): Promise<PerpAsset[]> {
      return toPerpAssets(await info({ type: "meta", ...dexField(dex) }, metaSchema, { ...o, ...(dex && { subject: dex }) }));
    },

    async recentTrades(coin, o): Promise<RecentTrade[]> {
      return toRecentTrades(await info({ type: "recentTrades", coin }, recentTradesSchema, { ...o, subject: coin }));
    },

    async clearinghouseState(user, o, dex): Promise<AccountState> {
      const body = { type: "clearinghouseState", user, ...dexField(dex) };
      return toAccountState(await info(body, clearinghouseStateSchema, { ...o, subject: user }));
    },

    async userFillsByTime(user, startTime, endTime, o): Promise<Fill[]> {
      const body = { type: "userFillsByTime", user, startTime, ...(endTime !== undefined && { endTime }) };
      const fills = await info(body, fillsSchema, { ...o, subject: user });
      return mapped(() => toFills(fills, body.type, user)).sort(byTimeThenTid);
    },

    async userFills(user, o = HISTORY): Promise<Fill[]> {
      const fills = await info({ type: "userFills", user }, fillsSchema, { ...o, subject: user });
      return mapped(() => toFills(fills, "userFills", user)).sort(byTimeThenTid);
    },

    portfolio: (user, o = HISTORY) => info({ type: "portfolio", user }, portfolioSchema, { ...o, subject: user }),

    async userNonFundingLedgerUpdates(user, startTime, endTime, o = HISTORY) {
      const type = "userNonFundingLedgerUpdates";
      const raw = await info({ type, user, startTime, ...(endTime !== undefined && { endTime }) }, ledgerPageSchema, { ...o, subject: user });
      const page = readLedgerPage(raw);
      // Not one entry readable is not an odd entry but an answer we no longer understand: the
      // request failed, as any answer of the wrong shape does (the source is then retried and,
      // if it keeps failing, the trader's data shows as stale).
      if (page.entries.length === 0 && page.setAside.length > 0) {
        throw schemaError(new ExchangeSchemaError(type, user, `no entry could be read (first: ${page.setAside[0]!.reason})`, "0"));
      }
      return page;
    },

    userFunding: (user, startTime, endTime, o = HISTORY) =>
      info({ type: "userFunding", user, startTime, ...(endTime !== undefined && { endTime }) }, userFundingSchema, { ...o, subject: user }),

    userRole: (user, o = HISTORY) => info({ type: "userRole", user }, userRoleSchema, { ...o, subject: user }),

    allMids: (o = HISTORY, dex) => info({ type: "allMids", ...dexField(dex) }, allMidsSchema, o),

    stats: () => ({ ...stats, weightByLane: { ...stats.weightByLane } }),

    close: () => pool.close(),
  };
};

/** The client as the functions and the local runtime build it: settings from the one config. */
export const createHyperliquidClientFromConfig = (
  config: Pick<Config, "HYPERLIQUID_API_URL" | "HL_TIMEOUT_MS" | "HL_MAX_RETRIES">,
  budget: WeightBudget,
  logger?: AppLogger,
): HyperliquidClient =>
  createHyperliquidClient({
    baseUrl: config.HYPERLIQUID_API_URL,
    budget,
    timeoutMs: config.HL_TIMEOUT_MS,
    maxRetries: config.HL_MAX_RETRIES,
    ...(logger && { logger }),
  });
