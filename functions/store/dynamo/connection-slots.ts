import { createHash } from "node:crypto";
import { ConditionalCheckFailedException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { capOf, type FeedLimits } from "#domain/feed/limits.js";
import type { ConnectionSlots, SlotHolder } from "#domain/feed/ports.js";
import { conditionally } from "./conditional.js";
import { CONNECTION_TTL_SECONDS, connectionExpiresAt } from "./connections.js";
import { untilProcessed } from "./retry.js";

/**
 * The feed's connection caps in the state table (not the connections table: its stream INSERTs
 * greet clients, and the broadcaster lists it). A cap is a string set of slots on one item, each
 * slot `{expiresAt}:{connectionId}`:
 * - per source address, one item (`feed-slots#ip#{ip}`);
 * - in all, shards of at most SLOTS_PER_SHARD (`feed-slots#all#{n}`), so that no item grows with
 *   the cap (a write costs by item size) and no one item takes every connect. A connection tries
 *   the shard its id hashes to, then the next ones: the caps of the shards add up to the cap.
 * Taking a slot is one conditional write (ADD under `size(slots) < cap`), so parallel connects can
 * never overshoot, in any Lambda instance. A $disconnect deletes its slot, but API Gateway does not
 * promise one: a cap that is full is first cleared of dead slots, those whose connection expired
 * (API Gateway closes every connection after 2 h) or whose connection item is gone (the fan-out
 * deletes it on a 410, and so does $disconnect), and only then refuses. A slot younger than
 * ws-connect's timeout is never taken for dead (its connection may still be being stored), and the
 * look-up of connection items runs at most once a minute per item, so a flood at a full cap costs
 * one failed write per attempt. Each item expires by TTL after its newest slot.
 */

export const SLOTS_PER_SHARD = 100;
/** Longer than ws-connect's timeout (10 s): a younger slot may belong to a $connect still storing its connection. */
const SLOT_GRACE_SECONDS = 30;
/** How often a full item may have its connections looked up. */
const LOOKUP_EVERY_SECONDS = 60;
/** Clearing dead slots and trying again; more rounds only when slots die meanwhile. */
const ATTEMPTS = 3;

const ipKey = (ip: string) => ({ pk: `feed-slots#ip#${ip}`, sk: "slots" });
const shardKey = (shard: number) => ({ pk: `feed-slots#all#${shard}`, sk: "slots" });

/** The caps of the total's shards: full ones of SLOTS_PER_SHARD, the last one the rest. */
export const shardCaps = (maxConnections: number, perShard = SLOTS_PER_SHARD): number[] => {
  const shards = Math.ceil(maxConnections / perShard);
  return Array.from({ length: shards }, (_, i) => (i < shards - 1 ? perShard : maxConnections - perShard * (shards - 1)));
};

const homeShard = (connectionId: string, shards: number): number =>
  createHash("sha256").update(connectionId).digest().readUInt32BE(0) % shards;

const slotOf = (h: SlotHolder): string => `${connectionExpiresAt(h.connectedAt)}:${h.connectionId}`;

const parseSlot = (slot: string): { expiresAt: number; connectionId: string } => {
  const at = slot.indexOf(":");
  return { expiresAt: Number(slot.slice(0, at)), connectionId: slot.slice(at + 1) };
};

export const createDynamoConnectionSlots = (
  doc: DynamoDBDocumentClient,
  tables: { state: string; connections: string },
  limits: Pick<FeedLimits, "maxConnections" | "maxConnectionsPerIp">,
  o: { now?: () => number; slotsPerShard?: number } = {},
): ConnectionSlots => {
  const now = o.now ?? Date.now;
  const perIp = capOf(limits.maxConnectionsPerIp);
  const caps = limits.maxConnections === 0 ? [] : shardCaps(limits.maxConnections, o.slotsPerShard);

  /** Of these connections, those stored and not expired. */
  const stillOpen = async (ids: readonly string[], nowSec: number): Promise<Set<string>> => {
    const open = new Set<string>();
    for (let i = 0; i < ids.length; i += 100) {
      await untilProcessed(
        ids.slice(i, i + 100).map((connection_id) => ({ connection_id })),
        async (keys) => {
          const out = await doc.send(
            new BatchGetCommand({
              RequestItems: { [tables.connections]: { Keys: keys, ProjectionExpression: "connection_id, expires_at" } },
            }),
          );
          for (const item of out.Responses?.[tables.connections] ?? []) {
            if (typeof item.expires_at === "number" && item.expires_at > nowSec) open.add(String(item.connection_id));
          }
          return out.UnprocessedKeys?.[tables.connections]?.Keys as { connection_id: string }[] | undefined;
        },
        (keys) => keys.length === 0,
        "BatchGet connections",
      );
    }
    return open;
  };

  /** The slots of a full item that hold no open connection; `lookedUp` when connection items were read. */
  const deadSlots = async (slots: readonly string[], lookedUpAt: number | undefined, nowSec: number) => {
    const dead = slots.filter((s) => parseSlot(s).expiresAt <= nowSec);
    const lookUp = lookedUpAt === undefined || nowSec - lookedUpAt >= LOOKUP_EVERY_SECONDS;
    if (lookUp) {
      const old = slots.filter((s) => {
        const { expiresAt } = parseSlot(s);
        return expiresAt > nowSec && expiresAt - CONNECTION_TTL_SECONDS <= nowSec - SLOT_GRACE_SECONDS;
      });
      const open = await stillOpen(old.map((s) => parseSlot(s).connectionId), nowSec);
      dead.push(...old.filter((s) => !open.has(parseSlot(s).connectionId)));
    }
    return { dead, lookedUp: lookUp };
  };

  /** One conditional write, after clearing dead slots when the item is full; false: full of live ones. */
  const takeIn = async (key: { pk: string; sk: string }, slot: string, cap: number): Promise<boolean> => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const nowSec = Math.floor(now() / 1000);
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tables.state,
            Key: key,
            UpdateExpression: "ADD slots :slot SET expires_at = :expires",
            ConditionExpression: "attribute_not_exists(slots) OR size(slots) < :cap",
            ExpressionAttributeValues: {
              ":slot": new Set([slot]),
              ":cap": cap,
              // The newest slot expires last; a minute's margin for clocks that differ between instances.
              ":expires": parseSlot(slot).expiresAt + 60,
            },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return true;
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        const old = e.Item === undefined ? {} : unmarshall(e.Item as Record<string, AttributeValue>);
        const slots = old.slots instanceof Set ? [...(old.slots as Set<string>)] : [];
        if (slots.includes(slot)) return true; // a retried $connect
        const { dead, lookedUp } = await deadSlots(slots, typeof old.looked_up_at === "number" ? old.looked_up_at : undefined, nowSec);
        if (dead.length === 0 && !lookedUp) return false;
        await conditionally(() =>
          doc.send(
            new UpdateCommand({
              TableName: tables.state,
              Key: key,
              UpdateExpression: [dead.length > 0 && "DELETE slots :dead", lookedUp && "SET looked_up_at = :at"].filter(Boolean).join(" "),
              ConditionExpression: "attribute_exists(pk)", // never recreates an item TTL took meanwhile
              ExpressionAttributeValues: { ...(dead.length > 0 && { ":dead": new Set(dead) }), ...(lookedUp && { ":at": nowSec }) },
            }),
          ),
        );
        if (dead.length === 0) return false;
      }
    }
    return false;
  };

  const releaseIn = (key: { pk: string; sk: string }, slot: string) =>
    conditionally(() =>
      doc.send(
        new UpdateCommand({
          TableName: tables.state,
          Key: key,
          UpdateExpression: "DELETE slots :slot",
          // Never creates an item; false when the slot is not there (it is in another shard).
          ConditionExpression: "contains(slots, :one)",
          ExpressionAttributeValues: { ":slot": new Set([slot]), ":one": slot },
        }),
      ),
    );

  /** The total's shards in the order a connection tries them. */
  const shardOrder = (connectionId: string): number[] => {
    const home = homeShard(connectionId, caps.length);
    return caps.map((_, i) => (home + i) % caps.length);
  };

  return {
    async take(h) {
      const slot = slotOf(h);
      if (Number.isFinite(perIp) && !(await takeIn(ipKey(h.ip), slot, perIp))) return { taken: false, cap: "ip" };
      for (const shard of shardOrder(h.connectionId)) {
        if (await takeIn(shardKey(shard), slot, caps[shard]!)) return { taken: true };
      }
      if (caps.length === 0) return { taken: true };
      if (Number.isFinite(perIp)) await releaseIn(ipKey(h.ip), slot);
      return { taken: false, cap: "total" };
    },

    async release(h) {
      const slot = slotOf(h);
      if (Number.isFinite(perIp)) await releaseIn(ipKey(h.ip), slot);
      // Mostly in its home shard; in a later one when that was full as it connected.
      for (const shard of shardOrder(h.connectionId)) {
        if (await releaseIn(shardKey(shard), slot)) return;
      }
    },
  };
};
