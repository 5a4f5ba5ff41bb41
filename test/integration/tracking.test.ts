import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";

/**
 * The tracking pipeline end to end: dispatcher → SQS → worker → DynamoDB, against the simulator.
 * Every expectation below is what a user of the live feed would see.
 */
const A = "0x00000000000000000000000000000000000000a1" as Address;

describe("tracking a scripted trader", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 11 });
  });
  afterAll(async () => p.close());

  it("records a baseline without events, then exactly one event per change, in order", async () => {
    const { sim } = p;
    // A position opened before we started watching: it is part of the baseline, not a signal.
    sim.execute({ user: A, coin: "BTC", size: "1", px: "60000" });
    await trackTrader(p.traders, A.toUpperCase().replace("0X", "0x"), { source: "manual", at: Date.now() });

    await p.cycle();
    expect(await p.events(A)).toEqual([]);
    const baseline = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: A } }));
    expect(baseline.Item?.positions).toMatchObject({ BTC: { szi: "1.0" } });

    sim.advance(1_000);
    sim.execute({ user: A, coin: "BTC", size: "0.5", px: "61000" });
    sim.execute({ user: A, coin: "ETH", size: "-2", px: "3000" });
    await p.cycle();

    sim.advance(1_000);
    sim.execute({ user: A, coin: "ETH", size: "1.5", px: "2900" });
    await p.cycle();

    sim.advance(1_000);
    sim.execute({ user: A, coin: "BTC", size: "-2.5", px: "62000" });
    await p.cycle();

    sim.advance(1_000);
    sim.execute({ user: A, coin: "ETH", size: "0.5", px: "2950" });
    await p.cycle();

    const events = await p.events(A);
    expect(events.map((e) => [e.event_type, e.details.coin, e.details.previous_szi, e.details.szi])).toEqual([
      ["INCREASE_POSITION", "BTC", "1", "1.5"],
      ["OPEN_POSITION", "ETH", "0", "-2"],
      ["DECREASE_POSITION", "ETH", "-2", "-0.5"],
      ["FLIP_POSITION", "BTC", "1.5", "-1"],
      ["CLOSE_POSITION", "ETH", "-0.5", "0"],
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // The events carry the real fills behind them: the flip sold 2.5 BTC at 62000.
    const flip = events[3]!;
    expect(flip.details).toMatchObject({ side: "SHORT", previous_side: "LONG", size: "1", previous_size: "1.5", size_delta: "-2.5" });
    expect(flip.details).toMatchObject({ fill_count: 1, execution_price: "62000", filled_size: "2.5" });
    // Closing 1.5 BTC long entered at (1×60000 + 0.5×61000)/1.5 = 60333.33… at 62000:
    // closedPnl = (62000 − 60333.333…) × 1.5 = 2500 (the simulator rounds entryPx; allow its rounding).
    expect(Number(flip.details.realized_pnl)).toBeCloseTo(2500, 0);
    // Taker fee 0.045% of 2.5 × 62000 = 155000 → 69.75
    expect(flip.details.fees).toBe("69.75");
    const close = events[4]!;
    // entry_price stays the exchange's own string.
    expect(close.details).toMatchObject({ side: "SHORT", size: "0", execution_price: "2950", entry_price: "3000.0" });
  });

  it("writes nothing for a poll that finds no change", async () => {
    const before = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: A } }));
    const eventsBefore = (await p.events(A)).length;
    await p.cycle();
    const after = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: A } }));
    expect(after.Item).toEqual(before.Item);
    expect((await p.events(A)).length).toBe(eventsBefore);
  });

  it("stores the fills that caused the events, deduplicated", async () => {
    const out = await p.tables.doc.send(new ScanCommand({ TableName: p.tables.names.fills }));
    const tids = (out.Items ?? []).map((f) => f.tid as number);
    // Five fills after the baseline (the BTC fill before it is history, left to the backfill).
    expect(tids.length).toBe(5);
    expect(new Set(tids).size).toBe(tids.length);
  });
});

describe("tracking a trader again after stopping", () => {
  let p: Pipeline;
  const R = "0x00000000000000000000000000000000000000a2" as Address;
  beforeAll(async () => {
    p = await startPipeline({ seed: 12 });
  });
  afterAll(async () => p.close());

  it("takes a new baseline: nothing that changed while he was not tracked goes out as news, and no old fills are fetched", async () => {
    const { sim } = p;
    const directory = createDynamoTraderDirectory(p.tables.doc, p.tables.names.traders);
    sim.execute({ user: R, coin: "BTC", size: "1", px: "60000" });
    await trackTrader(p.traders, R, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline
    sim.advance(1_000);
    sim.execute({ user: R, coin: "BTC", size: "1", px: "61000" });
    await p.cycle();
    const before = await p.events(R);
    expect(before.map((e) => e.event_type)).toEqual(["INCREASE_POSITION"]);

    expect(await directory.stopTracking(R)).toBe(true);
    // While nobody watches: weeks pass, he closes the BTC and opens ETH.
    sim.advance(25 * 86_400_000);
    sim.execute({ user: R, coin: "BTC", size: "-2", px: "64000" });
    sim.advance(1_000);
    sim.execute({ user: R, coin: "ETH", size: "3", px: "3100" });
    await p.cycle(); // not tracked: not polled

    const again = await trackTrader(p.traders, R, { source: "manual", at: Date.now() });
    expect(again.reactivated).toBe(true);
    p.sim.resetStats();
    await p.cycle();
    // A new baseline: no CLOSE of a 25-day-old position, no OPEN of one he has held for weeks.
    expect(await p.events(R)).toEqual(before);
    expect(p.sim.stats().requests.userFillsByTime ?? 0).toBe(0);
    const stored = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: R } }));
    expect(stored.Item?.positions).toMatchObject({ ETH: { szi: "3.0" } });
    expect(stored.Item?.positions).not.toHaveProperty("BTC");
    expect(stored.Item?.needs_baseline).toBeUndefined();

    // From there on, changes are news again, with only their own fills and ids of their own.
    sim.advance(1_000);
    const add = sim.execute({ user: R, coin: "ETH", size: "1", px: "3120" });
    await p.cycle();
    const after = await p.events(R);
    expect(after.map((e) => [e.event_type, e.details.coin, e.details.previous_szi, e.details.szi])).toEqual([
      ["INCREASE_POSITION", "BTC", "1", "2"],
      ["INCREASE_POSITION", "ETH", "3", "4"],
    ]);
    expect(after[1]!.details.tids).toEqual([add.fill.tid]);
    expect(new Set(after.map((e) => e.id)).size).toBe(2);
  });
});

describe("exactly-once effect", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ seed: 12 });
  });
  afterAll(async () => p.close());

  it("the same SQS message delivered twice, or to two overlapping workers, yields no duplicate", async () => {
    const B = "0x00000000000000000000000000000000000000b2" as Address;
    await trackTrader(p.traders, B, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline
    p.sim.advance(1_000);
    p.sim.execute({ user: B, coin: "SOL", size: "10", px: "150" });

    await p.dispatch();
    const event = await p.receive();
    expect(event.Records.length).toBe(1);
    // Two workers at once (an overlapping invocation), then a plain redelivery.
    const [r1, r2] = await Promise.all([p.worker(event), p.worker(event)]);
    const r3 = await p.worker(event);
    for (const r of [r1, r2, r3]) expect(r.batchItemFailures).toEqual([]);

    const events = await p.events(B);
    expect(events.map((e) => e.event_type)).toEqual(["OPEN_POSITION"]);
  });
});
