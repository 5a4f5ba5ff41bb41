import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { deriveCloid } from "#domain/copy/cloid.js";
import type { FollowerConfig } from "#domain/copy/follower.js";
import type { CopyAccount, CopyOrder, FollowerRecord, FollowerStore } from "#domain/copy/ports.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { FOLLOWERS_TABLE } from "#store/tables.js";
import { testTables, uniqueName, type TestTables } from "../support/aws.js";

/**
 * The FollowerStore adapter against DynamoDB Local: the API's config writes (versioned, leader
 * links kept in step with the leaders and the state), the engine's atomic commits, and the reads
 * both sides page through.
 */
const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000b2" as Address;
const C = "0x00000000000000000000000000000000000000c3" as Address;
const T0 = 1_765_000_000_000;

const config = (leaders: Address[]): FollowerConfig => ({
  name: "paper copy",
  mode: "paper",
  leaders: leaders.map((address) => ({ address, sizing: { mode: "fixed_ratio", ratio: "0.5" } })),
  caps: { maxSlippageBps: 50, coinsDeny: ["DOGE"] },
  start: "new_changes_only",
  paperBalanceUsd: "10000",
  takerFeeRate: "0.0005",
  onPause: "close",
});

const record = (id: string, leaders: Address[] = [A]): FollowerRecord => ({
  id,
  config: config(leaders),
  state: "active",
  pause: null,
  closeRequested: false,
  createdAt: T0,
  updatedAt: T0,
  version: 1,
});

const order = (followerId: string, n: number, status: CopyOrder["status"], signalAt = T0 + n): CopyOrder => ({
  followerId,
  cloid: deriveCloid({ followerId, eventId: `e${n}`, coin: "BTC", leg: 0 }),
  eventId: `e${n}`,
  leader: A,
  coin: "BTC",
  side: "buy",
  size: "0.01",
  limitPrice: "64320",
  reduceOnly: false,
  status,
  fillPrice: status === "filled" ? "64300" : null,
  filledSize: status === "filled" ? "0.01" : null,
  feeUsd: status === "filled" ? "0.2894" : null,
  oid: status === "pending" ? null : 1000 + n,
  error: null,
  signalAt,
  sentAt: signalAt + 120,
  filledAt: status === "filled" ? signalAt + 300 : null,
});

const account = (followerId: string, version: number): CopyAccount => ({
  followerId,
  version,
  memory: { [`${A} BTC`]: { kind: "copying", side: 1, ratio: "0.5" }, [`${A} ETH`]: { kind: "ignored", side: -1 } },
  ledger: { balanceUsd: "10000", positions: { BTC: { szi: "0.01", entryPx: "64300" } }, realizedPnlUsd: "0", feesUsd: "0.2894" },
  carried: { BTC: "0.0004" },
  baseline: { at: T0, followerEquityUsd: "10000", leaderEquityUsd: { [A]: "250000" } },
  dayStart: { day: Math.floor(T0 / 86_400_000), equityUsd: "10000" },
  peakEquityUsd: "10000",
  actual: {
    at: T0 + 300,
    positions: { BTC: { szi: "0.01", entryPx: "64300" } },
    equityUsd: "9999.7106",
    realizedPnlUsd: "0",
    feesUsd: "0.2894",
    leaderEquityUsd: { [A]: "250100" },
  },
  lastReconciledAt: T0 + 300,
});

describe("FollowerStore on DynamoDB", () => {
  let tables: TestTables;
  let store: FollowerStore;
  const fresh = () => uniqueName("fol");

  beforeAll(async () => {
    tables = await testTables("followers", [FOLLOWERS_TABLE]);
    store = createDynamoFollowerStore(tables.doc, tables.names.followers);
  });

  it("creates a follower once, reads it back whole, and reads many in the order asked", async () => {
    const [x, y] = [fresh(), fresh()];
    await store.create(record(x));
    await store.create(record(y, [B, C]));
    await expect(store.create(record(x, [C]))).rejects.toThrow(`follower ${x} already exists`);
    expect(await store.get(x)).toEqual(record(x));
    expect(await store.get("fol_nobody")).toBeUndefined();
    expect((await store.getMany([y, "fol_nobody", x])).map((r) => r.id)).toEqual([y, x]);
  });

  it("lists every follower page by page, and refuses a cursor from another list", async () => {
    const own = new Set(Array.from({ length: 5 }, fresh));
    for (const id of own) await store.create(record(id));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ limit: 2, ...(cursor !== undefined && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined && pages < 100);
    // The other tests' followers share the table: ours are all there, each once.
    expect(seen.filter((id) => own.has(id)).sort()).toEqual([...own].sort());
    expect(new Set(seen).size).toBe(seen.length);
    await expect(store.list({ limit: 2, cursor: "bm90LWEtY3Vyc29y" })).rejects.toThrow(/Invalid cursor/);
  });

  it("updates under the version it read: a stale version is a conflict, an unknown id missing", async () => {
    const id = fresh();
    await store.create(record(id));
    const renamed = await store.update(id, 1, { config: { ...config([A]), name: "renamed" } }, T0 + 10);
    expect(renamed).toMatchObject({ version: 2, updatedAt: T0 + 10, createdAt: T0, config: { name: "renamed" } });
    // A second writer that read version 1 loses, and changes nothing.
    expect(await store.update(id, 1, { state: "paused" }, T0 + 20)).toBe("conflict");
    expect(await store.get(id)).toMatchObject({ version: 2, state: "active", config: { name: "renamed" } });
    expect(await store.update(fresh(), 1, { state: "paused" }, T0)).toBe("missing");
  });

  it("keeps the leader links in step: followersOf follows leader changes, a pause keeps them, a stop drops them", async () => {
    const id = fresh();
    const followers = async (leader: Address) => (await store.followersOf(leader)).filter((f) => f === id);
    await store.create(record(id, [A, B]));
    expect([await followers(A), await followers(B), await followers(C)]).toEqual([[id], [id], []]);

    await store.update(id, 1, { config: config([B, C]) }, T0 + 1);
    expect([await followers(A), await followers(B), await followers(C)]).toEqual([[], [id], [id]]);

    const pause = { reason: "user" as const, message: "paused by the user", at: T0 + 2 };
    expect(await store.update(id, 2, { state: "paused", pause }, T0 + 2)).toMatchObject({ state: "paused", pause });
    expect([await followers(B), await followers(C)]).toEqual([[id], [id]]);

    await store.update(id, 3, { state: "stopped", closeRequested: true }, T0 + 3);
    expect([await followers(A), await followers(B), await followers(C)]).toEqual([[], [], []]);
    expect(await store.get(id)).toMatchObject({ state: "stopped", closeRequested: true, pause, version: 4 });
  });

  it("replaces all 50 leaders at once (101 link writes, more than one transaction holds)", async () => {
    const id = fresh();
    const leaders = (from: number) => Array.from({ length: 50 }, (_, i) => `0x${(from + i).toString(16).padStart(40, "0")}` as Address);
    await store.create(record(id, leaders(0x1000)));
    await store.update(id, 1, { config: config(leaders(0x2000)) }, T0 + 1);
    expect(await store.followersOf(leaders(0x1000)[49]!)).not.toContain(id);
    expect(await store.followersOf(leaders(0x1000)[0]!)).not.toContain(id);
    expect(await store.followersOf(leaders(0x2000)[49]!)).toContain(id);
  });

  it("starts an account at version 0 and commits under its version; a lost race writes nothing", async () => {
    const id = fresh();
    expect(await store.getAccount(id)).toEqual({
      followerId: id, version: 0, memory: {}, carried: {}, baseline: null, dayStart: null, peakEquityUsd: null, actual: null, lastReconciledAt: null,
    });
    const first = order(id, 1, "filled");
    expect(await store.commit({ account: account(id, 0), orders: [first], equity: { time: T0 + 300, equityUsd: "9999.7106", leaderEquityUsd: { [A]: "250100" } } })).toBe("ok");
    expect(await store.getAccount(id)).toEqual(account(id, 1));

    // Another run that also read version 0: its account, order and equity point are all refused.
    const loser = order(id, 2, "pending");
    expect(await store.commit({ account: { ...account(id, 0), carried: {} }, orders: [loser], equity: { time: T0 + 900, equityUsd: "1" } })).toBe("conflict");
    expect(await store.getAccount(id)).toEqual(account(id, 1));
    expect((await store.listOrders(id, { limit: 10 })).items).toEqual([first]);
    expect(await store.pendingOrders(id)).toEqual([]);
    expect(await store.listEquity(id, 0)).toEqual([{ time: T0 + 300, equityUsd: "9999.7106", leaderEquityUsd: { [A]: "250100" } }]);

    expect(await store.commit({ account: account(id, 1), orders: [] })).toBe("ok");
    expect((await store.getAccount(id)).version).toBe(2);
  });

  it("keeps a live account's fills waiting for their fee, and when they were last read; an account without them has none", async () => {
    const id = fresh();
    const waiting = { ...order(id, 1, "filled"), feeUsd: null };
    const live: CopyAccount = {
      ...account(id, 0),
      unsettled: [waiting, { ...order(id, 2, "filled"), feeUsd: null, leader: null }],
      fillsReadAt: T0 + 60_000,
      orderErrorsInARow: 3,
    };
    expect(await store.commit({ account: live, orders: [waiting] })).toBe("ok");
    expect(await store.getAccount(id)).toEqual({ ...live, version: 1 });

    // Read and settled: the list goes (absent, as on an account written before it existed).
    const settled: CopyAccount = { ...account(id, 1), fillsReadAt: T0 + 120_000 };
    expect(await store.commit({ account: settled, orders: [{ ...waiting, feeUsd: "0.2894" }] })).toBe("ok");
    const read = await store.getAccount(id);
    expect(read).toEqual({ ...settled, version: 2 });
    expect("unsettled" in read).toBe(false);
    expect((await store.listOrders(id, { limit: 10 })).items.map((o) => o.feeUsd)).toEqual(["0.2894"]);

    // A corrupt waiting order is refused like any other corrupt field.
    await store.commit({ account: { ...live, version: 2 }, orders: [] });
    const item = (await tables.doc.send(new GetCommand({ TableName: tables.names.followers, Key: { follower_id: id, sk: "account" } }))).Item!;
    const state = item.state as { unsettled: Record<string, unknown>[] };
    await tables.doc.send(
      new PutCommand({ TableName: tables.names.followers, Item: { ...item, state: { ...state, unsettled: [{ ...state.unsettled[0], filled_size: "lots" }] } } }),
    );
    await expect(store.getAccount(id)).rejects.toThrow(`follower ${id}: the stored account is corrupt`);
  });

  it("reads when many followers' last runs committed, a hundred keys a request, leaving out those that never ran", async () => {
    const ran = Array.from({ length: 120 }, () => fresh());
    for (const [i, id] of ran.entries()) {
      expect(await store.commit({ account: { ...account(id, 0), lastReconciledAt: T0 + i }, orders: [] })).toBe("ok");
    }
    const never = fresh();
    const lastRuns = await store.lastRuns([...ran, never]);
    expect(lastRuns.size).toBe(120);
    expect(ran.every((id, i) => lastRuns.get(id) === T0 + i)).toBe(true);
    expect(lastRuns.has(never)).toBe(false);
  });

  it("reads the orders of one signal time, pending or answered, and none of another", async () => {
    const id = fresh();
    const [a, b, later] = [order(id, 1, "filled"), order(id, 2, "pending"), order(id, 3, "filled")];
    const at = a.signalAt;
    await store.commit({ account: account(id, 0), orders: [a, { ...b, signalAt: at }, later] });
    expect((await store.ordersAt(id, at)).map((o) => [o.cloid, o.status]).sort()).toEqual(
      [[a.cloid, "filled"], [b.cloid, "pending"]].sort(),
    );
    expect(await store.ordersAt(id, at + 1)).toEqual([]);
  });

  it("keeps pending orders apart until their answer is committed, as the same order item", async () => {
    const id = fresh();
    const [p1, p2] = [order(id, 1, "pending"), order(id, 2, "pending")];
    await store.commit({ account: account(id, 0), orders: [p1, p2] });
    expect(await store.pendingOrders(id)).toEqual([p1, p2]);
    const filled = order(id, 1, "filled");
    await store.commit({ account: account(id, 1), orders: [filled] });
    expect(await store.pendingOrders(id)).toEqual([p2]);
    // Newest signal first; the order answered is one item with its newer status.
    expect((await store.listOrders(id, { limit: 10 })).items).toEqual([p2, filled]);
  });

  it("commits more orders than one transaction holds, and refuses them all on a lost race", async () => {
    const id = fresh();
    const many = Array.from({ length: 120 }, (_, n) => order(id, n, n % 3 === 0 ? "pending" : "filled"));
    expect(await store.commit({ account: account(id, 0), orders: many })).toBe("ok");
    expect((await store.pendingOrders(id)).length).toBe(40); // n = 0, 3, …, 117
    const page1 = await store.listOrders(id, { limit: 100 });
    const page2 = await store.listOrders(id, { limit: 100, ...(page1.cursor !== undefined && { cursor: page1.cursor }) });
    expect([...page1.items, ...page2.items].map((o) => o.eventId)).toEqual(many.map((o) => o.eventId).reverse());
    expect(page2.cursor).toBeUndefined();

    const other = fresh();
    await store.commit({ account: account(other, 0), orders: [] });
    expect(await store.commit({ account: account(other, 0), orders: many.map((o) => ({ ...o, followerId: other })) })).toBe("conflict");
    expect((await store.listOrders(other, { limit: 10 })).items).toEqual([]);
    await expect(store.listOrders(other, { limit: 10, ...(page1.cursor !== undefined && { cursor: page1.cursor }) })).rejects.toThrow(/another follower/);
  });

  it("lists equity points from `since` on, inclusive, oldest first", async () => {
    const id = fresh();
    let version = 0;
    for (const [time, equityUsd] of [[T0 + 60_000, "10000"], [T0, "10001.5"], [T0 + 120_000, "9990.25"]] as const) {
      await store.commit({ account: account(id, version++), orders: [], equity: { time, equityUsd } });
    }
    expect(await store.listEquity(id, T0 + 60_000)).toEqual([
      { time: T0 + 60_000, equityUsd: "10000" },
      { time: T0 + 120_000, equityUsd: "9990.25" },
    ]);
    expect((await store.listEquity(id, T0 + 120_001)).length).toBe(0);
  });

  it("refuses a corrupt item with an error naming the follower instead of returning it", async () => {
    const id = fresh();
    await store.create(record(id));
    await tables.doc.send(
      new UpdateCommand({ TableName: tables.names.followers, Key: { follower_id: id, sk: "config" }, UpdateExpression: "SET #s = :s", ExpressionAttributeNames: { "#s": "state" }, ExpressionAttributeValues: { ":s": "sleeping" } }),
    );
    await expect(store.get(id)).rejects.toThrow(`follower ${id}: the stored config is corrupt`);
    await store.commit({ account: account(id, 0), orders: [] });
    const stored = (await tables.doc.send(new GetCommand({ TableName: tables.names.followers, Key: { follower_id: id, sk: "account" } }))).Item!;
    await tables.doc.send(
      new PutCommand({ TableName: tables.names.followers, Item: { ...stored, state: { ...stored.state, carried: { BTC: "lots" } } } }),
    );
    await expect(store.getAccount(id)).rejects.toThrow(`follower ${id}: the stored account is corrupt`);
  });
});
