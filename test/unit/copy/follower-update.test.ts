import { describe, expect, it } from "vitest";
import { parseAddress } from "#domain/address.js";
import type { FollowerConfig } from "#domain/copy/follower.js";
import { updateFollowerUnderVersion, type FollowerChange } from "#domain/copy/follower-update.js";
import { newFollowerRecord } from "#domain/copy/new-follower.js";
import type { FollowerRecord, FollowerStore } from "#domain/copy/ports.js";

/**
 * The get/update port in a few lines: one record, the version condition of the real store, and
 * `rival` — another writer that gets in between this caller's read and its write the first
 * `rivalWrites` times (it bumps the version, as a PATCH from elsewhere would).
 */
const ID = "fol_update000000000001";
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const config = {
  name: "race",
  mode: "paper",
  paperBalanceUsd: "1000",
  leaders: [{ address: parseAddress("0x5e9ee1089755c3435139848e47e6635505d5a13a"), sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
  caps: { maxSlippageBps: 50 },
  start: "sync_now",
} as FollowerConfig;

const port = (initial: FollowerRecord | undefined, rivalWrites: number) => {
  let stored = initial;
  let rivals = rivalWrites;
  const calls = { get: 0, update: 0 };
  const store: Pick<FollowerStore, "get" | "update"> = {
    async get() {
      calls.get++;
      return stored === undefined ? undefined : { ...stored };
    },
    async update(_id, expectedVersion, change, at) {
      calls.update++;
      if (stored === undefined) return "missing";
      if (rivals > 0) {
        rivals--;
        stored = { ...stored, config: { ...stored.config, name: `renamed ${rivals}` }, version: stored.version + 1 };
      }
      if (stored.version !== expectedVersion) return "conflict";
      stored = { ...stored, ...change, version: stored.version + 1, updatedAt: at };
      return { ...stored };
    },
  };
  return { store, calls, stored: () => stored };
};

const clock = () => {
  let t = T0;
  return () => (t += 1_000);
};

const pauseIfActive = (current: FollowerRecord, at: number): FollowerChange | null =>
  current.state === "active" ? { state: "paused", pause: { reason: "user", message: "test", at } } : null;

describe("updateFollowerUnderVersion", () => {
  it("reads again after a lost race and writes on the version it read the second time", async () => {
    const p = port(newFollowerRecord(ID, config, T0), 1);
    const seen: number[] = [];
    const result = await updateFollowerUnderVersion({
      store: p.store,
      id: ID,
      now: clock(),
      attempts: 3,
      decide: (current, at) => {
        seen.push(current.version);
        return pauseIfActive(current, at);
      },
    });
    // Version 1 read, the rival made it 2 (conflict), 2 read again and written as 3.
    expect(seen).toEqual([1, 2]);
    expect(p.calls).toEqual({ get: 2, update: 2 });
    expect(result).toEqual({ outcome: "updated", record: p.stored() });
    // The second attempt's clock (T0 + 2 s) is both the pause's time and the write's.
    expect(p.stored()).toMatchObject({ state: "paused", version: 3, updatedAt: T0 + 2_000, pause: { at: T0 + 2_000 }, config: { name: "renamed 0" } });
  });

  it("gives up with conflict after the attempts, every one lost, having written nothing of its own", async () => {
    const p = port(newFollowerRecord(ID, config, T0), 10);
    const result = await updateFollowerUnderVersion({ store: p.store, id: ID, now: clock(), attempts: 4, decide: pauseIfActive });
    expect(result).toEqual({ outcome: "conflict" });
    expect(p.calls).toEqual({ get: 4, update: 4 });
    // Four rival writes (versions 2..5), none of this caller's.
    expect(p.stored()).toMatchObject({ state: "active", version: 5 });
  });

  it("starts from the record the caller has, without reading it again", async () => {
    const record = newFollowerRecord(ID, config, T0);
    const p = port(record, 0);
    const result = await updateFollowerUnderVersion({ store: p.store, id: ID, current: record, now: clock(), attempts: 2, decide: pauseIfActive });
    expect(result).toMatchObject({ outcome: "updated", record: { state: "paused", version: 2 } });
    expect(p.calls).toEqual({ get: 0, update: 1 });
  });

  it("says missing when there is no record, before deciding anything", async () => {
    const p = port(undefined, 0);
    let decided = 0;
    const result = await updateFollowerUnderVersion({
      store: p.store,
      id: ID,
      now: clock(),
      attempts: 3,
      decide: () => {
        decided++;
        return null;
      },
    });
    expect(result).toEqual({ outcome: "missing" });
    expect(decided).toBe(0);
    expect(p.calls).toEqual({ get: 1, update: 0 });
  });

  it("says missing when the record it had is gone at the write", async () => {
    const record = newFollowerRecord(ID, config, T0);
    const p = port(undefined, 0);
    const result = await updateFollowerUnderVersion({ store: p.store, id: ID, current: record, now: clock(), attempts: 3, decide: pauseIfActive });
    expect(result).toEqual({ outcome: "missing" });
    expect(p.calls).toEqual({ get: 0, update: 1 });
  });

  it("writes nothing when the decision is that there is nothing to do, and answers the record it looked at", async () => {
    const paused: FollowerRecord = { ...newFollowerRecord(ID, config, T0), state: "paused", version: 7 };
    const p = port(paused, 0);
    const result = await updateFollowerUnderVersion({ store: p.store, id: ID, now: clock(), attempts: 3, decide: pauseIfActive });
    expect(result).toEqual({ outcome: "unchanged", record: paused });
    expect(p.calls).toEqual({ get: 1, update: 0 });
  });

  it("decides again after a lost race: what the other writer did can make the change moot", async () => {
    // The rival's write here pauses the follower (as the user's pause would): the retry finds nothing to do.
    const p = port(newFollowerRecord(ID, config, T0), 0);
    const store: Pick<FollowerStore, "get" | "update"> = {
      get: p.store.get,
      async update(id, version, change, at) {
        if (p.calls.update === 0) await p.store.update(id, version, { state: "paused", pause: { reason: "user", message: "by the user", at } }, at);
        return p.store.update(id, version, change, at);
      },
    };
    const result = await updateFollowerUnderVersion({ store, id: ID, now: clock(), attempts: 3, decide: pauseIfActive });
    expect(result).toMatchObject({ outcome: "unchanged", record: { state: "paused", pause: { message: "by the user" }, version: 2 } });
  });

  it("lets an error thrown by decide reach the caller, writing nothing", async () => {
    const p = port(newFollowerRecord(ID, config, T0), 0);
    await expect(
      updateFollowerUnderVersion({
        store: p.store,
        id: ID,
        now: clock(),
        attempts: 3,
        decide: async () => {
          throw new Error("stopped");
        },
      }),
    ).rejects.toThrow("stopped");
    expect(p.calls.update).toBe(0);
  });
});
