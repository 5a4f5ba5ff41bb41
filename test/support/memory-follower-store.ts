import type { Address } from "#domain/address.js";
import { newFollowerRecord } from "#domain/copy/new-follower.js";
import { emptyAccount } from "#store/dynamo/followers-codec.js";
import type { CopyAccount, CopyEquityPoint, CopyOrder, FollowerRecord, FollowerStore } from "#domain/copy/ports.js";

/**
 * The FollowerStore port in memory, for the engine's unit tests: the same version conditions as
 * the DynamoDB adapter (a record's update and an account's commit are refused when someone else
 * wrote first), values copied in and out so a caller can never change what is stored by keeping
 * a reference. `beforeCommit` lets a test interleave another writer (or a crash) at a commit.
 */
export interface MemoryFollowerStore extends FollowerStore {
  readonly orders: Map<string, CopyOrder[]>;
  readonly equity: Map<string, CopyEquityPoint[]>;
  /** Called before every commit; throwing from it is a crash before the write. */
  beforeCommit?: (input: Parameters<FollowerStore["commit"]>[0]) => void;
}

const clone = <T>(value: T): T => structuredClone(value);

/** A new, active follower as the API stores it (version 1). */
export const followerRecord = newFollowerRecord;


export const createMemoryFollowerStore = (): MemoryFollowerStore => {
  const records = new Map<string, FollowerRecord>();
  const accounts = new Map<string, CopyAccount>();
  const orders = new Map<string, CopyOrder[]>();
  const equity = new Map<string, CopyEquityPoint[]>();
  const page = <T>(items: T[], limit: number, cursor?: string) => {
    const start = cursor === undefined ? 0 : Number(cursor);
    const slice = items.slice(start, start + limit);
    return start + limit < items.length ? { items: slice, cursor: String(start + limit) } : { items: slice };
  };

  const store: MemoryFollowerStore = {
    orders,
    equity,
    async create(record) {
      if (records.has(record.id)) throw new Error(`follower ${record.id} exists`);
      records.set(record.id, clone(record));
    },
    async get(id) {
      const r = records.get(id);
      return r === undefined ? undefined : clone(r);
    },
    async getMany(ids) {
      return ids.flatMap((id) => {
        const r = records.get(id);
        return r === undefined ? [] : [clone(r)];
      });
    },
    async list({ limit, cursor }) {
      return page([...records.values()].sort((a, b) => a.id.localeCompare(b.id)).map(clone), limit, cursor);
    },
    async update(id, expectedVersion, change, at) {
      const r = records.get(id);
      if (r === undefined) return "missing";
      if (r.version !== expectedVersion) return "conflict";
      const next: FollowerRecord = { ...r, ...clone(change), version: r.version + 1, updatedAt: at };
      records.set(id, next);
      return clone(next);
    },
    async followersOf(leader: Address) {
      return [...records.values()]
        .filter((r) => r.state !== "stopped" && r.config.leaders.some((l) => l.address === leader))
        .map((r) => r.id)
        .sort();
    },
    async getAccount(id) {
      return clone(accounts.get(id) ?? emptyAccount(id));
    },
    async ordersAt(id, signalAt) {
      return (orders.get(id) ?? []).filter((o) => o.signalAt === signalAt).map(clone);
    },
    async lastRuns(ids) {
      const out = new Map<string, number>();
      for (const id of ids) {
        const at = accounts.get(id)?.lastReconciledAt;
        if (at !== undefined && at !== null) out.set(id, at);
      }
      return out;
    },
    async commit(input) {
      store.beforeCommit?.(input);
      const id = input.account.followerId;
      const stored = accounts.get(id)?.version ?? 0;
      if (stored !== input.account.version) return "conflict";
      accounts.set(id, { ...clone(input.account), version: stored + 1 });
      const list = orders.get(id) ?? [];
      for (const order of input.orders) {
        const i = list.findIndex((o) => o.cloid === order.cloid);
        if (i >= 0) list[i] = clone(order);
        else list.push(clone(order));
      }
      orders.set(id, list);
      if (input.equity !== undefined) equity.set(id, [...(equity.get(id) ?? []), clone(input.equity)]);
      return "ok";
    },
    async listOrders(id, { limit, cursor }) {
      const list = [...(orders.get(id) ?? [])].sort((a, b) => b.signalAt - a.signalAt);
      return page(list.map(clone), limit, cursor);
    },
    async pendingOrders(id) {
      return (orders.get(id) ?? []).filter((o) => o.status === "pending").map(clone);
    },
    async listEquity(id, since) {
      return (equity.get(id) ?? []).filter((p) => p.time >= since).map(clone);
    },
  };
  return store;
};
