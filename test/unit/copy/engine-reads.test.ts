import { describe, expect, it } from "vitest";
import { parseAddress, type Address } from "#domain/address.js";
import { createRunReads } from "#domain/copy/engine-reads.js";
import type { FollowerConfig } from "#domain/copy/follower.js";
import type { CopyMessage } from "#domain/copy/messages.js";
import { createVenueFor } from "#app/copy/venues.js";
import { recordingLogger } from "../../support/logger.js";
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
  /** When the leaders' positions were seen (their snapshot's exchange time). */
  let asOf = T0 - 1_000;
  let release: () => void = () => undefined;
  /** His state version as a plain read finds it, and as a consistent one does (after his last commit). */
  const versions = { plain: 4, consistent: 4 };
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
      positions: async (leaders: readonly Address[], opts?: { consistent?: boolean }) => {
        const consistent = opts?.consistent === true;
        log.push(`positions of ${leaders.map((l) => (l === LEADER ? "LEADER" : "OTHER")).join("+")}${consistent ? " (consistent)" : ""}`);
        const version = consistent ? versions.consistent : versions.plain;
        return new Map(leaders.map((l) => [l, { sizes: { BTC: version >= 5 ? "2" : "1" }, asOf, version }]));
      },
      equityUsd: async (leader: Address, notBefore?: number) => {
        log.push(`equity of ${leader === LEADER ? "LEADER" : "OTHER"}${notBefore === undefined ? "" : ` after ${notBefore}`}`);
        return "100000";
      },
    },
    market: {
      mids: async (coins) => {
        log.push(`mids ${coins.join(",") || "(main dex)"}`);
        return Object.fromEntries(coins.map((c) => [c, midOf(c)]));
      },
      szDecimals: async (coin) => szDecimalsOf(coin),
    },
    venueFor: createVenueFor(),
    logger: recordingLogger().logger,
    now: () => T0,
  });
  const event: CopyMessage = { v: 1, follower_id: FOLLOWER, event_id: "e", leader: LEADER, coin: "BTC", signal_at: T0 };
  const run = async (message: CopyMessage = event) => {
    log.length = 0;
    const pending = read(message);
    // Let everything that does not wait for the record start, then let the record go.
    await new Promise((r) => setTimeout(r, 5));
    release();
    return pending;
  };
  return { store, log, run, versions, seenAt: (at: number) => (asOf = at) };
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
    const beforeRecord = h.log.slice(0, h.log.indexOf("record read"));
    expect(beforeRecord).toEqual(expect.arrayContaining(["record asked", "positions of LEADER", "equity of LEADER", "mids (main dex)"]));
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

  it("reads a proportional leader's account value after his positions when they are newer than the one it was given", async () => {
    const h = await harness(paperConfig({ leaders: [{ address: LEADER, sizing: { mode: "proportional", multiplier: "1" } }] }));
    // His event's own run asks for a value read after the event (T0), and his positions are older: enough.
    await h.run();
    expect(h.log.filter((l) => l.startsWith("equity"))).toEqual([`equity of LEADER after ${T0}`]);
    // A reconciliation finds positions seen at T0 + 5,000, after any value it may have been given:
    // his value is asked again, read after them.
    h.seenAt(T0 + 5_000);
    await h.run({ v: 1, follower_id: FOLLOWER, event_id: "reconcile:1", leader: null, coin: null, signal_at: T0 });
    expect(h.log.filter((l) => l.startsWith("equity"))).toEqual(["equity of LEADER", `equity of LEADER after ${T0 + 5_000}`]);
  });

  it("reads his positions again, consistently, when its first read is older than his event", async () => {
    const h = await harness(paperConfig());
    const event: CopyMessage = { v: 1, follower_id: FOLLOWER, event_id: `${LEADER}-5-BTC`, leader: LEADER, coin: "BTC", signal_at: T0, version: 5 };
    // His commit of version 5 is not yet in what a plain read returns.
    h.versions.plain = 4;
    h.versions.consistent = 5;
    const reads = await h.run(event);
    expect(h.log.filter((l) => l.startsWith("positions"))).toEqual(["positions of LEADER", "positions of LEADER (consistent)"]);
    expect(reads.kind === "ready" && reads.leaders[0]).toMatchObject({ positions: { BTC: "2" }, version: 5 });
    // A plain read that has it already, or a run with no event version, reads once.
    h.versions.plain = 5;
    await h.run(event);
    expect(h.log.filter((l) => l.startsWith("positions"))).toEqual(["positions of LEADER"]);
    h.versions.plain = 4;
    await h.run({ ...event, version: undefined });
    expect(h.log.filter((l) => l.startsWith("positions"))).toEqual(["positions of LEADER"]);
  });
});
