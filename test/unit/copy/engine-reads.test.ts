import { describe, expect, it } from "vitest";
import { parseAddress, type Address } from "#domain/address.js";
import { createRunReads } from "#domain/copy/engine-reads.js";
import type { FollowerConfig } from "#domain/copy/follower.js";
import type { CopyMessage } from "#domain/copy/messages.js";
import { createVenueFor } from "#app/copy/venues.js";
import { createMemoryFollowerStore, followerRecord } from "../../support/memory-follower-store.js";
import { FOLLOWER, LEADER, paperConfig, T0 } from "./engine-harness.js";
import { midOf, szDecimalsOf } from "./recorded-market.js";

const OTHER = parseAddress("0x31ca8395cf837de08b24da3f660e77761dfb974b");

/**
 * The order of a run's reads, over a store whose record read waits until the test lets it go:
 * what starts before the record arrives is what the run read early.
 */
const harness = async (config: FollowerConfig) => {
  const store = createMemoryFollowerStore();
  await store.create(followerRecord(FOLLOWER, config, T0));
  const log: string[] = [];
  let release: () => void = () => undefined;
  const read = createRunReads({
    store: {
      ...store,
      get: async (id) => {
        log.push("record asked");
        await new Promise<void>((r) => (release = r));
        log.push("record read");
        return store.get(id);
      },
    },
    leaders: {
      positions: async (leaders: readonly Address[]) => {
        log.push(`positions of ${leaders.map((l) => (l === LEADER ? "LEADER" : "OTHER")).join("+")}`);
        return new Map(leaders.map((l) => [l, { BTC: "1" }]));
      },
      equityUsd: async () => "100000",
    },
    market: {
      mids: async (coins) => {
        log.push(`mids ${coins.join(",") || "(main dex)"}`);
        return Object.fromEntries(coins.map((c) => [c, midOf(c)]));
      },
      szDecimals: async (coin) => szDecimalsOf(coin),
    },
    venueFor: createVenueFor(),
    now: () => T0,
  });
  const message: CopyMessage = { v: 1, follower_id: FOLLOWER, event_id: "e", leader: LEADER, coin: "BTC", signal_at: T0 };
  const run = async () => {
    log.length = 0;
    const pending = read(message);
    // Let everything that does not wait for the record start, then let the record go.
    await new Promise((r) => setTimeout(r, 5));
    release();
    return pending;
  };
  return { store, log, run };
};

describe("a copy run's reads", () => {
  it("reads the leaders of a follower it has seen before beside its record, and the main mids at once", async () => {
    const h = await harness(paperConfig());
    const first = await h.run();
    expect(first.kind).toBe("ready");
    // The first time the process sees the follower, its leaders are known only from its record.
    expect(h.log.indexOf("positions of LEADER")).toBeGreaterThan(h.log.indexOf("record read"));
    expect(h.log.indexOf("mids (main dex)")).toBeLessThan(h.log.indexOf("record read"));

    const second = await h.run();
    expect(second.kind).toBe("ready");
    expect(h.log.slice(0, 3).sort()).toEqual(["mids (main dex)", "positions of LEADER", "record asked"]);
    expect(h.log.filter((l) => l.startsWith("positions"))).toEqual(["positions of LEADER"]);
  });

  it("reads the leaders again when the record follows others than the process remembered", async () => {
    const h = await harness(paperConfig());
    await h.run();
    const record = (await h.store.get(FOLLOWER))!;
    const leaders = [{ address: OTHER, sizing: { mode: "fixed_ratio" as const, ratio: "0.1" } }];
    expect(await h.store.update(FOLLOWER, record.version, { config: { ...record.config, leaders } }, T0 + 1)).not.toBe("conflict");
    const reads = await h.run();
    // Started early for the leader it remembered, then read for the one the record names.
    expect(h.log.filter((l) => l.startsWith("positions"))).toEqual(["positions of LEADER", "positions of OTHER"]);
    expect(reads.kind === "ready" && reads.leaders.map((l) => l.address)).toEqual([OTHER]);
  });
});
