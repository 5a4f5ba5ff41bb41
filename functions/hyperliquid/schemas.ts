import { z } from "zod";
import { ExchangeSchemaError } from "./errors.js";

/**
 * Zod schemas of every `/info` answer we use. Objects are loose: the exchange adds fields over
 * time (the 2023 `clearinghouseState` had `maxTradeSzs`; today's has `cumFunding`, `maxLeverage`
 * and `time`), and a new field must never break tracking. Amounts are checked to be plain decimal
 * strings and kept as strings, so nothing is rounded on the way in.
 */

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** A plain decimal string ("-0.00785"); numbers are refused because they may already have lost digits. */
export const decimalString = z
  .string({ error: (iss) => `expected decimal string, got ${describe(iss.input)}` })
  .regex(DECIMAL_RE, { error: (iss) => `expected decimal string, got ${JSON.stringify(iss.input)}` });

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

const time = z.number().int().nonnegative();
const side = z.enum(["B", "A"]);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "expected 0x address" });

// clearinghouseState -----------------------------------------------------------------------------

export const leverageSchema = z.looseObject({
  // "cross" and "isolated" today; a margin mode the exchange adds tomorrow must not make every
  // trader using it fail each poll for good, so any name is read and passed on as it is.
  type: z.string().min(1),
  value: z.number().positive(),
  rawUsd: decimalString.optional(),
});

export const positionSchema = z.looseObject({
  coin: z.string().min(1),
  szi: decimalString,
  entryPx: decimalString.nullable(),
  leverage: leverageSchema,
  positionValue: decimalString.nullable(),
  unrealizedPnl: decimalString.nullable(),
  returnOnEquity: decimalString.nullable().optional(),
  liquidationPx: decimalString.nullable(),
  marginUsed: decimalString.nullable(),
  // Current shape only.
  maxLeverage: z.number().optional(),
  cumFunding: z
    .looseObject({ allTime: decimalString, sinceOpen: decimalString, sinceChange: decimalString })
    .optional(),
  // 2023 shape only.
  maxTradeSzs: z.array(decimalString).optional(),
});

const marginSummarySchema = z.looseObject({
  accountValue: decimalString,
  totalMarginUsed: decimalString,
  totalNtlPos: decimalString,
  totalRawUsd: decimalString,
});

export const clearinghouseStateSchema = z.looseObject({
  assetPositions: z.array(z.looseObject({ type: z.string(), position: positionSchema })),
  marginSummary: marginSummarySchema,
  crossMarginSummary: marginSummarySchema,
  crossMaintenanceMarginUsed: decimalString.optional(),
  withdrawable: decimalString.optional(),
  time: time.optional(),
});

// meta -------------------------------------------------------------------------------------------

export const metaSchema = z.looseObject({
  universe: z.array(
    z.looseObject({
      name: z.string().min(1),
      szDecimals: z.number().int().nonnegative(),
      maxLeverage: z.number().positive(),
      onlyIsolated: z.boolean().optional(),
      isDelisted: z.boolean().optional(),
    }),
  ),
});

// perpDexs ---------------------------------------------------------------------------------------

/**
 * Index 0 is `null` (the main dex); then one object per builder-deployed dex. We read only the
 * name (the `dex` of every other request, and the prefix of its coins) and the display name; the
 * deployer's settings (fee recipient, oracle updater, OI caps, ...) pass through unread.
 */
export const perpDexsSchema = z.array(
  z
    .looseObject({
      name: z.string().regex(/^[A-Za-z0-9]+$/, { error: "expected a dex name (letters and digits)" }),
      fullName: z.string(),
      deployer: address.optional(),
    })
    .nullable(),
);

// trades and fills -------------------------------------------------------------------------------

/** One public trade, as `recentTrades` answers and the `trades` WebSocket channel pushes it. */
export const recentTradeSchema = z.looseObject({
  coin: z.string().min(1),
  side,
  px: decimalString,
  sz: decimalString,
  time,
  hash: z.string(),
  tid: z.number().int(),
  users: z.tuple([address, address]),
});

export const recentTradesSchema = z.array(recentTradeSchema);

export const fillSchema = z.looseObject({
  coin: z.string().min(1),
  px: decimalString,
  sz: decimalString,
  side,
  time,
  startPosition: decimalString,
  dir: z.string(),
  closedPnl: decimalString,
  hash: z.string(),
  oid: z.number().int(),
  // The 2023 recordings predate `tid` and `feeToken`; today's API always sends both.
  tid: z.number().int().optional(),
  crossed: z.boolean(),
  fee: decimalString,
  feeToken: z.string().nullable().optional(),
  builderFee: decimalString.optional(),
  // Only on the fills of a liquidation. What we read is checked; a shape we do not know is dropped
  // (the `dir` still names the trader's own liquidation) rather than failing the trader's fills.
  liquidation: z
    .looseObject({ liquidatedUser: z.string().optional(), markPx: decimalString.optional(), method: z.string().optional() })
    .nullish()
    .catch(undefined),
});

export const fillsSchema = z.array(fillSchema);

// account history --------------------------------------------------------------------------------

const historyPoints = z.array(z.tuple([time, decimalString]));

export const portfolioSchema = z.array(
  z.tuple([
    z.string(),
    z.looseObject({ accountValueHistory: historyPoints, pnlHistory: historyPoints, vlm: decimalString }),
  ]),
);

/**
 * One `userNonFundingLedgerUpdates` entry: what identifies it (time, hash, delta type) and, per
 * delta type, the fields the flow readers (#domain/metrics/flows.js) read, each checked to be what
 * they expect. Fields nobody reads are not checked: an odd value there must not cost the entry.
 * Types nobody reads pass with their type alone.
 */
const ledgerEntryBase = z.looseObject({
  time,
  hash: z.string(),
  delta: z.looseObject({ type: z.string().min(1) }),
});

const optionalFee = { fee: decimalString.optional() };
const party = { user: z.string(), destination: z.string() };
const LEDGER_READS: Record<string, z.ZodType> = {
  deposit: z.looseObject({ usdc: decimalString }),
  withdraw: z.looseObject({ usdc: decimalString, ...optionalFee }),
  accountClassTransfer: z.looseObject({ usdc: decimalString, toPerp: z.boolean() }),
  internalTransfer: z.looseObject({ usdc: decimalString, ...party, ...optionalFee }),
  subAccountTransfer: z.looseObject({ usdc: decimalString, ...party }),
  send: z.looseObject({
    token: z.string(),
    amount: decimalString,
    ...party,
    sourceDex: z.string(),
    destinationDex: z.string(),
    feeToken: z.string().optional(),
    ...optionalFee,
  }),
  vaultDeposit: z.looseObject({ vault: z.string(), usdc: decimalString }),
  vaultWithdraw: z.looseObject({ vault: z.string(), netWithdrawnUsd: decimalString }),
  vaultDistribution: z.looseObject({ usdc: decimalString }),
  vaultCreate: z.looseObject({ usdc: decimalString, ...optionalFee }),
  vaultLeaderCommission: z.looseObject({ usdc: decimalString }),
};

export const ledgerEntrySchema = ledgerEntryBase.superRefine((entry, ctx) => {
  const reads = Object.hasOwn(LEDGER_READS, entry.delta.type) ? LEDGER_READS[entry.delta.type] : undefined;
  const checked = reads?.safeParse(entry.delta);
  for (const issue of checked?.success === false ? checked.error.issues : []) {
    ctx.addIssue({ code: "custom", message: issue.message, path: ["delta", ...issue.path] });
  }
});

/** Every entry as the API should send it (the contract tests hold the recordings to this). */
export const ledgerUpdatesSchema = z.array(ledgerEntrySchema);

/**
 * A page as the client reads it: an array of anything. Each entry is then read on its own
 * (#hyperliquid/ledger.js), so one unreadable entry is set aside instead of failing the page and,
 * with it, every later page of the trader's ledger.
 */
export const ledgerPageSchema = z.array(z.unknown());

export const userFundingSchema = z.array(
  z.looseObject({
    time,
    hash: z.string(),
    delta: z.looseObject({
      type: z.literal("funding"),
      coin: z.string().min(1),
      usdc: decimalString,
      szi: decimalString,
      fundingRate: decimalString,
      nSamples: z.number().int().nullable().optional(),
    }),
  }),
);

// markets and orders -----------------------------------------------------------------------------

export const allMidsSchema = z.record(z.string(), decimalString);

const basicOrder = {
  coin: z.string().min(1),
  side,
  limitPx: decimalString,
  sz: decimalString,
  oid: z.number().int(),
  timestamp: time,
};

export const openOrdersSchema = z.array(z.looseObject(basicOrder));

const frontendOrderSchema = z.looseObject({
  ...basicOrder,
  origSz: decimalString,
  triggerPx: decimalString,
  triggerCondition: z.string(),
  isTrigger: z.boolean(),
  isPositionTpsl: z.boolean(),
  reduceOnly: z.boolean(),
  orderType: z.string(),
  tif: z.string().nullable(),
  cloid: z.string().nullable().optional(),
  // TP/SL orders attached to a parent; same shape, one level deep in practice.
  children: z.array(z.looseObject({ ...basicOrder })),
});

export const frontendOpenOrdersSchema = z.array(frontendOrderSchema);

const orderWithStatusSchema = z.looseObject({ order: frontendOrderSchema, status: z.string().min(1), statusTimestamp: time });

export const historicalOrdersSchema = z.array(orderWithStatusSchema);

/**
 * `orderStatus` (by `oid`, or by cloid passed as `oid`): `{status: "order", order: <one
 * historicalOrders element>}`, or `{status: "unknownOid"}` when the user has no such order
 * (docs: info endpoint, "Query order status by oid or cloid"; @nktkas/hyperliquid's
 * OrderStatusResponse). The inner `status` is "filled", "open", "canceled", "iocCancelRejected", ...
 */
export const orderStatusResponseSchema = z.discriminatedUnion("status", [
  z.looseObject({ status: z.literal("order"), order: orderWithStatusSchema }),
  z.looseObject({ status: z.literal("unknownOid") }),
]);

const bookLevel = z.looseObject({ px: decimalString, sz: decimalString, n: z.number().int().nonnegative() });

export const l2BookSchema = z.looseObject({
  coin: z.string().min(1),
  time,
  levels: z.tuple([z.array(bookLevel), z.array(bookLevel)]),
});

export const userRateLimitSchema = z.looseObject({
  cumVlm: decimalString,
  nRequestsUsed: z.number().int(),
  nRequestsCap: z.number().int(),
  nRequestsSurplus: z.number().int().optional(),
});

export const userRoleSchema = z.looseObject({ role: z.string().min(1) });

/** The schema for each request type; contract tests run every recorded answer through it. */
export const infoResponseSchemas = {
  clearinghouseState: clearinghouseStateSchema,
  meta: metaSchema,
  perpDexs: perpDexsSchema,
  recentTrades: recentTradesSchema,
  userFills: fillsSchema,
  userFillsByTime: fillsSchema,
  portfolio: portfolioSchema,
  userNonFundingLedgerUpdates: ledgerUpdatesSchema,
  userFunding: userFundingSchema,
  allMids: allMidsSchema,
  openOrders: openOrdersSchema,
  frontendOpenOrders: frontendOpenOrdersSchema,
  historicalOrders: historicalOrdersSchema,
  orderStatus: orderStatusResponseSchema,
  l2Book: l2BookSchema,
  userRateLimit: userRateLimitSchema,
  userRole: userRoleSchema,
} as const;

export type InfoType = keyof typeof infoResponseSchemas;
export type ClearinghouseStateResponse = z.infer<typeof clearinghouseStateSchema>;
export type MetaResponse = z.infer<typeof metaSchema>;
export type PerpDexsResponse = z.infer<typeof perpDexsSchema>;
export type HlFill = z.infer<typeof fillSchema>;
export type OrderStatusResponse = z.infer<typeof orderStatusResponseSchema>;
export type RecentTradesResponse = z.infer<typeof recentTradesSchema>;
export type PortfolioResponse = z.infer<typeof portfolioSchema>;
export type LedgerUpdate = z.infer<typeof ledgerUpdatesSchema>[number];
export type UserFundingUpdate = z.infer<typeof userFundingSchema>[number];
export type UserRole = z.infer<typeof userRoleSchema>;
export type AllMids = z.infer<typeof allMidsSchema>;

export const isInfoType = (type: unknown): type is InfoType =>
  typeof type === "string" && Object.hasOwn(infoResponseSchemas, type);

/** Dotted path of a zod issue: ["assetPositions", 0, "position", "szi"] → "assetPositions.0.position.szi". */
export const issuePath = (path: readonly PropertyKey[]): string => path.map(String).join(".");

/**
 * Parses `raw` or throws an ExchangeSchemaError naming the request type, the user or coin asked
 * about and every offending field path (the first few), so a log line says exactly what changed.
 */
export const parseInfoResponse = <S extends z.ZodType>(
  schema: S,
  raw: unknown,
  requestType: string,
  subject?: string,
): z.output<S> => {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const shown = issues
    .slice(0, 3)
    .map((i) => `${issuePath(i.path) || "(root)"}: ${i.message}`)
    .join("; ");
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : "";
  throw new ExchangeSchemaError(requestType, subject, shown + more, issuePath(issues[0]?.path ?? []));
};
