import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Config, effectiveWeightPerMinute } from "#commons/config.js";
import type { WeightBudget } from "#domain/budget.js";
import { type BudgetLedger, type WeightBudgetOptions, createWeightBudget } from "./budget.js";
import { createDynamoBudgetLedger } from "./dynamo-ledger.js";
import { baseWeight } from "./weights.js";

/**
 * The budget and the shared ledger as the functions and the local runtime build them, so the
 * limit, headroom and shares come from the one config and cannot be set differently in two places.
 * Which of local or shared to use (HL_BUDGET_MODE) is the caller's choice: it knows where it runs.
 */

type BudgetConfig = Pick<Config, "HL_WEIGHT_PER_MINUTE" | "HL_WEIGHT_HEADROOM" | "HL_DISCOVERY_SHARE" | "HL_HISTORY_SHARE">;

export const createWeightBudgetFromConfig = (
  config: BudgetConfig,
  extra: Partial<Omit<WeightBudgetOptions, "limitPerMinute" | "discoveryShare" | "historyShare">> & { ledger?: BudgetLedger } = {},
): WeightBudget =>
  createWeightBudget({
    limitPerMinute: effectiveWeightPerMinute(config),
    discoveryShare: config.HL_DISCOVERY_SHARE,
    historyShare: config.HL_HISTORY_SHARE,
    ...extra,
  });

export const createDynamoBudgetLedgerFromConfig = (
  config: BudgetConfig & Pick<Config, "STATE_TABLE">,
  doc: Pick<DynamoDBDocumentClient, "send">,
): BudgetLedger =>
  createDynamoBudgetLedger({
    doc,
    tableName: config.STATE_TABLE,
    limitPerMinute: effectiveWeightPerMinute(config),
    discoveryShare: config.HL_DISCOVERY_SHARE,
    historyShare: config.HL_HISTORY_SHARE,
  });

/** Traders the weight budget can poll in one tracking interval (one clearinghouseState each). */
export const trackingPollsPerInterval = (
  config: Pick<Config, "HL_WEIGHT_PER_MINUTE" | "HL_WEIGHT_HEADROOM" | "TRACKING_INTERVAL_SECONDS">,
): number =>
  Math.max(1, Math.floor(((effectiveWeightPerMinute(config) / baseWeight("clearinghouseState")) * config.TRACKING_INTERVAL_SECONDS) / 60));
