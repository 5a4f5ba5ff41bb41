import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { FeedFilters } from "#domain/feed/filters.js";
import type { ConnectionStore, FeedConnection } from "#domain/feed/ports.js";

/**
 * The DynamoDB adapter for live-feed connections (CONNECTIONS_TABLE, key `connection_id`).
 * API Gateway closes every WebSocket after 2 hours, so each item expires by TTL then, even when
 * no $disconnect ever arrives.
 */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

export const createDynamoConnectionStore = (
  doc: DynamoDBDocumentClient,
  tableName: string,
  now: () => number = Date.now,
): ConnectionStore => ({
  async add(c) {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          connection_id: c.connectionId,
          connected_at: c.connectedAt,
          expires_at: Math.floor(c.connectedAt / 1000) + CONNECTION_TTL_SECONDS,
          ...(c.filters !== undefined && { filters: c.filters }),
        },
      }),
    );
  },

  async setFilters(connectionId, filters) {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connection_id: connectionId },
          UpdateExpression: filters === undefined ? "REMOVE filters" : "SET filters = :f",
          // Never resurrect a connection that $disconnect already removed.
          ConditionExpression: "attribute_exists(connection_id)",
          ...(filters !== undefined && { ExpressionAttributeValues: { ":f": filters } }),
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  },

  async remove(connectionId) {
    await doc.send(new DeleteCommand({ TableName: tableName, Key: { connection_id: connectionId } }));
  },

  async list() {
    const out: FeedConnection[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: tableName,
          // Consistent: a subscribe acknowledged a moment ago must already filter the next event.
          ConsistentRead: true,
          ProjectionExpression: "connection_id, connected_at, filters",
          // TTL deletes lazily (up to days later); an expired item is a closed connection.
          FilterExpression: "expires_at > :now",
          ExpressionAttributeValues: { ":now": Math.floor(now() / 1000) },
          ...(cursor !== undefined && { ExclusiveStartKey: cursor }),
        }),
      );
      for (const item of page.Items ?? []) {
        out.push({
          connectionId: String(item.connection_id),
          connectedAt: typeof item.connected_at === "number" ? item.connected_at : 0,
          ...(item.filters !== undefined && item.filters !== null && { filters: item.filters as FeedFilters }),
        });
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor !== undefined);
    return out;
  },
});
