import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { ValidationError } from "#commons/errors.js";
import type { PositionEvent } from "#domain/events.js";
import { dexOfCoin } from "#domain/perp-universe.js";
import type { EventReader } from "#domain/read-models.js";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";

const eventKey = z
  .object({ trader_address: z.string().regex(/^0x[0-9a-f]{40}$/), sk: z.string().regex(/^\d{12}#[^#]{1,64}$/) })
  .strict();

/**
 * Strips the table's own keys (sk, day, ts_id) so clients see exactly the published event. Events
 * stored before they carried `dex` get it from their coin, as a new event would.
 */
const toEvent = (item: Record<string, unknown>): PositionEvent => {
  const { sk: _sk, day: _day, ts_id: _ts, ...event } = item;
  const e = event as unknown as PositionEvent;
  return e.details.dex === undefined ? { ...e, details: { ...e.details, dex: dexOfCoin(e.details.coin) } } : e;
};

export const createDynamoEventReader = (doc: DynamoDBDocumentClient, tableName: string): EventReader => ({
  async forTrader(address, limit, filter, cursor) {
    const start = cursor === undefined ? undefined : decodeCursor("events", cursor, eventKey);
    // A cursor of another trader's events is foreign here, whatever its shape.
    if (start !== undefined && start.trader_address !== address) {
      throw new ValidationError("Invalid cursor: it belongs to another trader's events");
    }
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":a": address };
    if (filter.eventType !== undefined) {
      filters.push("event_type = :t");
      values[":t"] = filter.eventType;
    }
    if (filter.coin !== undefined) {
      filters.push("#d.coin = :c");
      names["#d"] = "details";
      values[":c"] = filter.coin;
    }
    if (filter.dex !== undefined) {
      // By the coin's name, which every event has (older ones have no details.dex).
      names["#d"] = "details";
      if (filter.dex === "") {
        filters.push("NOT contains(#d.coin, :colon)");
        values[":colon"] = ":";
      } else {
        filters.push("begins_with(#d.coin, :dexp)");
        values[":dexp"] = `${filter.dex}:`;
      }
    }
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "trader_address = :a",
        ExpressionAttributeValues: values,
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ...(filters.length > 0 ? { FilterExpression: filters.join(" AND ") } : {}),
        // Newest first: sk starts with the zero-padded state version.
        ScanIndexForward: false,
        Limit: limit,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map(toEvent),
      nextCursor:
        last === undefined ? null : encodeCursor("events", { trader_address: last.trader_address, sk: last.sk }),
    };
  },
});
