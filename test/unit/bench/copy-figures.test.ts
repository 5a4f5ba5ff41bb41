import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { deriveCloid } from "#domain/copy/cloid.js";
import type { CopyOrder } from "#domain/copy/ports.js";
import { createPrng } from "#simulator/prng.js";
import { doubles, expectedCloid, orderFigures, weightPerEvent } from "../../../bench/copy-figures.js";
import { planLeaderSteps } from "../../../bench/copy-leaders.js";
import { tapOrderAction, type TappedAction } from "../../../bench/copy-tap.js";

const order = (o: Partial<CopyOrder> & Pick<CopyOrder, "eventId" | "cloid">): CopyOrder => ({
  followerId: "f1",
  leader: null,
  coin: "BTC",
  side: "buy",
  size: "0.01",
  limitPrice: "100500",
  reduceOnly: false,
  status: "filled",
  fillPrice: "100000",
  filledSize: "0.01",
  feeUsd: "0.45",
  oid: 1,
  error: null,
  signalAt: 1_000,
  sentAt: null,
  filledAt: null,
  ...o,
});

const action = (orders: TappedAction["orders"], receivedAt = 0): TappedAction => ({ receivedAt, answeredAt: receivedAt, httpStatus: 200, weight: 1, orders });
const tapped = (cloid: string, status: "filled" | "error", error?: string) => ({ cloid, asset: 0, isBuy: true, size: "0.01", status, ...(error && { error }) });

describe("the copy benchmark's figures", () => {
  it("derives the cloid as the engine does (16 bytes of SHA-256 over follower, event, coin, leg)", () => {
    expect(expectedCloid("f1", "0xab-3-BTC", "BTC", 1)).toBe(deriveCloid({ followerId: "f1", eventId: "0xab-3-BTC", coin: "BTC", leg: 1 }));
    expect(expectedCloid("f1", "0xab-3-BTC", "BTC", 0)).not.toBe(expectedCloid("f1", "0xab-3-BTC", "BTC", 1));
  });

  it("measures each order from its leader event's timestamp, leaving reconciliations out of the delays", () => {
    const c = (e: string, leg: 0 | 1) => expectedCloid("f1", e, "BTC", leg);
    const figures = orderFigures(
      [
        {
          followerId: "f1",
          mode: "live",
          orders: [
            order({ eventId: "e1", cloid: c("e1", 0), sentAt: 1_100, filledAt: 1_300 }),
            order({ eventId: "e1", cloid: c("e1", 1), sentAt: 1_250, filledAt: 1_260, status: "cancelled" }),
            order({ eventId: "reconcile:5000", cloid: c("reconcile:5000", 0), sentAt: 5_010, filledAt: 5_020 }),
            order({ eventId: "e9", cloid: c("e9", 0), sentAt: 9_000 }),
          ],
        },
      ],
      [{ id: "e1", leader: "0x1" as Address, coin: "BTC", type: "OPEN_POSITION", szi: "1", at: 1_000, leaderEquityUsd: "100000", lagMs: 0, commitMs: 5 }],
      [action([tapped(c("e1", 0), "filled")], 1_090)],
    );
    // Sent 100 and 250 ms after the event; only the filled one counts as filled (300 ms).
    expect(figures.all.sent).toEqual({ count: 2, p50Ms: 100, p99Ms: 250, maxMs: 250 });
    expect(figures.live.filled).toEqual({ count: 1, p50Ms: 300, p99Ms: 300, maxMs: 300 });
    expect(figures.paper.sent.count).toBe(0);
    expect(figures.exchangeReceived).toEqual({ count: 1, p50Ms: 90, p99Ms: 90, maxMs: 90 });
    expect(figures.byOrigin).toEqual({ event: 3, reconcile: 1, other: 0 });
    expect(figures.byStatus).toEqual({ filled: 3, cancelled: 1 });
    expect(figures.unknownEvents).toBe(1);
  });

  it("counts an order stored twice for one (follower, event, coin, leg), a cloid filled twice, and refusals", () => {
    const c0 = expectedCloid("f1", "e1", "BTC", 0);
    const c1 = expectedCloid("f1", "e1", "BTC", 1);
    const result = doubles(
      [
        {
          followerId: "f1",
          mode: "live",
          orders: [
            order({ eventId: "e1", cloid: c0, signalAt: 1_000 }),
            // The same event redelivered with another signal time: a second item for the same leg.
            order({ eventId: "e1", cloid: c0, signalAt: 2_000 }),
            order({ eventId: "e1", cloid: c1 }),
            order({ eventId: "e1", cloid: "0x00000000000000000000000000000000" }),
          ],
        },
      ],
      [
        action([tapped(c0, "filled"), tapped(c1, "filled")]),
        action([tapped(c0, "filled")]),
        action([tapped(c1, "error", "Duplicate cloid.")]),
        action([tapped("0xffffffffffffffffffffffffffffffff", "filled")]),
      ],
    );
    expect(result).toEqual({ storedTwice: 1, foreignCloids: 1, filledTwice: 1, duplicatesRefused: 1, unrecorded: 1 });
  });

  it("reckons the weight a leader event costs and what 1,200 a minute carries", () => {
    // 200 + (1 + 2) = 203 over 10 events = 20.3; 1,200 ÷ 20.3 = 59.1.
    expect(weightPerEvent(200, [{ ...action([]), weight: 1 }, { ...action([]), weight: 2 }], 10)).toEqual({ info: 200, exchange: 3, perEvent: 20.3, eventsPerMinuteAt1200: 59 });
  });

  it("reads an order action and its answer off the wire", () => {
    const request = {
      action: {
        type: "order",
        orders: [
          { a: 0, b: true, p: "100500", s: "0.01", r: false, t: { limit: { tif: "Ioc" } }, c: "0xAB000000000000000000000000000001" },
          { a: 1, b: false, p: "3000", s: "0.001", r: true, t: { limit: { tif: "Ioc" } } },
        ],
        grouping: "na",
      },
      nonce: 1,
      signature: { r: "0x1", s: "0x2", v: 27 },
    };
    const answer = { status: "ok", response: { type: "order", data: { statuses: [{ filled: { totalSz: "0.01", avgPx: "100000", oid: 7 } }, { error: "Order must have minimum value of $10." }] } } };
    expect(tapOrderAction(request, 200, answer, { receivedAt: 5, answeredAt: 9 })).toEqual({
      receivedAt: 5,
      answeredAt: 9,
      httpStatus: 200,
      weight: 1,
      orders: [
        { cloid: "0xab000000000000000000000000000001", asset: 0, isBuy: true, size: "0.01", status: "filled", filledSize: "0.01" },
        { cloid: null, asset: 1, isBuy: false, size: "0.001", status: "error", error: "Order must have minimum value of $10." },
      ],
    });
    expect(tapOrderAction({ action: { type: "approveAgent" } }, 200, {}, { receivedAt: 0, answeredAt: 0 })).toBeNull();
  });
});

describe("the copy benchmark's leaders", () => {
  const market = { BTC: { mark: "100000", szDecimals: 5 }, ETH: { mark: "3000", szDecimals: 4 }, SOL: { mark: "150", szDecimals: 2 } };
  const leaders = ["0xa", "0xb", "0xc"] as Address[];
  const steps = planLeaderSteps(createPrng(3), { leaders, coinsOf: [["BTC", "ETH"], ["ETH", "SOL"], ["BTC"]], market, steps: 600, durationMs: 60_000 });

  it("takes the leaders in turn, each on his own coins, evenly over the run", () => {
    expect(steps.map((s) => s.leader).slice(0, 6)).toEqual(["0xa", "0xb", "0xc", "0xa", "0xb", "0xc"]);
    expect(steps.filter((s) => s.leader === "0xc").every((s) => s.coin === "BTC")).toBe(true);
    expect(steps[599]?.atMs).toBe(59_900);
  });

  it("keeps every size on the lot, and each leader's size the running sum of his trades", () => {
    const held = new Map<string, ReturnType<typeof dec>>();
    for (const s of steps) {
      const lot = dec(10).pow(-market[s.coin as keyof typeof market].szDecimals);
      expect(dec(s.size).mod(lot).eq(0)).toBe(true);
      const key = `${s.leader} ${s.coin}`;
      const after = (held.get(key) ?? dec(0)).plus(s.size);
      expect(after.eq(s.szi)).toBe(true);
      held.set(key, after);
    }
  });

  it("moves $3,000 or more each step (20% of at least $15k), so a 1% copy stays above the $10 minimum", () => {
    for (const s of steps) {
      const usd = dec(s.size).abs().times(market[s.coin as keyof typeof market].mark);
      // Rounding down to the lot takes off less than one lot ($1 of BTC here).
      expect(usd.gte(2_999), `${s.kind} ${s.coin} ${s.size}`).toBe(true);
    }
  });
});
