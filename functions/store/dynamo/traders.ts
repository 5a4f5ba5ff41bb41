import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { Address } from "#domain/address.js";
import { chunk } from "#domain/concurrency.js";
import type { PositionEvent } from "#domain/events.js";
import type { NewTrader, TraderStore, TrackingState, Transition } from "#domain/ports.js";
import type { PositionMap } from "#domain/positions.js";
import { ACTIVE_SHARD, eventSortKey } from "./keys.js";
import { untilProcessed } from "./retry.js";
import { conditionally } from "./conditional.js";

/**
 * The DynamoDB adapter for traders and their tracking state (and the events written with it).
 * Only the tracking worker commits transitions, so only it needs (and is granted) the events table.
 */
export const createDynamoTraderStore = (
  doc: DynamoDBDocumentClient,
  tables: { traders: string; events?: string },
): TraderStore => {
  const isConditionFailure = (e: unknown): boolean => e instanceof ConditionalCheckFailedException;

  /** Sends a conditional update; false when its condition failed (the caller decides what that means). */
  const unlessConditionFails = async (command: UpdateCommand): Promise<boolean> => {
    try {
      await doc.send(command);
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  };

  const batchGet = async (addresses: readonly Address[], projection: string, consistent = false): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    for (const part of chunk([...new Set(addresses)], 100)) {
      await untilProcessed(
        part.map((address) => ({ address })),
        async (keys) => {
          const out = await doc.send(
            new BatchGetCommand({
              RequestItems: {
                [tables.traders]: {
                  Keys: keys,
                  ProjectionExpression: projection,
                  ExpressionAttributeNames: { "#a": "address" },
                  ...(consistent && { ConsistentRead: true }),
                },
              },
            }),
          );
          items.push(...(out.Responses?.[tables.traders] ?? []));
          return out.UnprocessedKeys?.[tables.traders]?.Keys as { address: Address }[] | undefined;
        },
        (keys) => keys.length === 0,
        "BatchGet traders",
      );
    }
    return items;
  };

  /** A conditional write of TrackingState.tradedAt; a failed condition means there is nothing to do. */
  const tradedAtUpdate = async (address: Address, update: string, condition: string, tradedAt: number): Promise<void> => {
    await unlessConditionFails(
      new UpdateCommand({
        TableName: tables.traders,
        Key: { address },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: { ":t": tradedAt },
      }),
    );
  };

  const store: TraderStore = {
    async addTrader(t: NewTrader) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tables.traders,
            Item: {
              address: t.address,
              first_seen_at: new Date(t.at).toISOString(),
              discovery_source: t.source,
              discovery_coin: t.coin ?? null,
              is_active: true,
              active_shard: ACTIVE_SHARD,
            },
            // Never overwrite an existing trader: first_seen_at must stay the first time.
            ConditionExpression: "attribute_not_exists(address)",
          }),
        );
        return { created: true, reactivated: false };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tables.traders,
            Key: { address: t.address },
            // A trader tracked again takes a new baseline on his next poll (TrackingState.needsBaseline).
            UpdateExpression: "SET is_active = :t, active_shard = :s, needs_baseline = :t",
            ConditionExpression: "is_active = :f",
            ExpressionAttributeValues: { ":t": true, ":f": false, ":s": ACTIVE_SHARD },
          }),
        );
        return { created: false, reactivated: true };
      } catch (e) {
        if (isConditionFailure(e)) return { created: false, reactivated: false };
        throw e;
      }
    },

    async unknown(addresses) {
      if (addresses.length === 0) return [];
      const known = new Set((await batchGet(addresses, "#a")).map((i) => i.address as string));
      return [...new Set(addresses)].filter((a) => !known.has(a));
    },

    async pageActive(limit, cursor) {
      const out = await doc.send(
        new QueryCommand({
          TableName: tables.traders,
          IndexName: "active-index",
          KeyConditionExpression: "active_shard = :s",
          ExpressionAttributeValues: { ":s": ACTIVE_SHARD },
          Limit: limit,
          ...(cursor !== undefined ? { ExclusiveStartKey: { active_shard: ACTIVE_SHARD, address: cursor } } : {}),
        }),
      );
      const addresses = (out.Items ?? []).map((i) => i.address as Address);
      const last = out.LastEvaluatedKey?.address as string | undefined;
      return last !== undefined ? { addresses, cursor: last } : { addresses };
    },

    async pageHinted(limit, cursor) {
      const out = await doc.send(
        new ScanCommand({
          TableName: tables.traders,
          IndexName: "hinted-index",
          Limit: limit,
          ...(cursor !== undefined && { ExclusiveStartKey: cursor }),
        }),
      );
      const traders = (out.Items ?? [])
        .filter((i) => i.active_shard === ACTIVE_SHARD && typeof i.traded_at === "number")
        .map((i) => ({
          address: i.address as Address,
          tradedAt: i.traded_at as number,
          lastFailedAt: typeof i.last_failed_at === "number" ? i.last_failed_at : undefined,
        }));
      return out.LastEvaluatedKey !== undefined ? { traders, cursor: out.LastEvaluatedKey } : { traders };
    },

    async trackingStates(addresses, opts) {
      const projection = "#a, is_active, positions, state_version, fills_cursor, as_of, dex_seen, dex_hints, needs_baseline, traded_at, as_of_tids";
      const items = await batchGet(addresses, projection, opts?.consistent === true);
      const states = new Map<Address, TrackingState>();
      for (const i of items) {
        const address = i.address as Address;
        states.set(address, {
          address,
          isActive: i.is_active === true,
          version: typeof i.state_version === "number" ? i.state_version : undefined,
          positions: (i.positions as PositionMap | undefined) ?? {},
          fillsCursor: typeof i.fills_cursor === "number" ? i.fills_cursor : undefined,
          asOf: typeof i.as_of === "number" ? i.as_of : undefined,
          asOfTids: Array.isArray(i.as_of_tids) ? i.as_of_tids.filter((t): t is number => typeof t === "number") : undefined,
          dexes: (i.dex_seen as Record<string, number> | undefined) ?? {},
          dexHints: (i.dex_hints as Record<string, number> | undefined) ?? {},
          needsBaseline: i.needs_baseline === true,
          tradedAt: typeof i.traded_at === "number" ? i.traded_at : undefined,
        });
      }
      return states;
    },

    async saveBaseline(address, positions, fillsCursor, at) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tables.traders,
            Key: { address },
            UpdateExpression:
              "SET positions = :p, state_version = :v, fills_cursor = :c, as_of = :c, baseline_at = :at, last_changed_at = :at REMOVE needs_baseline, as_of_tids",
            ConditionExpression: "attribute_exists(address) AND attribute_not_exists(state_version)",
            ExpressionAttributeValues: { ":p": positions, ":v": 0, ":c": fillsCursor, ":at": at },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },

    async rebaseline(address, expectedVersion, positions, fillsCursor, at) {
      return conditionally(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.traders,
            Key: { address },
            // baseline_at moves too: tracking's fills cover only from here (the history plan joins
            // the two there), and last_changed_at makes the history sync fetch the gap's fills.
            UpdateExpression:
              "SET positions = :p, state_version = :next, fills_cursor = :c, as_of = :c, baseline_at = :at, last_changed_at = :at REMOVE needs_baseline, as_of_tids",
            ConditionExpression: "state_version = :v AND needs_baseline = :t",
            ExpressionAttributeValues: { ":p": positions, ":v": expectedVersion, ":next": expectedVersion + 1, ":c": fillsCursor, ":at": at, ":t": true },
          }),
        ),
      );
    },

    async commitTransition(t: Transition) {
      const eventsTable = tables.events;
      if (eventsTable === undefined) throw new Error("This trader store was built without an events table");
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tables.traders,
                  Key: { address: t.address },
                  UpdateExpression:
                    t.asOfTids !== undefined
                      ? "SET positions = :p, state_version = :nv, fills_cursor = :c, as_of = :asof, as_of_tids = :tids, last_changed_at = :at"
                      : "SET positions = :p, state_version = :nv, fills_cursor = :c, as_of = :asof, last_changed_at = :at REMOVE as_of_tids",
                  ConditionExpression: "state_version = :ev",
                  ExpressionAttributeValues: {
                    ":p": t.positions,
                    ":nv": t.newVersion,
                    ":ev": t.expectedVersion,
                    ":c": t.fillsCursor,
                    ":asof": t.asOf,
                    ":at": t.at,
                    ...(t.asOfTids !== undefined && { ":tids": [...t.asOfTids] }),
                  },
                },
              },
              ...t.events.map((e) => ({
                Put: {
                  TableName: eventsTable,
                  Item: eventItem(e),
                  ConditionExpression: "attribute_not_exists(sk)",
                },
              })),
            ],
          }),
        );
        return "committed" as const;
      } catch (e) {
        const reasons = e instanceof TransactionCanceledException ? (e.CancellationReasons ?? []) : [];
        if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) return "conflict" as const;
        throw e;
      }
    },

    async recordFailure(address, at, message, tradedAt) {
      await unlessConditionFails(
        new UpdateCommand({
          TableName: tables.traders,
          Key: { address },
          UpdateExpression: "SET last_failed_at = :at, last_error = :m ADD failure_count :one",
          ConditionExpression: "attribute_exists(address)",
          ExpressionAttributeValues: { ":at": at, ":m": message.slice(0, 500), ":one": 1 },
        }),
      );
      if (tradedAt !== undefined) await store.noteTraded(address, tradedAt);
    },

    // The hint only moves forward (an older one would say less), and is forgotten only as served.
    noteTraded: (address, tradedAt) =>
      tradedAtUpdate(address, "SET traded_at = :t", "attribute_exists(address) AND (attribute_not_exists(traded_at) OR traded_at < :t)", tradedAt),
    clearTradedAt: (address, tradedAt) => tradedAtUpdate(address, "REMOVE traded_at", "traded_at = :t", tradedAt),

    async noteDexes(address, seen, kind = "seen") {
      const dexes = Object.entries(seen);
      if (dexes.length === 0) return;
      const attribute = DEX_ATTRIBUTES[kind];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const sets = dexes.map(([dex, at], i) => {
        names[`#d${i}`] = dex;
        values[`:t${i}`] = at;
        return `${attribute}.#d${i} = :t${i}`;
      });
      const setEach = (): Promise<boolean> =>
        unlessConditionFails(
          new UpdateCommand({
            TableName: tables.traders,
            Key: { address },
            UpdateExpression: `SET ${sets.join(", ")}`,
            // A nested path can only be set inside an existing map.
            ConditionExpression: `attribute_exists(${attribute})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      if (await setEach()) return;
      // First dex of this trader: create the map (unless a concurrent note just did), then set.
      const created = await unlessConditionFails(
        new UpdateCommand({
          TableName: tables.traders,
          Key: { address },
          UpdateExpression: `SET ${attribute} = if_not_exists(${attribute}, :empty)`,
          ConditionExpression: "attribute_exists(address)",
          ExpressionAttributeValues: { ":empty": {} },
        }),
      );
      if (created) await setEach();
    },

    async dropDexes(address, dexes, kind = "seen") {
      if (dexes.length === 0) return;
      const attribute = DEX_ATTRIBUTES[kind];
      const names = Object.fromEntries(dexes.map((d, i) => [`#d${i}`, d]));
      await unlessConditionFails(
        new UpdateCommand({
          TableName: tables.traders,
          Key: { address },
          UpdateExpression: `REMOVE ${dexes.map((_, i) => `${attribute}.#d${i}`).join(", ")}`,
          ConditionExpression: `attribute_exists(${attribute})`,
          ExpressionAttributeNames: names,
        }),
      );
    },
  };
  return store;
};

/** Where each kind of builder-dex note is kept on the trader's item (a map: dex → ms). */
const DEX_ATTRIBUTES = { seen: "dex_seen", hint: "dex_hints" } as const;

/** The stored form of an event: the public fields plus the keys of the table and its day index. */
export const eventItem = (e: PositionEvent): Record<string, unknown> => ({
  ...e,
  sk: eventSortKey(e.version, e.details.coin, e.step),
  day: e.timestamp.slice(0, 10),
  ts_id: `${e.timestamp}#${e.id}`,
});
