import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "#commons/cursor.js";
import { ValidationError } from "#commons/errors.js";
import type { Address } from "#domain/address.js";
import { chunk } from "#domain/concurrency.js";
import type { CopyOrder, FollowerRecord, FollowerStore } from "#domain/copy/ports.js";
import {
  accountFromItem,
  accountItem,
  configItem,
  emptyAccount,
  equityFromItem,
  equityItem,
  equitySk,
  FOLLOWER_LIST_PARTITION,
  leaderSk,
  orderFromItem,
  orderItem,
  orderSk,
  pendingSk,
  recordFromItem,
  lastRunOf,
  SK,
} from "./followers-codec.js";
import { queryAll } from "./query-all.js";
import { untilProcessed } from "./retry.js";

/**
 * The DynamoDB adapter of FollowerStore on the followers table (one partition per follower; item
 * layout in ./followers-codec.ts). Every write that must not be lost to a concurrent writer is a
 * transaction conditioned on a version: the config's (the API) or the account's (the engine).
 *
 * Pending orders have a `pending#<cloid>` marker (a full copy of the order) written and deleted in
 * the same transaction as the order: the engine asks for them on every run, and a Query of the
 * markers reads only what is pending, where a filter over `order#` would read (and pay for) every
 * order the follower ever sent.
 */

/** DynamoDB's limit of items per TransactWriteItems. */
const MAX_TRANSACTION_ITEMS = 100;

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

const followerKey = z.object({ follower_id: z.string().min(1).max(100), sk: z.string().min(1).max(300) }).strict();
const listKey = followerKey.extend({ leader_address: z.literal(FOLLOWER_LIST_PARTITION) }).strict();

/** The links a follower in this state should have: one per leader, none once stopped. */
const linkedLeaders = (r: Pick<FollowerRecord, "state" | "config">): Set<Address> =>
  new Set(r.state === "stopped" ? [] : r.config.leaders.map((l) => l.address));

const isConditionFailure = (e: unknown): boolean =>
  e instanceof TransactionCanceledException && (e.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed");

export const createDynamoFollowerStore = (doc: DynamoDBDocumentClient, tableName: string): FollowerStore => {
  const linkPut = (id: string, leader: Address): TransactItem => ({
    Put: { TableName: tableName, Item: { follower_id: id, sk: leaderSk(leader), leader_address: leader } },
  });
  const linkDelete = (id: string, leader: Address): TransactItem => ({ Delete: { TableName: tableName, Key: { follower_id: id, sk: leaderSk(leader) } } });

  const getItem = async (id: string, sk: string) =>
    (await doc.send(new GetCommand({ TableName: tableName, Key: { follower_id: id, sk }, ConsistentRead: true }))).Item;

  /** One item kind (`sk`) of many followers, 100 keys a request, the unprocessed asked again. */
  const batchGet = async (ids: readonly string[], sk: string, each: (item: Record<string, unknown>) => void, projection?: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> }) => {
    for (const part of chunk([...new Set(ids)], 100)) {
      await untilProcessed(
        part.map((id) => ({ follower_id: id, sk })),
        async (keys) => {
          const out = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true, ...projection } } }));
          for (const item of out.Responses?.[tableName] ?? []) each(item);
          return out.UnprocessedKeys?.[tableName]?.Keys as typeof keys | undefined;
        },
        (keys) => keys.length === 0,
        `BatchGet followers' ${sk}`,
      );
    }
  };

  const getMany = async (ids: readonly string[]): Promise<FollowerRecord[]> => {
    const byId = new Map<string, FollowerRecord>();
    await batchGet(ids, SK.config, (item) => {
      const record = recordFromItem(item);
      byId.set(record.id, record);
    });
    // In the order asked (BatchGet answers in any order), the missing left out.
    return ids.flatMap((id) => byId.get(id) ?? []);
  };

  return {
    async create(record) {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: configItem(record), ConditionExpression: "attribute_not_exists(follower_id)" } },
            ...[...linkedLeaders(record)].map((leader) => linkPut(record.id, leader)),
          ],
        }),
      ).catch((e: unknown) => {
        throw isConditionFailure(e) ? new Error(`follower ${record.id} already exists`, { cause: e }) : e;
      });
    },

    async get(id) {
      const item = await getItem(id, SK.config);
      return item === undefined ? undefined : recordFromItem(item);
    },

    getMany,

    async list({ limit, cursor }) {
      const start = cursor === undefined ? undefined : decodeCursor("followers", cursor, listKey);
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: "leader-index",
          KeyConditionExpression: "leader_address = :p",
          ExpressionAttributeValues: { ":p": FOLLOWER_LIST_PARTITION },
          Limit: limit,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      const items = await getMany((out.Items ?? []).map((i) => String(i.follower_id)));
      const last = out.LastEvaluatedKey;
      return last === undefined
        ? { items }
        : { items, cursor: encodeCursor("followers", { follower_id: last.follower_id, sk: last.sk, leader_address: last.leader_address }) };
    },

    async update(id, expectedVersion, change, at) {
      const item = await getItem(id, SK.config);
      if (item === undefined) return "missing";
      const current = recordFromItem(item);
      if (current.version !== expectedVersion) return "conflict";
      const next: FollowerRecord = { ...current, ...change, updatedAt: at, version: expectedVersion + 1 };
      const before = linkedLeaders(current);
      const after = linkedLeaders(next);
      const links = [
        ...[...after].filter((l) => !before.has(l)).map((l) => linkPut(id, l)),
        ...[...before].filter((l) => !after.has(l)).map((l) => linkDelete(id, l)),
      ];
      // 50 leaders all replaced at once is 101 items: what does not fit are deletions, sent after
      // the transaction; until then a stale link only wakes the follower for a leader it ignores.
      const inTransaction = links.slice(0, MAX_TRANSACTION_ITEMS - 1);
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: configItem(next), ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": expectedVersion } } },
              ...inTransaction,
            ],
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        return (await getItem(id, SK.config)) === undefined ? "missing" : "conflict";
      }
      for (const late of links.slice(inTransaction.length)) {
        if (late.Delete !== undefined) await doc.send(new DeleteCommand({ TableName: tableName, Key: late.Delete.Key }));
      }
      return next;
    },

    async followersOf(leader) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: "leader-index",
        KeyConditionExpression: "leader_address = :l",
        ExpressionAttributeValues: { ":l": leader },
      });
      return items.map((i) => String(i.follower_id));
    },

    async lastRuns(ids) {
      const out = new Map<string, number>();
      await batchGet(
        ids,
        SK.account,
        (item) => {
          const at = lastRunOf(item);
          if (at !== null) out.set(String(item.follower_id), at);
        },
        { ProjectionExpression: "follower_id, #state.lastReconciledAt", ExpressionAttributeNames: { "#state": "state" } },
      );
      return out;
    },

    async getAccount(id) {
      const item = await getItem(id, SK.account);
      return item === undefined ? emptyAccount(id) : accountFromItem(id, item);
    },

    async commit({ account, orders, equity }) {
      const id = account.followerId;
      const condition =
        account.version === 0
          ? { ConditionExpression: "attribute_not_exists(follower_id)" }
          : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": account.version } };
      // The same order twice (same signal and cloid) is one item: the later status wins.
      const latest = new Map<string, CopyOrder>();
      for (const o of orders) latest.set(orderSk(o.signalAt, o.cloid), o);
      const orderWrites = [...latest].map(([sk, o]): TransactItem[] => [
        { Put: { TableName: tableName, Item: orderItem({ ...o, followerId: id }, sk) } },
        o.status === "pending"
          ? { Put: { TableName: tableName, Item: orderItem({ ...o, followerId: id }, pendingSk(o.cloid)) } }
          : { Delete: { TableName: tableName, Key: { follower_id: id, sk: pendingSk(o.cloid) } } },
      ]);
      const last: TransactItem[] = [
        ...(equity === undefined ? [] : [{ Put: { TableName: tableName, Item: equityItem(id, equity) } }]),
        { Put: { TableName: tableName, Item: accountItem(account), ...condition } },
      ];
      // Orders beyond one transaction go first, each batch checking the account's version too, so
      // a run that lost the race writes nothing; an order and its marker stay in one batch.
      const room = Math.floor((MAX_TRANSACTION_ITEMS - last.length) / 2);
      const split = Math.max(0, orderWrites.length - room);
      const earlier = chunk(orderWrites.slice(0, split), Math.floor((MAX_TRANSACTION_ITEMS - 1) / 2)).map((b) => b.flat());
      const final = orderWrites.slice(split).flat();
      try {
        for (const batch of earlier) {
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [{ ConditionCheck: { TableName: tableName, Key: { follower_id: id, sk: SK.account }, ...condition } }, ...batch],
            }),
          );
        }
        await doc.send(new TransactWriteCommand({ TransactItems: [...final, ...last] }));
        return "ok";
      } catch (e) {
        if (isConditionFailure(e)) return "conflict";
        throw e;
      }
    },

    async listOrders(id, { limit, cursor }) {
      const start = cursor === undefined ? undefined : decodeCursor("orders", cursor, followerKey);
      if (start !== undefined && start.follower_id !== id) throw new ValidationError("Invalid cursor: it belongs to another follower's orders");
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "follower_id = :id AND begins_with(sk, :o)",
          ExpressionAttributeValues: { ":id": id, ":o": SK.orderPrefix },
          ScanIndexForward: false,
          Limit: limit,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      const items = (out.Items ?? []).map((i) => orderFromItem(id, i));
      const last = out.LastEvaluatedKey;
      return last === undefined ? { items } : { items, cursor: encodeCursor("orders", { follower_id: last.follower_id, sk: last.sk }) };
    },

    async pendingOrders(id) {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: "follower_id = :id AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":id": id, ":p": SK.pendingPrefix },
        ConsistentRead: true,
      });
      return items.map((i) => orderFromItem(id, i)).sort((a, b) => a.signalAt - b.signalAt);
    },

    async ordersAt(id, signalAt) {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: "follower_id = :id AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":id": id, ":p": orderSk(signalAt, "") },
        ConsistentRead: true,
      });
      return items.map((i) => orderFromItem(id, i));
    },

    async listEquity(id, since) {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: "follower_id = :id AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":id": id, ":from": equitySk(Math.max(0, since)), ":to": `${SK.equityPrefix}9999999999999` },
      });
      return items.map((i) => equityFromItem(id, i));
    },
  };
};
