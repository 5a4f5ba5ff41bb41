import { ZERO } from "#commons/decimal.js";
import { clearinghouseState } from "./clearinghouse.js";
import { dexOf, wireAsset } from "./coins.js";
import { byTimeRange, portfolio, userFills, userFillsByTime } from "./history.js";
import { accountValueOf } from "./margin.js";
import type { Market } from "./market.js";
import type { OrderLog } from "./orders.js";
import { deriveAddress } from "./prng.js";
import { DESERIALIZE_ERROR } from "./wire.js";

/**
 * The `/info` request types the project uses: validate the body the way the API does (a body
 * that does not fit the type is a 422) and build the answer from market state.
 */

export interface InfoContext {
  market: Market;
  /** Orders POST /exchange saw, for `orderStatus`. */
  orders: OrderLog;
  /** Addresses (lowercase) answered with the 2023 clearinghouseState shape. */
  oldShapeUsers: ReadonlySet<string>;
  recentTradesLimit: number;
  /** The user an approved agent (API wallet) trades for, as `userRole` tells it. */
  agentUser(address: string): string | undefined;
  /** `userRateLimit`: the address-based request limit as POST /exchange counts it. */
  rateLimit(user: string): { cumVlm: string; nRequestsUsed: number; nRequestsCap: number };
}

export type InfoOutcome =
  | { ok: true; type: string; user: string | null; body: unknown; items: number }
  | { ok: false; status: 422; text: string; type: string | null };

type Body = Record<string, unknown>;
type Handler = (req: Body, ctx: InfoContext) => unknown;

class BadRequest extends Error {}

/** A coin's tape newest first, as `recentTrades` answers it and the WebSocket snapshot repeats it. */
export const recentTrades = (market: Market, coin: string, limit: number) => market.tape(coin).slice(-limit).reverse();

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

const userOf = (req: Body): string => {
  if (typeof req.user !== "string" || !ADDRESS_RE.test(req.user)) throw new BadRequest("user");
  return req.user.toLowerCase();
};

const CLOID_RE = /^0x[0-9a-fA-F]{32}$/;

/** `oid` of orderStatus: an order id, or a cloid (the exchange takes either in the same field). */
const oidOf = (req: Body): number | string => {
  const oid = req.oid;
  if (typeof oid === "number" && Number.isSafeInteger(oid) && oid >= 0) return oid;
  if (typeof oid === "string" && CLOID_RE.test(oid)) return oid;
  throw new BadRequest("oid");
};

const timeOf = (req: Body, key: "startTime" | "endTime", required: boolean): number | null => {
  const value = req[key];
  if (value === undefined || value === null) {
    if (required) throw new BadRequest(key);
    return null;
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new BadRequest(key);
  return value;
};

const flagOf = (req: Body, key: string): boolean => {
  const value = req[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new BadRequest(key);
  return value;
};

/** `dex`: absent, null or `""` is the main dex; otherwise one `perpDexs` lists, or null when unknown. */
const dexOfReq = (req: Body, market: Market): string | null => {
  const value = req.dex;
  if (value === undefined || value === null || value === "") return "";
  if (typeof value !== "string") throw new BadRequest("dex");
  return market.builderDexes().includes(value) ? value : null;
};

/** A known dex, or a 422 (a clearinghouse or mids of a dex that does not exist cannot be read). */
const knownDexOf = (req: Body, market: Market): string => {
  const dex = dexOfReq(req, market);
  if (dex === null) throw new BadRequest("dex");
  return dex;
};

/** `perpDexs`: `null` for the main dex, then each builder dex with its deployer's settings. */
const perpDexs = (market: Market): unknown[] => [
  null,
  ...market.builderDexes().map((name) => {
    const coins = market.universe.filter((c) => dexOf(c.name) === name && !c.delisted).map((c) => c.name);
    return {
      name,
      fullName: `${name.toUpperCase()} Markets`,
      deployer: deriveAddress(market.seed, `dex-deployer:${name}`),
      oracleUpdater: null,
      feeRecipient: deriveAddress(market.seed, `dex-fees:${name}`),
      assetToStreamingOiCap: coins.map((coin) => [coin, "100000000.0"]),
      subDeployers: [["setOracle", [deriveAddress(market.seed, `dex-oracle:${name}`)]]],
      deployerFeeScale: "1.0",
      lastDeployerFeeScaleChangeTime: "1970-01-01T00:00:00",
      assetToFundingMultiplier: coins.map((coin) => [coin, "1.0"]),
      assetToFundingInterestRate: [],
    };
  }),
];

const HANDLERS: Record<string, Handler> = {
  perpDexs: (_req, { market }) => perpDexs(market),
  // The exchange answers `null` for a dex it does not know.
  meta: (req, { market }) => {
    const dex = dexOfReq(req, market);
    return dex === null ? null : { universe: market.universe.filter((c) => dexOf(c.name) === dex).map(wireAsset) };
  },
  allMids: (req, { market }) => market.mids(knownDexOf(req, market)),
  recentTrades: (req, { market, recentTradesLimit }) => {
    if (typeof req.coin !== "string") throw new BadRequest("coin");
    return recentTrades(market, req.coin, recentTradesLimit);
  },
  clearinghouseState: (req, { market, oldShapeUsers }) => {
    const user = userOf(req);
    return clearinghouseState(market.account(user), market, market.now(), oldShapeUsers.has(user), knownDexOf(req, market));
  },
  userFills: (req, { market }) => userFills(market.account(userOf(req)), flagOf(req, "aggregateByTime")),
  userFillsByTime: (req, { market }) =>
    userFillsByTime(
      market.account(userOf(req)),
      timeOf(req, "startTime", true) as number,
      timeOf(req, "endTime", false),
      flagOf(req, "aggregateByTime"),
    ),
  userNonFundingLedgerUpdates: (req, { market }) =>
    byTimeRange(
      market.account(userOf(req))?.ledger ?? [],
      timeOf(req, "startTime", true) as number,
      timeOf(req, "endTime", false),
    ),
  userFunding: (req, { market }) =>
    byTimeRange(
      market.account(userOf(req))?.funding ?? [],
      timeOf(req, "startTime", true) as number,
      timeOf(req, "endTime", false),
    ),
  orderStatus: (req, { orders }) => orders.status(userOf(req), oidOf(req)),
  userRateLimit: (req, { rateLimit }) => rateLimit(userOf(req)),
  userRole: (req, { market, agentUser }) => {
    const address = userOf(req);
    const user = agentUser(address);
    return user === undefined ? { role: market.roleOf(address) } : { role: "agent", data: { user } };
  },
  portfolio: (req, { market }) => {
    const account = market.account(userOf(req));
    const accountValue = account ? accountValueOf(account, (coin) => market.markOf(coin)) : undefined;
    return portfolio(account, market.now(), { accountValue: accountValue ?? ZERO });
  },
};

export const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.keys(HANDLERS));

/** Reads `type` and `user` without validating the rest (for stats and fault targeting). */
export const peek = (req: unknown): { type: string | null; user: string | null } => {
  if (typeof req !== "object" || req === null || Array.isArray(req)) return { type: null, user: null };
  const r = req as Body;
  return {
    type: typeof r.type === "string" ? r.type : null,
    user: typeof r.user === "string" ? r.user.toLowerCase() : null,
  };
};

export const answerInfo = (req: unknown, ctx: InfoContext): InfoOutcome => {
  const { type, user } = peek(req);
  const handler = type === null ? undefined : HANDLERS[type];
  if (!handler || type === null) return { ok: false, status: 422, text: DESERIALIZE_ERROR, type };
  try {
    const body = handler(req as Body, ctx);
    return { ok: true, type, user, body, items: Array.isArray(body) ? body.length : 0 };
  } catch (err) {
    if (err instanceof BadRequest) return { ok: false, status: 422, text: DESERIALIZE_ERROR, type };
    throw err;
  }
};
