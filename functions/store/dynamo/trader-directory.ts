import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { Address } from "#domain/address.js";
import type { DiscoverySource } from "#domain/ports.js";
import type { PositionMap } from "#domain/positions.js";
import type { TraderDirectory, TraderView } from "#domain/read-models.js";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";

const ADDRESS = z.string().regex(/^0x[0-9a-f]{40}$/);
const traderKey = z.object({ address: ADDRESS }).strict();

const PROJECTION =
  "#a, first_seen_at, discovery_source, discovery_coin, is_active, positions, last_changed_at, last_failed_at, baseline_at, fills_cursor";

const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

const toView = (i: Record<string, unknown>): TraderView => ({
  address: i.address as Address,
  first_seen_at: String(i.first_seen_at),
  discovery_source: i.discovery_source as DiscoverySource,
  discovery_coin: typeof i.discovery_coin === "string" ? i.discovery_coin : null,
  is_active: i.is_active === true,
  lastChangedAt: num(i.last_changed_at),
  lastFailedAt: num(i.last_failed_at),
  baselineAt: num(i.baseline_at),
  fillsCursor: num(i.fills_cursor),
  positions: (i.positions as PositionMap | undefined) ?? {},
});

/** The traders table as the HTTP API reads it. */
export const createDynamoTraderDirectory = (doc: DynamoDBDocumentClient, tableName: string): TraderDirectory => ({
  async list(limit, cursor) {
    // Listing every trader (inactive ones included) has no narrower key than the table itself;
    // a page is one bounded Scan call with a projection.
    const start = cursor === undefined ? undefined : decodeCursor("traders", cursor, traderKey);
    const out = await doc.send(
      new ScanCommand({
        TableName: tableName,
        Limit: limit,
        ProjectionExpression: PROJECTION,
        ExpressionAttributeNames: { "#a": "address" },
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map(toView),
      nextCursor: last === undefined ? null : encodeCursor("traders", { address: last.address }),
    };
  },

  async get(address) {
    const out = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { address },
        ProjectionExpression: PROJECTION,
        ExpressionAttributeNames: { "#a": "address" },
      }),
    );
    return out.Item === undefined ? null : toView(out.Item);
  },

  async stopTracking(address) {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { address },
          // Without active_shard the trader drops out of the sparse active-index the dispatcher pages.
          UpdateExpression: "SET is_active = :f REMOVE active_shard",
          ConditionExpression: "attribute_exists(address)",
          ExpressionAttributeValues: { ":f": false },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  },
});
