import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import { startListener, type RunningListener } from "../support/listener.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { eventually } from "../support/wait.js";

/**
 * The trades stream watches every perp dex's coins: a tracked trader's trade on a builder dex's
 * coin (xyz:TSLA) reaches the listener, whose targeted poll asks that dex, and the OPEN is stored
 * from the stream alone, with its dex. No scheduled poll runs after the baseline.
 */
const H = "0x00000000000000000000000000000000000000f7" as Address;

describe("the trades stream on a builder dex", () => {
  let p: Pipeline;
  let l: RunningListener;
  beforeAll(async () => {
    p = await startPipeline({ seed: 67, simRealTime: true, builderDexes: true });
    await trackTrader(p.traders, H, { source: "manual", at: Date.now() });
    await p.cycle();
    l = startListener(p);
    await eventually(async () => (await l.status.read())?.state === "connected", { what: "the listener connected", timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await l?.stop();
    await p?.close();
  });

  it("subscribes to the builder dex's coins and turns his xyz:TSLA trade into an OPEN with dex xyz", async () => {
    expect((await l.status.read())?.coins).toBe(p.sim.coins().length);
    p.sim.execute({ user: H, coin: "xyz:TSLA", size: "1.5", px: "433" });
    const events = await eventually(async () => {
      const e = await p.events(H);
      return e.length > 0 ? e : undefined;
    }, { what: "his event", timeoutMs: 15_000 });
    expect(events.map((e) => [e.event_type, e.details.coin, e.details.dex, e.details.fills_source])).toEqual([
      ["OPEN_POSITION", "xyz:TSLA", "xyz", "stream"],
    ]);
  });
});
