import { ConditionalCheckFailedException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import type { FeedFilters } from "#domain/feed/filters.js";
import type { ConnectionStore, FeedConnection, WelcomeState } from "#domain/feed/ports.js";
import { conditionally } from "./conditional.js";
import { queryAll } from "./query-all.js";

/**
 * The DynamoDB adapter for live-feed connections (CONNECTIONS_TABLE, key `connection_id`).
 * API Gateway closes every WebSocket after 2 hours, so each item expires by TTL then, even when
 * no $disconnect ever arrives. The welcome's claim lives on the item (`welcome_by`,
 * `welcome_claimed_until`, then `welcomed_at`), so claiming it is one conditional write.
 */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/** When a connection's item expires (epoch seconds); its connection slot (./connection-slots.ts) expires with it. */
export const connectionExpiresAt = (connectedAt: number): number => Math.floor(connectedAt / 1000) + CONNECTION_TTL_SECONDS;

const welcomeAttributesSchema = z.object({
  welcome_by: z.string().optional(),
  welcome_claimed_until: z.number().optional(),
  welcomed_at: z.number().optional(),
});

export const welcomeStateOf = (item: Record<string, unknown>): WelcomeState => {
  const w = welcomeAttributesSchema.parse(item);
  if (w.welcomed_at !== undefined) return { status: "sent" };
  if (w.welcome_by !== undefined) return { status: "claimed", by: w.welcome_by, until: w.welcome_claimed_until ?? 0 };
  return { status: "unclaimed" };
};


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
          expires_at: connectionExpiresAt(c.connectedAt),
          ...(c.filters !== undefined && { filters: c.filters }),
          ...(c.shard !== undefined && { feed_shard: c.shard }),
        },
      }),
    );
  },

  async setFilters(connectionId, filters) {
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connection_id: connectionId },
          UpdateExpression: filters === undefined ? "REMOVE filters" : "SET filters = :f",
          // Never resurrect a connection that $disconnect already removed.
          ConditionExpression: "attribute_exists(connection_id)",
          ...(filters !== undefined && { ExpressionAttributeValues: { ":f": filters } }),
          // Where the welcome stands comes with the write, without a read of its own.
          ReturnValues: "ALL_NEW",
        }),
      );
      return welcomeStateOf(Attributes ?? {});
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  },

  async welcomeState(connectionId) {
    const { Item } = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { connection_id: connectionId },
        ConsistentRead: true,
        ProjectionExpression: "connection_id, welcome_by, welcome_claimed_until, welcomed_at",
      }),
    );
    return Item === undefined ? undefined : welcomeStateOf(Item);
  },

  async claimWelcome(connectionId, claim, at) {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connection_id: connectionId },
          UpdateExpression: "SET welcome_by = :by, welcome_claimed_until = :until",
          ConditionExpression:
            "attribute_exists(connection_id) AND attribute_not_exists(welcomed_at) AND " +
            "(attribute_not_exists(welcome_by) OR welcome_by = :by OR welcome_claimed_until < :at)",
          ExpressionAttributeValues: { ":by": claim.by, ":until": claim.until, ":at": at },
          // What kept the claim from us comes with the refusal, without a read of its own.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return "won";
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      // The document client leaves the refusal's item in the wire format.
      return e.Item === undefined ? undefined : welcomeStateOf(unmarshall(e.Item as Record<string, AttributeValue>));
    }
  },

  async markWelcomed(connectionId, at) {
    await conditionally(() =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connection_id: connectionId },
          UpdateExpression: "SET welcomed_at = :at",
          ConditionExpression: "attribute_exists(connection_id)",
          ExpressionAttributeValues: { ":at": at },
        }),
      ),
    );
  },

  async releaseWelcome(connectionId, claimant) {
    await conditionally(() =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connection_id: connectionId },
          UpdateExpression: "REMOVE welcome_by, welcome_claimed_until",
          ConditionExpression: "welcome_by = :by AND attribute_not_exists(welcomed_at)",
          ExpressionAttributeValues: { ":by": claimant },
        }),
      ),
    );
  },

  async remove(connectionId) {
    await doc.send(new DeleteCommand({ TableName: tableName, Key: { connection_id: connectionId } }));
  },

  async listShard(shard) {
    // The index is eventually consistent (in AWS, typically well under a second behind): a
    // subscribe acknowledged within that moment may see one more event under its old filters.
    const items = await queryAll(doc, {
      TableName: tableName,
      IndexName: SHARD_INDEX,
      KeyConditionExpression: "feed_shard = :shard",
      FilterExpression: "expires_at > :now",
      ProjectionExpression: "connection_id, connected_at, filters, welcomed_at",
      ExpressionAttributeValues: { ":shard": shard, ":now": Math.floor(now() / 1000) },
    });
    return items.map((item) => ({ ...listedConnection(item), shard }));
  },

  async occupiedShards(shards) {
    const occupied = new Set<number>();
    await Promise.all(
      Array.from({ length: shards }, async (_, shard) => {
        // One key is enough to know; an expired item not yet removed counts (a wasted message at worst).
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: SHARD_INDEX,
            KeyConditionExpression: "feed_shard = :shard",
            ExpressionAttributeValues: { ":shard": shard },
            ProjectionExpression: "connection_id",
            Limit: 1,
          }),
        );
        if ((page.Items?.length ?? 0) > 0) occupied.add(shard);
      }),
    );
    return occupied;
  },
});

/** #store/tables.js CONNECTIONS_TABLE's index of one fan-out shard's connections. */
const SHARD_INDEX = "shard-index";

const listedConnection = (item: Record<string, unknown>): FeedConnection => ({
  connectionId: String(item.connection_id),
  connectedAt: typeof item.connected_at === "number" ? item.connected_at : 0,
  ...(item.filters !== undefined && item.filters !== null && { filters: item.filters as FeedFilters }),
  welcomed: item.welcomed_at !== undefined,
});
