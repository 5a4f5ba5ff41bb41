import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Lane } from "#domain/exchange.js";
import type { BudgetLedger } from "./budget.js";
import { WINDOW_MS } from "./budget-window.js";

/**
 * The shared weight ledger on the state table: one item per fixed 60 s window
 * (pk "budget", sk = window start in epoch ms), counting weight leased per lane. Every process
 * behind one egress IP leases from it, so together they stay under the exchange's per-IP limit.
 *
 * A lease is one conditional UpdateItem. DynamoDB conditions cannot add, so the client turns
 * "used + n <= limit" into "used <= limit - n". Discovery and history are also capped at their
 * share and must leave tracking's expected demand free: the larger of tracking's lease in the
 * previous window (read once per window) and in this one, i.e.
 *   nontracking + n + max(tracking, trackingPrev) <= limit,
 * which splits into two linear conditions on `used` and `nontracking`.
 */

export interface DynamoBudgetLedgerOptions {
  doc: Pick<DynamoDBDocumentClient, "send">;
  tableName: string;
  /** The effective limit (after headroom) that all processes together must stay under. */
  limitPerMinute: number;
  discoveryShare: number;
  historyShare: number;
  /** Partition key; one per egress IP if several share a table. */
  pk?: string;
  /** Conditional writes tried per lease when other processes keep winning the race. */
  maxAttempts?: number;
}

/** The ledger's default partition key; the stack scopes a read-only function's lease grant to it. */
export const BUDGET_LEDGER_PK = "budget";

/** Items outlive their window by an hour (enough to read the previous window), then TTL removes them. */
const TTL_AFTER_WINDOW_S = 3_600;

interface WindowItem {
  used?: number;
  tracking?: number;
  discovery?: number;
  history?: number;
  nontracking?: number;
}

export const createDynamoBudgetLedger = (opts: DynamoBudgetLedgerOptions): BudgetLedger => {
  const { doc, tableName } = opts;
  const pk = opts.pk ?? BUDGET_LEDGER_PK;
  const limit = Math.floor(opts.limitPerMinute);
  const caps: Record<Lane, number> = {
    tracking: limit,
    discovery: Math.floor(limit * opts.discoveryShare),
    history: Math.floor(limit * opts.historyShare),
  };
  const maxAttempts = opts.maxAttempts ?? 3;
  /** Tracking lease of past windows: they no longer change, so one read per window is enough. */
  const trackingOf = new Map<number, number>();

  const read = async (start: number): Promise<WindowItem> => {
    const res = await doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk: String(start) }, ConsistentRead: true }));
    return (res.Item ?? {}) as WindowItem;
  };

  const previousTracking = async (start: number): Promise<number> => {
    const prev = start - WINDOW_MS;
    const known = trackingOf.get(prev);
    if (known !== undefined) return known;
    const tracking = (await read(prev)).tracking ?? 0;
    trackingOf.clear(); // only the latest previous window is ever asked for
    trackingOf.set(prev, tracking);
    return tracking;
  };

  /** The most `lane` may still lease given the window's counters. */
  const room = (lane: Lane, item: WindowItem, trackingPrev: number): number => {
    const byTotal = limit - (item.used ?? 0);
    if (lane === "tracking") return byTotal;
    const byReserve = limit - trackingPrev - (item.nontracking ?? 0);
    return Math.min(byTotal, byReserve, caps[lane] - (item[lane] ?? 0));
  };

  const write = async (lane: Lane, n: number, start: number, trackingPrev: number): Promise<void> => {
    const expiresAt = Math.floor((start + WINDOW_MS) / 1_000) + TTL_AFTER_WINDOW_S;
    const tracking = lane === "tracking";
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk, sk: String(start) },
        UpdateExpression: tracking
          ? "ADD #used :n, #lane :n SET #exp = :exp"
          : "ADD #used :n, #lane :n, #non :n SET #exp = :exp",
        ConditionExpression: tracking
          ? "attribute_not_exists(#used) OR #used <= :maxUsed"
          : "(attribute_not_exists(#used) OR #used <= :maxUsed) AND " +
            "(attribute_not_exists(#non) OR #non <= :maxNon) AND " +
            "(attribute_not_exists(#lane) OR #lane <= :maxLane)",
        ExpressionAttributeNames: { "#used": "used", "#lane": lane, "#exp": "expires_at", ...(tracking ? {} : { "#non": "nontracking" }) },
        ExpressionAttributeValues: {
          ":n": n,
          ":exp": expiresAt,
          ":maxUsed": limit - n,
          ...(tracking ? {} : { ":maxNon": limit - trackingPrev - n, ":maxLane": caps[lane] - n }),
        },
      }),
    );
  };

  return {
    async lease(lane, weight, now) {
      const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
      const windowEndsAt = start + WINDOW_MS;
      const refused = { granted: 0, windowEndsAt };
      if (!(weight > 0)) return refused;
      const trackingPrev = lane === "tracking" ? 0 : await previousTracking(start);
      // Optimistic first: most leases fit, and then a lease is exactly one write.
      let n = Math.min(weight, room(lane, {}, trackingPrev));
      for (let attempt = 1; attempt <= maxAttempts && n > 0; attempt++) {
        try {
          await write(lane, n, start, trackingPrev);
          return { granted: n, windowEndsAt };
        } catch (error) {
          if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
          // Full for `n`: grant what is left, if anything (another process may take it first).
          n = Math.min(weight, room(lane, await read(start), trackingPrev));
        }
      }
      return refused;
    },
  };
};
