import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Fill } from "#domain/exchange.js";
import type { LiquidationMarker } from "#domain/history/ports.js";
import { conditionally } from "./conditional.js";

/**
 * Marks, in the events table, the events the trades stream told that the trader's own fills show
 * were his liquidation. The stream does not say which trades are liquidations, so those events
 * were stored with `liquidation: null`; the history sync later fetches his fills with their dirs
 * and hands over the liquidation ones.
 *
 * Only the trader's newest events are read (newest first, a page of 100 at a time, at most
 * MAX_PAGES), and only back to the events older than the earliest of the fills: an event is
 * stored seconds after its fills. The update is conditional on the flag still being null, so a
 * second sync of the same fills writes nothing, and an event a poll already decided is left as it
 * is. The feed publishes inserted events only: the mark shows on the trader page and in the
 * events API, not as a second live event.
 *
 * An event behind more than MAX_LISTED_TIDS fills lists only the first and last of their tids
 * (`tids_truncated`): a fill of its coin between its first and last fill time is behind it too.
 */

const PAGE = 100;
const MAX_PAGES = 5;

interface StoredDetails {
  coin?: unknown;
  tids?: unknown;
  tids_truncated?: unknown;
  first_fill_time?: unknown;
  liquidation?: unknown;
  last_fill_time?: unknown;
}

type MarkedFill = Pick<Fill, "tid" | "time" | "coin">;

/** Whether one of `fills` is behind the stored event: its tid is listed, or it is within a truncated list's range. */
const isBehind = (details: StoredDetails, fills: readonly MarkedFill[], tids: ReadonlySet<number>): boolean => {
  if (Array.isArray(details.tids) && details.tids.some((t) => tids.has(t as number))) return true;
  if (details.tids_truncated !== true) return false;
  const { coin, first_fill_time: first, last_fill_time: last } = details;
  if (typeof first !== "number" || typeof last !== "number") return false;
  return fills.some((f) => f.coin === coin && f.time >= first && f.time <= last);
};

export const createDynamoLiquidationMarker = (doc: DynamoDBDocumentClient, eventsTable: string): LiquidationMarker => ({
  async markLiquidations(address, fills) {
    if (fills.length === 0) return 0;
    const tids = new Set(fills.map((f) => f.tid));
    const earliest = Math.min(...fills.map((f) => f.time));
    let marked = 0;
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await doc.send(
        new QueryCommand({
          TableName: eventsTable,
          KeyConditionExpression: "trader_address = :a",
          ExpressionAttributeValues: { ":a": address },
          ProjectionExpression:
            "trader_address, sk, details.coin, details.tids, details.tids_truncated, details.liquidation, details.first_fill_time, details.last_fill_time",
          ScanIndexForward: false,
          Limit: PAGE,
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      let older = false;
      for (const item of out.Items ?? []) {
        const details = (item.details ?? {}) as StoredDetails;
        if (typeof details.last_fill_time === "number" && details.last_fill_time < earliest) older = true;
        if (!isBehind(details, fills, tids) || details.liquidation !== null) continue;
        const updated = await conditionally(() =>
          doc.send(
            new UpdateCommand({
              TableName: eventsTable,
              Key: { trader_address: item.trader_address, sk: item.sk },
              UpdateExpression: "SET details.liquidation = :t",
              ConditionExpression: "attribute_type(details.liquidation, :null)",
              ExpressionAttributeValues: { ":t": true, ":null": "NULL" },
            }),
          ),
        );
        if (updated) marked++;
      }
      start = out.LastEvaluatedKey;
      if (older || start === undefined) break;
    }
    return marked;
  },
});
