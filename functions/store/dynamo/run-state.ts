import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RunStateStore } from "#domain/ports.js";
import { STATE_KEYS } from "./keys.js";

/**
 * Small operational items in the state table. The tracking cycle item is how `last_tracked_at`
 * stays answerable without a write per polled trader: one write per dispatched cycle and one per
 * processed message.
 */
export const createDynamoRunStateStore = (doc: DynamoDBDocumentClient, tableName: string): RunStateStore => ({
  async recordCycle(c) {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...STATE_KEYS.trackingCycle,
          cycle_id: c.cycleId,
          dispatched_at: c.dispatchedAt,
          messages: c.messages,
          traders: c.traders,
          completed_messages: 0,
          completed_traders: 0,
          ...(c.slice !== undefined && { slice_first: c.slice.first, slice_last: c.slice.last }),
        },
      }),
    );
  },

  async recordBatchDone(cycleId, traders, at) {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: STATE_KEYS.trackingCycle,
          UpdateExpression: "ADD completed_messages :one, completed_traders :n SET last_completed_at = :at",
          // A late message of an older cycle must not count towards the current one.
          ConditionExpression: "cycle_id = :c",
          ExpressionAttributeValues: { ":one": 1, ":n": traders, ":at": at, ":c": cycleId },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  },

  async latestCycle() {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: STATE_KEYS.trackingCycle }));
    const i = out.Item;
    if (i === undefined) return null;
    return {
      cycleId: String(i.cycle_id),
      dispatchedAt: Number(i.dispatched_at),
      messages: Number(i.messages),
      traders: Number(i.traders),
      completedMessages: Number(i.completed_messages ?? 0),
      completedTraders: Number(i.completed_traders ?? 0),
      lastCompletedAt: typeof i.last_completed_at === "number" ? i.last_completed_at : null,
      ...(typeof i.slice_first === "string" && typeof i.slice_last === "string" && { slice: { first: i.slice_first, last: i.slice_last } }),
    };
  },

  async getRotation() {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: STATE_KEYS.reconcileCursor }));
    const i = out.Item ?? {};
    return {
      cursor: typeof i.cursor === "string" ? i.cursor : null,
      walked: typeof i.walked === "number" ? i.walked : 0,
      lastWalk: typeof i.last_walk === "number" ? i.last_walk : null,
    };
  },

  async setRotation(r) {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...STATE_KEYS.reconcileCursor, cursor: r.cursor, walked: r.walked, last_walk: r.lastWalk },
      }),
    );
  },

  async getDiscoveryCursor() {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: STATE_KEYS.discoveryCursor }));
    const n = out.Item?.next_index;
    return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : 0;
  },

  async setDiscoveryCursor(index) {
    await doc.send(
      new PutCommand({ TableName: tableName, Item: { ...STATE_KEYS.discoveryCursor, next_index: index } }),
    );
  },
});
