import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { createLiveTracker, type LiveTrackerDeps } from "#domain/live-tracker.js";
import type { StreamFill } from "#domain/stream-fills.js";
import type { LiveFills, TrackOutcome } from "#domain/tracking.js";
import { recordingLogger } from "../../support/logger.js";

const A = `0x${"a".repeat(40)}` as Address;
const B = `0x${"b".repeat(40)}` as Address;

let tid = 0;
const fill = (coin = "BTC", sz = "1"): StreamFill => ({ coin, px: "100", sz, side: "B", time: Date.now(), tid: ++tid, hash: "0x1" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Call {
  addresses: Address[];
  tids: Map<Address, number[]>;
  final: boolean;
}

/** A tracker whose polls answer what `answer` says, recording every call. */
const setup = (answer: (a: Address, call: number) => TrackOutcome["status"] | Promise<TrackOutcome["status"]>, o: Partial<LiveTrackerDeps> = {}) => {
  const calls: Call[] = [];
  const handedOff: Address[] = [];
  const tracker = createLiveTracker({
    coalesceMs: 30,
    retryDelaysMs: [20, 20],
    logger: recordingLogger().logger,
    handOff: async (addresses) => void handedOff.push(...addresses),
    track: async (addresses, live: LiveFills) => {
      const n = calls.length;
      calls.push({ addresses, tids: new Map([...live.fills].map(([a, f]) => [a, f.map((x) => x.tid)])), final: live.final });
      return Promise.all(addresses.map(async (address) => ({ address, status: await answer(address, n), events: [] })));
    },
    ...o,
  });
  return { tracker, calls, handedOff };
};

describe("live tracker", () => {
  it("makes one poll of the fills that arrive within the coalescing window", async () => {
    const { tracker, calls } = setup(() => "changed");
    const f = [fill(), fill(), fill("ETH")];
    tracker.add(new Map([[A, [f[0]!]]]));
    await sleep(5);
    tracker.add(new Map([[A, [f[1]!, f[2]!]], [B, [fill()]]]));
    await sleep(80);
    // One poll of A with all three fills (B's own window started later).
    const ofA = calls.filter((c) => c.addresses.includes(A));
    expect(ofA).toHaveLength(1);
    expect(ofA[0]!.tids.get(A)).toEqual(f.map((x) => x.tid));
    expect(tracker.stats()).toMatchObject({ pending: 0, polls: 2, changed: 2 });
    await tracker.stop();
  });

  it("polls again for fills that arrive while a poll is under way, with only those fills", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { tracker, calls } = setup(async (_a, n) => {
      if (n === 0) await gate;
      return "changed" as const;
    });
    const first = fill();
    tracker.add(new Map([[A, [first]]]));
    await sleep(50);
    const second = fill();
    tracker.add(new Map([[A, [second]]]));
    await sleep(50);
    expect(calls).toHaveLength(1);
    release();
    await sleep(80);
    expect(calls.map((c) => c.tids.get(A))).toEqual([[first.tid], [second.tid]]);
    await tracker.stop();
  });

  it("asks again while the snapshot lags, with every fill so far, and fetches on the last try", async () => {
    const { tracker, calls } = setup((_a, n) => (n < 2 ? "lagging" : "changed"));
    const f1 = fill();
    tracker.add(new Map([[A, [f1]]]));
    await sleep(45);
    const f2 = fill();
    tracker.add(new Map([[A, [f2]]]));
    await sleep(150);
    expect(calls.map((c) => c.final)).toEqual([false, false, true]);
    expect(calls[2]!.tids.get(A)).toEqual([f1.tid, f2.tid]);
    expect(tracker.stats()).toMatchObject({ pending: 0, lagging: 2, changed: 1, handedOff: 0 });
    await tracker.stop();
  });

  it("hands a trader whose polls keep failing (or throwing) to the tracking queue", async () => {
    const { tracker, calls, handedOff } = setup(() => "failed", {
      track: async () => {
        throw new Error("DynamoDB is down");
      },
    });
    tracker.add(new Map([[A, [fill()]]]));
    await sleep(200);
    expect(handedOff).toEqual([A]);
    expect(calls).toHaveLength(0);
    expect(tracker.stats()).toMatchObject({ pending: 0, polls: 3, failed: 3, handedOff: 1 });
    await tracker.stop();
  });

  it("on stop waits for the polls under way and hands off the traders still pending", async () => {
    const { tracker, calls, handedOff } = setup(async () => {
      await sleep(40);
      return "changed" as const;
    });
    tracker.add(new Map([[A, [fill()]]]));
    await sleep(40);
    tracker.add(new Map([[B, [fill()]]]));
    expect(await tracker.stop()).toBe(1);
    expect(calls.map((c) => c.addresses)).toEqual([[A]]);
    expect(handedOff).toEqual([B]);
    tracker.add(new Map([[A, [fill()]]]));
    await sleep(50);
    expect(calls).toHaveLength(1);
  });
});
