import { z } from "zod";
import { isDecimalString } from "#commons/decimal.js";
import { isAddress, type Address } from "#domain/address.js";
import { followerBody, followerBodySchema } from "#domain/copy/follower-schema.js";
import { orderFields, orderFieldsShape } from "#domain/copy/order-fields.js";
import type { CopyAccount, CopyEquityPoint, CopyOrder, FollowerRecord } from "#domain/copy/ports.js";

/**
 * The followers table's items and how they read back (layout on FOLLOWERS_TABLE). Everything
 * read is checked with zod: a corrupt item is an error that names the follower and the item,
 * not a NaN or an undefined that surfaces three calls later in the engine's arithmetic.
 */

const pad13 = (ms: number): string => String(ms).padStart(13, "0");

export const SK = {
  config: "config",
  account: "account",
  leaderPrefix: "leader#",
  orderPrefix: "order#",
  pendingPrefix: "pending#",
  equityPrefix: "equity#",
} as const;

/**
 * The leader-index partition every config item sits in (not an address, so no leader's link
 * can share it): listing followers is one Query of it, not a Scan over every order and equity point.
 */
export const FOLLOWER_LIST_PARTITION = "#followers";

export const leaderSk = (leader: Address): string => `${SK.leaderPrefix}${leader}`;
export const orderSk = (signalAt: number, cloid: string): string => `${SK.orderPrefix}${pad13(signalAt)}#${cloid}`;
export const pendingSk = (cloid: string): string => `${SK.pendingPrefix}${cloid}`;
export const equitySk = (time: number): string => `${SK.equityPrefix}${pad13(time)}`;

const decimal = z.string().refine(isDecimalString, "expected a decimal string");
const address = z.string().refine(isAddress, "expected an address").transform((a) => a as Address);
const ms = z.number().int().nonnegative();
const decimalsByAddress = z.record(z.string(), decimal).transform((r) => r as Readonly<Record<Address, string>>);
const position = z.object({ szi: decimal, entryPx: decimal });

/** Parses with `schema`, or throws an error naming the follower and the item. */
const checked = <T>(schema: z.ZodType<T>, value: unknown, followerId: string, what: string): T => {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new Error(`follower ${followerId}: the stored ${what} is corrupt (${z.prettifyError(r.error).replace(/\n/g, "; ")})`);
};

// ---- config ----

const configItemSchema = z.object({
  follower_id: z.string(),
  config: followerBodySchema,
  state: z.enum(["active", "paused", "stopped"]),
  pause: z
    .object({ reason: z.enum(["daily_loss_limit", "max_drawdown", "order_errors", "agent_key", "user"]), message: z.string(), at: ms })
    .nullable(),
  close_requested: z.boolean(),
  created_at: ms,
  updated_at: ms,
  version: z.number().int().nonnegative(),
});

/** The config is stored as the API's body (follower-schema.ts) and parsed back by the same schema. */
export const configItem = (r: FollowerRecord): Record<string, unknown> => ({
  follower_id: r.id,
  sk: SK.config,
  leader_address: FOLLOWER_LIST_PARTITION,
  config: followerBody(r.config),
  state: r.state,
  pause: r.pause,
  close_requested: r.closeRequested,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  version: r.version,
});

export const recordFromItem = (item: Record<string, unknown>): FollowerRecord => {
  const i = checked(configItemSchema, item, String(item.follower_id), "config");
  return {
    id: i.follower_id,
    config: i.config,
    state: i.state,
    pause: i.pause,
    closeRequested: i.close_requested,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    version: i.version,
  };
};

// ---- orders ----

const orderSchema = z.object({
  ...orderFieldsShape(decimal),
  leader: address.nullable(),
  oid: z.number().int().nullable(),
  signal_at: ms,
  sent_at: ms.nullable(),
  filled_at: ms.nullable(),
});

/** An order's fields as stored: in its own item, and in the account's `unsettled` list. */
const orderBody = (o: CopyOrder) => ({ ...orderFields(o), oid: o.oid, signal_at: o.signalAt, sent_at: o.sentAt, filled_at: o.filledAt });

const orderOf = (followerId: string, o: z.infer<typeof orderSchema>): CopyOrder => ({
  followerId,
  cloid: o.cloid,
  eventId: o.event_id,
  leader: o.leader,
  coin: o.coin,
  side: o.side,
  size: o.size,
  limitPrice: o.limit_price,
  reduceOnly: o.reduce_only,
  status: o.status,
  fillPrice: o.fill_price,
  filledSize: o.filled_size,
  feeUsd: o.fee_usd,
  oid: o.oid,
  error: o.error,
  signalAt: o.signal_at,
  sentAt: o.sent_at,
  filledAt: o.filled_at,
});

/** An order's item under `sk` (its own key, or its `pending#` marker, which carries a full copy). */
export const orderItem = (o: CopyOrder, sk: string): Record<string, unknown> => ({ follower_id: o.followerId, sk, ...orderBody(o) });

export const orderFromItem = (followerId: string, item: Record<string, unknown>): CopyOrder =>
  orderOf(followerId, checked(orderSchema, item, followerId, `order ${String(item.sk)}`));

// ---- account ----

const legMemory = z.union([
  z.object({
    kind: z.literal("copying"),
    side: z.union([z.literal(1), z.literal(-1)]),
    ratio: decimal.optional(),
    openVersion: z.number().int().nonnegative().optional(),
    equityRatio: decimal.optional(),
    leaderSzi: decimal.optional(),
  }),
  z.object({ kind: z.literal("ignored"), side: z.union([z.literal(1), z.literal(-1)]) }),
]);

const accountStateSchema = z.object({
  memory: z.record(z.string(), legMemory),
  ledger: z
    .object({ balanceUsd: decimal, positions: z.record(z.string(), position), realizedPnlUsd: decimal, feesUsd: decimal })
    .optional(),
  carried: z.record(z.string(), decimal),
  baseline: z.object({ at: ms, followerEquityUsd: decimal, leaderEquityUsd: decimalsByAddress }).nullable(),
  dayStart: z.object({ day: z.number().int(), equityUsd: decimal }).nullable(),
  peakEquityUsd: decimal.nullable(),
  actual: z
    .object({
      at: ms,
      positions: z.record(z.string(), position),
      equityUsd: decimal,
      realizedPnlUsd: decimal,
      feesUsd: decimal,
      leaderEquityUsd: decimalsByAddress,
      leadersGrowth: decimal.nullable().optional(),
      marks: z.record(z.string(), decimal).optional(),
    })
    .nullable(),
  lastReconciledAt: ms.nullable(),
  /** Absent on items written before fees were read once a minute: none waiting. */
  unsettled: z.array(orderSchema).optional(),
  fillsReadAt: ms.optional(),
  orderErrorsInARow: z.number().int().positive().optional(),
});

const accountItemSchema = z.object({ version: z.number().int().positive(), state: accountStateSchema });

/** Stored under its next version: the commit that writes it is the (version + 1)th. */
export const accountItem = (a: CopyAccount): Record<string, unknown> => {
  const { followerId, version, unsettled, ...state } = a;
  const waiting = unsettled !== undefined && unsettled.length > 0 ? { unsettled: unsettled.map(orderBody) } : {};
  return { follower_id: followerId, sk: SK.account, version: version + 1, state: { ...state, ...waiting } };
};

export const accountFromItem = (followerId: string, item: Record<string, unknown>): CopyAccount => {
  const i = checked(accountItemSchema, item, followerId, "account");
  const { ledger, unsettled, ...rest } = i.state;
  return {
    followerId,
    version: i.version,
    ...rest,
    ...(ledger !== undefined && { ledger }),
    ...(unsettled !== undefined && { unsettled: unsettled.map((o) => orderOf(followerId, o)) }),
  };
};

/** An account item read with only `state.lastReconciledAt` (FollowerStore.lastRuns). */
const lastRunItemSchema = z.object({ state: z.object({ lastReconciledAt: ms.nullable().optional() }) });

export const lastRunOf = (item: Record<string, unknown>): number | null =>
  checked(lastRunItemSchema, item, String(item.follower_id), "account").state.lastReconciledAt ?? null;

export const emptyAccount = (followerId: string): CopyAccount => ({
  followerId,
  version: 0,
  memory: {},
  carried: {},
  baseline: null,
  dayStart: null,
  peakEquityUsd: null,
  actual: null,
  lastReconciledAt: null,
});

// ---- equity points ----

const equitySchema = z.object({ time: ms, equity_usd: decimal, leader_equity_usd: decimalsByAddress.optional() });

export const equityItem = (followerId: string, p: CopyEquityPoint): Record<string, unknown> => ({
  follower_id: followerId,
  sk: equitySk(p.time),
  time: p.time,
  equity_usd: p.equityUsd,
  ...(p.leaderEquityUsd !== undefined && { leader_equity_usd: p.leaderEquityUsd }),
});

export const equityFromItem = (followerId: string, item: Record<string, unknown>): CopyEquityPoint => {
  const p = checked(equitySchema, item, followerId, `equity point ${String(item.sk)}`);
  return { time: p.time, equityUsd: p.equity_usd, ...(p.leader_equity_usd !== undefined && { leaderEquityUsd: p.leader_equity_usd }) };
};
