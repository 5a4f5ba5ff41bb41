import { describe, expect, it } from "vitest";
import { legsWithoutOpening, readLegSignals } from "#domain/copy/engine-openings.js";
import type { StoredOpening } from "#domain/copy/engine-ports.js";
import type { CopyMessage } from "#domain/copy/messages.js";
import { legKey, type LeaderSnapshot } from "#domain/copy/targets.js";
import { recordingLogger } from "../../support/logger.js";
import { FOLLOWER, LEADER, paperConfig, T0 } from "./engine-harness.js";

const snapshot: LeaderSnapshot = { address: LEADER, equityUsd: "100000", positions: { BTC: "0.5", ETH: "-3", SOL: "10" }, version: 7, asOf: T0 };
const reconcile: CopyMessage = { v: 1, follower_id: FOLLOWER, event_id: `reconcile:${T0}`, leader: null, coin: null, signal_at: T0 };
const capped = paperConfig({ caps: { maxSlippageBps: 50, maxSignalAgeSeconds: 30 } });
/** He held SOL long when the follower last ran; BTC and ETH are new to it. */
const memory = { [legKey(LEADER, "SOL")]: { kind: "copying" as const, side: 1 as const } };

describe("legs a run finds new without their opening's message", () => {
  it("are those its memory does not hold on that side, unless the run's own message opened it", () => {
    expect(legsWithoutOpening(capped, memory, [snapshot], reconcile).map((l) => [l.coin, l.side, l.version, l.asOf])).toEqual([
      ["BTC", 1, 7, T0],
      ["ETH", -1, 7, T0],
    ]);
    const btcOpened: CopyMessage = { ...reconcile, event_id: `${LEADER}-7-BTC`, leader: LEADER, coin: "BTC", opened: { szi: "0.5", version: 7 } };
    expect(legsWithoutOpening(capped, memory, [snapshot], btcOpened).map((l) => l.coin)).toEqual(["ETH"]);
    // His event for BTC that opened nothing (an add whose opening's message was lost) does not explain it.
    const btcAdded: CopyMessage = { ...btcOpened, opened: undefined };
    expect(legsWithoutOpening(capped, memory, [snapshot], btcAdded).map((l) => l.coin)).toEqual(["BTC", "ETH"]);
    // A flip is a new leg on the other side.
    const flipped = { ...memory, [legKey(LEADER, "ETH")]: { kind: "ignored" as const, side: 1 as const } };
    expect(legsWithoutOpening(capped, flipped, [snapshot], reconcile).map((l) => l.coin)).toEqual(["BTC", "ETH"]);
  });

  it("none on the follower's first run, nor where the opening decides nothing (no age cap, not fixed_notional)", () => {
    expect(legsWithoutOpening(capped, null, [snapshot], reconcile)).toEqual([]);
    expect(legsWithoutOpening(paperConfig(), memory, [snapshot], reconcile)).toEqual([]);
    const notional = paperConfig({ leaders: [{ address: LEADER, sizing: { mode: "fixed_notional", notionalUsd: "500" } }] });
    expect(legsWithoutOpening(notional, memory, [snapshot], reconcile).map((l) => l.coin)).toEqual(["BTC", "ETH"]);
  });

  it("each gets its opening's time and size; one not found, or on the other side, the snapshot's time", async () => {
    const legs = legsWithoutOpening(capped, memory, [snapshot], reconcile);
    const stored: Record<string, StoredOpening> = {
      BTC: { signalAt: T0 - 90_000, szi: "0.2", version: 5 },
      ETH: { signalAt: T0 - 90_000, szi: "4", version: 3 }, // a long he closed: not this short's opening
    };
    const asked: unknown[] = [];
    const signals = await readLegSignals(
      {
        opening: async (leader, coin, version) => {
          asked.push([leader, coin, version]);
          return stored[coin] ?? null;
        },
      },
      legs,
    );
    expect(asked).toEqual([
      [LEADER, "BTC", 7],
      [LEADER, "ETH", 7],
    ]);
    expect(signals).toEqual([
      { leader: LEADER, coin: "BTC", signalAt: T0 - 90_000, opening: { leader: LEADER, coin: "BTC", szi: "0.2", version: 5 } },
      { leader: LEADER, coin: "ETH", signalAt: T0 },
    ]);
    // A read that fails is logged, and the leg takes its snapshot's time, as with a source that reads no events.
    const { logger, entries } = recordingLogger();
    const failing = await readLegSignals({ opening: async () => Promise.reject(new Error("throttled")) }, legs, logger);
    expect(failing.map((s) => [s.coin, s.signalAt])).toEqual([
      ["BTC", T0],
      ["ETH", T0],
    ]);
    expect(entries.filter((e) => e.level === "warn")).toHaveLength(2);
    expect((await readLegSignals({}, legs)).map((s) => [s.coin, s.signalAt, s.opening])).toEqual([
      ["BTC", T0, undefined],
      ["ETH", T0, undefined],
    ]);
  });
});
