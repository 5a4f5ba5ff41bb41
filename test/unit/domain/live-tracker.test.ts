import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { createLiveTracker, type LiveTrackerDeps } from "#domain/live-tracker.js";
import type { StreamFill } from "#domain/stream-fills.js";
import type { LiveFills, TrackOutcome } from "#domain/tracking.js";
import { recordingLogger } from "../../support/logger.js";

const A = `0x${"a".repeat(40)}` as Address;
const B = `0x${"b".repeat(40)}` as Address;

let tid = 0;
const fill = (coin = "BTC", sz = "1", time = Date.now()): StreamFill => ({ coin, px: "100", sz, side: "B", time, tid: ++tid, hash: "0x1" });
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
  const tradedAt = new Map<Address, number>();
  const tracker = createLiveTracker({
    coalesceMs: 30,
    retryDelaysMs: [20, 20],
    logger: recordingLogger().logger,
    handOff: async (traded) => {
      for (const [a, t] of traded) tradedAt.set(a, t);
      handedOff.push(...traded.keys());
    },
    track: async (addresses, live: LiveFills) => {
      const n = calls.length;
      calls.push({ addresses, tids: new Map([...live.fills].map(([a, f]) => [a, f.map((x) => x.tid)])), final: live.final });
      return Promise.all(addresses.map(async (address) => ({ address, status: await answer(address, n), events: [] })));
    },
    ...o,
  });
  return { tracker, calls, handedOff, tradedAt };
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

  it("asks again after a malformed or refused answer (invalid), rather than dropping the fills", async () => {
    const { tracker, calls, handedOff } = setup((_a, n) => (n === 0 ? "invalid" : "changed"));
    const f = fill();
    tracker.add(new Map([[A, [f]]]));
    await sleep(120);
    expect(calls.map((c) => c.tids.get(A))).toEqual([[f.tid], [f.tid]]);
    expect(handedOff).toEqual([]);
    expect(tracker.stats()).toMatchObject({ pending: 0, failed: 1, changed: 1 });
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

  it("on stop with a deadline gives every pending trader his last try at once, and hands off only those still not done, with their newest trade's time", async () => {
    const { tracker, calls, handedOff, tradedAt } = setup((a) => (a === B ? "lagging" : "changed"), { coalesceMs: 60_000 });
    const t0 = Date.now() - 5_000;
    tracker.add(new Map([[A, [fill("BTC", "1", t0)]], [B, [fill("ETH", "1", t0 + 1), fill("ETH", "-1", t0 + 2)]]]));
    // Within the deadline, neither the 60 s coalescing wait nor the retry delays are waited out.
    expect(await tracker.stop({ drainUntil: Date.now() + 2_000 })).toBe(1);
    expect(calls.map((c) => [c.addresses, c.final])).toEqual([
      [[A], true],
      [[B], true],
    ]);
    expect(handedOff).toEqual([B]);
    expect(tradedAt.get(B)).toBe(t0 + 2);
  });

  it("on stop with a deadline turns a poll under way that must be retried into its last try", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { tracker, calls, handedOff } = setup(async (_a, n) => {
      if (n === 0) {
        await gate;
        return "lagging" as const;
      }
      return "changed" as const;
    });
    tracker.add(new Map([[A, [fill()]]]));
    await sleep(50);
    const stopped = tracker.stop({ drainUntil: Date.now() + 2_000 });
    release();
    expect(await stopped).toBe(0);
    expect(calls.map((c) => c.final)).toEqual([false, true]);
    expect(handedOff).toEqual([]);
  });

  it("polls nobody while held, then every fill that came meanwhile", async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { tracker, calls } = setup(() => "changed", { hold });
    const f = [fill(), fill()];
    tracker.add(new Map([[A, [f[0]!]]]));
    await sleep(60);
    tracker.add(new Map([[A, [f[1]!]]]));
    await sleep(60);
    expect(calls).toHaveLength(0);
    expect(tracker.stats().pending).toBe(1);
    release();
    await sleep(80);
    expect(calls.map((c) => c.tids.get(A))).toEqual([f.map((x) => x.tid)]);
    await tracker.stop();
  });

  it("stopped while held, hands everyone off without polling", async () => {
    const { tracker, calls, handedOff } = setup(() => "changed", { hold: new Promise(() => undefined) });
    tracker.add(new Map([[A, [fill()]]]));
    expect(await tracker.stop({ drainUntil: Date.now() + 1_000 })).toBe(1);
    expect(calls).toHaveLength(0);
    expect(handedOff).toEqual([A]);
  });
});
