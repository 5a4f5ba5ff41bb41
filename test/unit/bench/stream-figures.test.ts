import { describe, expect, it } from "vitest";
import { createPrng } from "#simulator/prng.js";
import { checkDeliveries, planOrder, poissonOffsets, shuffled, type PlacedOrder, type ReceivedEvent } from "../../../bench/stream-figures.js";

const makers = Array.from({ length: 8 }, (_, i) => `0xm${i}`);

describe("orders of bench:stream", () => {
  it("fills each order 2–5 times, one sign, each against a different maker", () => {
    const prng = createPrng(1);
    for (let i = 0; i < 200; i++) {
      const o = planOrder(prng, "0xa", ["BTC", "ETH"], makers);
      expect(o.sizes.length).toBeGreaterThanOrEqual(2);
      expect(o.sizes.length).toBeLessThanOrEqual(5);
      expect(o.makers).toHaveLength(o.sizes.length);
      expect(new Set(o.makers).size).toBe(o.makers.length);
      expect(new Set(o.sizes.map((s) => s.startsWith("-"))).size).toBe(1);
      for (const s of o.sizes) expect(Math.abs(Number(s))).toBeGreaterThanOrEqual(1);
    }
  });

  it("places about `perMinute` orders a minute, in order, within the run", () => {
    const offsets = poissonOffsets(createPrng(2), 100, 600);
    expect(offsets.length).toBeGreaterThan(850);
    expect(offsets.length).toBeLessThan(1_150);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(offsets.every((t) => t >= 0 && t < 600_000)).toBe(true);
  });

  it("shuffles a copy, every item once", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffled(createPrng(3), items);
    expect(out).not.toEqual(items);
    expect([...out].sort((a, b) => a - b)).toEqual(items);
  });
});

describe("deliveries of bench:stream", () => {
  /** An order of one unit a fill, bought from flat unless `over` says otherwise: one OPEN_POSITION. */
  const order = (user: string, coin: string, time: number, tids: number[], over: Partial<PlacedOrder> = {}): PlacedOrder => ({
    user,
    coin,
    time,
    tids,
    sizes: tids.map(() => "1"),
    startSzi: "0",
    clockLeadMs: 0,
    ...over,
  });
  const event = (id: string, trader: string, coin: string, tids: number[], receivedAt: number, extra: Partial<ReceivedEvent> = {}): ReceivedEvent => ({
    id,
    trader,
    coin,
    type: "OPEN_POSITION",
    tids,
    fillsSource: "stream",
    eventAt: receivedAt - 100,
    receivedAt,
    deliveries: 1,
    ...extra,
  });

  it("finds each order's event by taker and coin, and times it from the trade", () => {
    const c = checkDeliveries(
      [order("0xa", "BTC", 1_000, [1, 2]), order("0xb", "ETH", 2_000, [3, 4, 5])],
      [event("a-1-BTC", "0xa", "BTC", [1, 2], 1_600), event("b-1-ETH", "0xb", "ETH", [3, 4, 5], 2_900, { fillsSource: "exchange" })],
    );
    expect(c).toMatchObject({ expected: 2, expectedEvents: 2, delivered: 2, missing: 0, unexpected: 0, duplicates: 0 });
    expect(c.tids).toEqual({ expected: 5, behindOne: 5, inNone: 0, inMany: 0, foreign: 0 });
    expect(c.samples.latencyMs).toEqual([600, 900]);
    expect(c.samples.toPollMs).toEqual([500, 800]);
    // No poll logged: the stages after the poll's start are left out.
    expect(c.samples.pollMs).toEqual([]);
    expect(c.bySource).toEqual({ stream: 1, exchange: 1 });
  });

  it("splits a latency at the exchange's first answer to the trader once the poll began", () => {
    const c = checkDeliveries(
      [order("0xa", "BTC", 1_000, [1])],
      [event("a-1-BTC", "0xa", "BTC", [1], 2_000)],
      [
        { user: "0xA", at: 900 },
        { user: "0xa", at: 1_950 },
        { user: "0xa", at: 1_960 },
        { user: "0xb", at: 1_920 },
      ],
    );
    // Poll began at 1,900 (the event's timestamp), answered at 1,950, at the client at 2,000.
    expect(c.samples).toEqual({ latencyMs: [1_000], toPollMs: [900], pollMs: [50], toClientMs: [50] });
    expect(c.slowest[0]).toMatchObject({ latencyMs: 1_000, toPollMs: 900, pollMs: 50, toClientMs: 50 });
  });

  it("counts what is missing, duplicated, extra, or behind the wrong number of events", () => {
    const c = checkDeliveries(
      [order("0xa", "BTC", 1_000, [1, 2]), order("0xb", "ETH", 2_000, [3]), order("0xc", "SOL", 3_000, [4])],
      [
        event("a-1-BTC", "0xa", "BTC", [1], 1_500, { deliveries: 3 }),
        event("a-2-BTC", "0xa", "BTC", [1], 1_700),
        event("z-1-BTC", "0xz", "BTC", [99], 1_800),
        event("c-1-SOL", "0xc", "SOL", [4], 3_200),
      ],
    );
    // 0xa's first event lacks tid 2 and its second repeats tid 1: neither is the one OPEN its order
    // makes, which is missing; 0xb's is missing; 0xz did not trade.
    expect(c).toMatchObject({ expected: 3, expectedEvents: 3, delivered: 1, missing: 2, unexpected: 3, duplicates: 2 });
    expect(c.tids).toEqual({ expected: 4, behindOne: 1, inNone: 2, inMany: 1, foreign: 1 });
    // The first receipt of an order's events counts.
    expect(c.samples.latencyMs).toEqual([500, 200]);
  });

  it("expects two events of an order that lands on zero or crosses it partway, as the README's rule makes them", () => {
    // 0xa holds 2 and sells 2 then 1: CLOSE (tids 1, 2), then OPEN (tid 3). 0xb holds -1 and buys
    // 2 then 1: FLIP (tid 4), then INCREASE (tid 5). The old check expected one event an order and
    // counted each second event as unexpected.
    const orders = [
      order("0xa", "BTC", 1_000, [1, 2, 3], { sizes: ["-1", "-1", "-1"], startSzi: "2" }),
      order("0xb", "ETH", 2_000, [4, 5], { sizes: ["2", "1"], startSzi: "-1" }),
    ];
    const c = checkDeliveries(orders, [
      event("a-7-BTC", "0xa", "BTC", [1, 2], 1_500, { type: "CLOSE_POSITION" }),
      event("a-7-BTC-2", "0xa", "BTC", [3], 1_500, { type: "OPEN_POSITION" }),
      event("b-3-ETH", "0xb", "ETH", [4], 2_400, { type: "FLIP_POSITION" }),
      event("b-3-ETH-2", "0xb", "ETH", [5], 2_400, { type: "INCREASE_POSITION" }),
    ]);
    expect(c).toMatchObject({ expected: 2, expectedEvents: 4, delivered: 4, missing: 0, unexpected: 0, duplicates: 0 });
    expect(c.tids).toEqual({ expected: 5, behindOne: 5, inNone: 0, inMany: 0, foreign: 0 });
    expect(c.samples.latencyMs).toEqual([500, 400]);

    // One FLIP with all of 0xb's fills is not what the rule makes: its FLIP and INCREASE are missing.
    const merged = checkDeliveries(orders.slice(1), [event("b-3-ETH", "0xb", "ETH", [4, 5], 2_400, { type: "FLIP_POSITION" })]);
    expect(merged).toMatchObject({ expectedEvents: 2, delivered: 0, missing: 2, unexpected: 1 });
  });
});
