import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { cachedPerpUniverse } from "#domain/perp-universe.js";
import { createHyperliquidClientFromConfig } from "#hyperliquid/client.js";
import { BudgetTimeoutError, ExchangeRequestError, ExchangeSchemaError } from "#hyperliquid/errors.js";
import { createDynamoBudgetLedgerFromConfig, createWeightBudgetFromConfig } from "#hyperliquid/from-config.js";
import { documentClient } from "./dynamodb.js";

/**
 * One weight budget and one exchange client per process, shared by every job in it (locally the
 * discovery, dispatch and worker handlers all run in one process and must share one budget).
 * In Lambda (`auto` → `dynamodb`) the budget is also shared across processes through the state
 * table, because many Lambdas can leave through one egress IP.
 */
const config = loadConfig();

const shared =
  config.HL_BUDGET_MODE === "dynamodb" ||
  (config.HL_BUDGET_MODE === "auto" && process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined);

export const weightBudget = createWeightBudgetFromConfig(
  config,
  shared ? { ledger: createDynamoBudgetLedgerFromConfig(config, documentClient) } : {},
);

export const exchange = createHyperliquidClientFromConfig(config, weightBudget, logger);

/** How long a process keeps the perp universe before asking again (20 × (2 + builder dexes) weight). */
export const PERP_UNIVERSE_MAX_AGE_MS = 3_600_000;

/**
 * Every perp coin of every perp dex, for deciding what is a perp fill: fetched by whichever job of
 * the process needs it first, then kept an hour. Tracking's lane pays: tracking is what waits on it.
 */
export const perpUniverse = cachedPerpUniverse(exchange, {
  call: { lane: "tracking" },
  maxAgeMs: PERP_UNIVERSE_MAX_AGE_MS,
  now: Date.now,
});

/**
 * A bad answer about one trader (wrong shape, refused request) will not get better by retrying the
 * whole message; it is counted and recorded on the trader instead.
 */
export const isPermanentExchangeError = (error: unknown): boolean =>
  error instanceof ExchangeSchemaError || error instanceof ExchangeRequestError;

/** The weight budget gave up waiting: the work was not done, and nothing is wrong with it. */
export const isBudgetTimeout = (error: unknown): boolean => error instanceof BudgetTimeoutError;
