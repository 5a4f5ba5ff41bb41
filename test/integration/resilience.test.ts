import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import type { WireFill } from "#simulator/index.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";

/**
 * The exchange misbehaves: rate limits, server errors, wrong-shaped answers. Nothing a user would
 * care about may be lost or duplicated because of it.
 */
describe("a 30% rate of 429/5xx from the exchange", () => {
  let p: Pipeline;
  beforeAll(async () => {
    // Few retries per request, so some polls exhaust them and the worker hands those traders back.
    p = await startPipeline({ seed: 21, batchSize: 5, maxRetries: 1 });
  });
  afterAll(async () => p.close());

  it("loses no event: every change of every trader is recorded once, in order", { timeout: 120_000 }, async () => {
    const { sim } = p;
    const traders = sim.populate(30) as Address[];
    for (const t of traders) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    await p.cycle(); // baselines, fault-free

    const snapshot = () =>
      new Map(traders.flatMap((t) => sim.coins().map((c) => [`${t}|${c}`, sim.positionOf(t, c)?.szi ?? "0"] as const)));
    const baseline = snapshot();
    let moved = 0;
    let failures = 0;
    // The exchange's own fills of each trader and coin (the simulator's), to check the events against.
    const fills = new Map<string, WireFill[]>();
    const deliveredBefore = p.delivered();
    for (let round = 0; round < 4; round++) {
      const before = snapshot();
      sim.advance(5_000);
      for (const { trade, fill, counterpartyFill } of sim.randomActivity(40)) {
        for (const f of [fill, counterpartyFill]) {
          const key = `${trade.users[f.side === "B" ? 0 : 1]}|${trade.coin}`;
          fills.set(key, [...(fills.get(key) ?? []), f]);
        }
      }
      const after = snapshot();
      // At least one event is due for every trader/coin whose size moved (from the simulator, not our diff).
      for (const [key, szi] of after) if (Number(before.get(key)) !== Number(szi)) moved += 1;
      sim.setFaults({ rate429: 0.15, rate5xx: 0.15 });
      const responses = await p.cycle({ maxRounds: 400 });
      sim.setFaults({});
      failures += responses.reduce((n, r) => n + r.batchItemFailures.length, 0);
    }
    const stats = sim.stats();
    // The faults really happened and really made traders come back, as messages of their own
    // (4 cycles of 6 messages), without failing a message (SQS would redeliver all its traders).
    expect(stats.faults.rateLimited).toBeGreaterThan(10);
    expect(stats.faults.serverError).toBeGreaterThan(10);
    expect(p.delivered() - deliveredBefore).toBeGreaterThan(4 * 6);
    expect(failures).toBe(0);

    expect(moved).toBeGreaterThan(50);
    const all = (await Promise.all(traders.map((t) => p.events(t)))).flat();
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(moved);
    const final = snapshot();
    for (const [key, szi] of final) {
      const [trader, coin] = key.split("|") as [string, string];
      const events = all.filter((e) => e.trader_address === trader && e.details.coin === coin).sort((a, b) => a.version - b.version || a.step - b.step);
      // Each event starts where the one before ended, from the baseline to the exchange's size now.
      const chain = events.map((e) => [decStr(dec(e.details.previous_szi)), decStr(dec(e.details.szi))]);
      const ends = [decStr(dec(baseline.get(key)!)), ...chain.map(([, to]) => to!)];
      expect(chain.map(([from]) => from), key).toEqual(ends.slice(0, -1));
      expect(ends[ends.length - 1], key).toBe(decStr(dec(szi)));
      // Every close and every flip the exchange's fills show is an event of its own.
      const own = fills.get(key) ?? [];
      const closes = own.filter((f) => (f.dir === "Close Long" || f.dir === "Close Short") && dec(f.startPosition).abs().eq(f.sz));
      const flips = own.filter((f) => f.dir === "Long > Short" || f.dir === "Short > Long");
      expect(events.filter((e) => e.event_type === "CLOSE_POSITION").length, key).toBe(closes.length);
      expect(events.filter((e) => e.event_type === "FLIP_POSITION").length, key).toBe(flips.length);
    }
    // And the stored state equals the exchange's: nothing was skipped.
    for (const t of traders) {
      const item = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: t } }));
      const stored = (item.Item?.positions ?? {}) as Record<string, { szi: string }>;
      for (const c of sim.coins()) {
        expect(Number(stored[c]?.szi ?? "0"), `${t} ${c}`).toBe(Number(sim.positionOf(t, c)?.szi ?? "0"));
      }
    }
  });
});

describe("a malformed answer for one trader", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 22 });
  });
  afterAll(async () => p.close());

  it("fails only that trader: the others in the same message are tracked and the message succeeds", async () => {
    const good = "0x00000000000000000000000000000000000000c1" as Address;
    const bad = "0x00000000000000000000000000000000000000c2" as Address;
    for (const t of [good, bad]) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    await p.cycle();
    p.sim.advance(1_000);
    p.sim.execute({ user: good, coin: "ETH", size: "1", px: "3000" });
    p.sim.execute({ user: bad, coin: "ETH", size: "1", px: "3000" });
    p.sim.setFaults({ malformedUsers: [bad] });

    const responses = await p.cycle();
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect((await p.events(good)).map((e) => e.event_type)).toEqual(["OPEN_POSITION"]);
    expect(await p.events(bad)).toEqual([]);
    const item = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: bad } }));
    expect(item.Item?.last_error).toMatch(/clearinghouseState/);
    expect(p.exchange.stats().schemaErrors).toBeGreaterThan(0);

    // Once the exchange answers properly again, the change is picked up.
    p.sim.setFaults({});
    await p.cycle();
    expect((await p.events(bad)).map((e) => e.event_type)).toEqual(["OPEN_POSITION"]);
  });
});
