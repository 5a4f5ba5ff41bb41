import { DescribeTableCommand, QueryCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Count, StatsReader } from "#domain/read-models.js";
import { ACTIVE_SHARD } from "./keys.js";

/**
 * Cheap counts. Table totals come from DescribeTable's ItemCount, which DynamoDB refreshes about
 * every six hours (approximate, free). Active traders are exact: a COUNT query on the sparse,
 * keys-only active-index reads ~60 bytes per trader, so even 100k traders are a few pages.
 */
export const createDynamoStatsReader = (
  client: DynamoDBClient,
  tables: { traders: string; events: string; connections: string },
): StatsReader => {
  const approximate = async (tableName: string): Promise<Count> => {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return { count: out.Table?.ItemCount ?? 0, approximate: true };
  };

  const activeTraders = async (): Promise<Count> => {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(
        new QueryCommand({
          TableName: tables.traders,
          IndexName: "active-index",
          KeyConditionExpression: "active_shard = :s",
          ExpressionAttributeValues: { ":s": { S: ACTIVE_SHARD } },
          Select: "COUNT",
          ...(start !== undefined ? { ExclusiveStartKey: start as never } : {}),
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return { count, approximate: false };
  };

  return {
    async counts() {
      const [traders, active_traders, events, websocket_connections] = await Promise.all([
        approximate(tables.traders),
        activeTraders(),
        approximate(tables.events),
        approximate(tables.connections),
      ]);
      return { traders, active_traders, events, websocket_connections };
    },
  };
};
