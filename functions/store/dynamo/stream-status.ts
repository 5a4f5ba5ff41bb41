import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { newStreamStatus, type StreamStatus, type StreamStatusStore } from "#domain/stream-status.js";
import { conditionally } from "./conditional.js";
import { STATE_KEYS } from "./keys.js";

/** The listener's lease and status: one item in the state table, written with conditions only. */

const n = z.number();
const statusSchema = z.object({
  listener_id: z.string(),
  state: z.enum(["connecting", "connected", "reconnecting", "stopped"]),
  started_at: n,
  heartbeat_at: n,
  lease_until: n,
  last_trade_at: n.nullable(),
  last_message_at: n.nullable(),
  reconnects: n,
  gaps: n,
  coins: n,
  tracked: n,
  trades: n,
  backlog_ms: n,
  polls: n,
  events: n,
  handed_off: n,
  discovered: n,
});

const toItem = (s: StreamStatus) => ({
  ...STATE_KEYS.streamListener,
  listener_id: s.listenerId,
  state: s.state,
  started_at: s.startedAt,
  heartbeat_at: s.heartbeatAt,
  lease_until: s.leaseUntil,
  last_trade_at: s.lastTradeAt,
  last_message_at: s.lastMessageAt,
  reconnects: s.reconnects,
  gaps: s.gaps,
  coins: s.coins,
  tracked: s.tracked,
  trades: s.trades,
  backlog_ms: s.backlogMs,
  polls: s.polls,
  events: s.events,
  handed_off: s.handedOff,
  discovered: s.discovered,
});

const fromItem = (item: Record<string, unknown>): StreamStatus | null => {
  const p = statusSchema.safeParse(item);
  if (!p.success) {
    // Unreadable but with its lease keys: a stopped holder, so the next run takes over by CAS.
    const { listener_id, heartbeat_at } = item;
    if (typeof listener_id !== "string" || typeof heartbeat_at !== "number") return null;
    return { ...newStreamStatus(listener_id, 0, 0), state: "stopped", heartbeatAt: heartbeat_at };
  }
  const i = p.data;
  return {
    listenerId: i.listener_id,
    state: i.state,
    startedAt: i.started_at,
    heartbeatAt: i.heartbeat_at,
    leaseUntil: i.lease_until,
    lastTradeAt: i.last_trade_at,
    lastMessageAt: i.last_message_at,
    reconnects: i.reconnects,
    gaps: i.gaps,
    coins: i.coins,
    tracked: i.tracked,
    trades: i.trades,
    backlogMs: i.backlog_ms,
    polls: i.polls,
    events: i.events,
    handedOff: i.handed_off,
    discovered: i.discovered,
  };
};

export const createDynamoStreamStatusStore = (doc: DynamoDBDocumentClient, tableName: string): StreamStatusStore => ({
  async read() {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: STATE_KEYS.streamListener, ConsistentRead: true }));
    // An item this code cannot read is treated as no holder: a listener takes over and rewrites it.
    return out.Item === undefined ? null : fromItem(out.Item);
  },

  claim(next, seen) {
    return conditionally(() =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: toItem(next),
          ...(seen === null
            ? {
                // Nothing, or nothing with lease keys this code can read.
                ConditionExpression: "attribute_not_exists(pk) OR NOT attribute_type(listener_id, :s) OR NOT attribute_type(heartbeat_at, :n)",
                ExpressionAttributeValues: { ":s": "S", ":n": "N" },
              }
            : {
                ConditionExpression: "listener_id = :id AND heartbeat_at = :hb",
                ExpressionAttributeValues: { ":id": seen.listenerId, ":hb": seen.heartbeatAt },
              }),
        }),
      ),
    );
  },

  heartbeat(status) {
    return conditionally(() =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: toItem(status),
          ConditionExpression: "listener_id = :id",
          ExpressionAttributeValues: { ":id": status.listenerId },
        }),
      ),
    );
  },

  async markFinished(listenerId, at) {
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...STATE_KEYS.streamListenerFinished, listener_id: listenerId, at } }));
  },

  async finished(listenerId) {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: STATE_KEYS.streamListenerFinished, ConsistentRead: true }));
    return out.Item?.listener_id === listenerId;
  },
});
