import { describe, expect, it } from "vitest";
import { parseAddress } from "#domain/address.js";
import { deriveCloid } from "#domain/copy/cloid.js";
import { dec, decStr } from "#commons/decimal.js";
import type { EngineVenue } from "#domain/copy/engine-ports.js";
import type { VenueOrderResult } from "#domain/copy/ports.js";
import { ORDER_ERRORS_TO_PAUSE } from "#domain/copy/engine.js";
import { createHarness, FOLLOWER, LEADER, liveConfig, ordersOf, paperConfig } from "./engine-harness.js";

/**
 * The engine end to end over the in-memory store, on the recorded mids (BTC 30,135, ETH 1,903.95)
 * and szDecimals (BTC 5, ETH 4). 50 bps slippage: a BTC buy is limited (and paper-filled) at
 * 30,285 (the bound 30,285.675 rounded toward the mid to 5 figures), a sell at 29,985 (29,984.325
 * rounded up); ETH sells at 1,894.5. Taker fee 0.045%.
 */
describe("the copy engine on a paper follower", () => {
  it("follows an open, an increase, a decrease, a flip and a close (fixed_ratio 0.1)", async () => {
    const h = await createHarness(paperConfig());
    const opened = await h.leaderMoves({ BTC: "0.5" }, "BTC");
    await h.leaderMoves({ BTC: "0.8" }, "BTC");
    await h.leaderMoves({ BTC: "0.3" }, "BTC");
    await h.leaderMoves({ BTC: "-0.2" }, "BTC");
    await h.leaderMoves({}, "BTC");

    expect(await ordersOf(h)).toEqual([
      ["BTC", "buy", "0.05", false, "filled", "30285"], // target 0.05
      ["BTC", "buy", "0.03", false, "filled", "30285"], // 0.08
      ["BTC", "sell", "0.05", true, "filled", "29985"], // 0.03: (29,985 − 30,285) × 0.05 = −15
      ["BTC", "sell", "0.03", true, "filled", "29985"], // flip: close 0.03, −9
      ["BTC", "sell", "0.02", false, "filled", "29985"], //       then open −0.02
      ["BTC", "buy", "0.02", true, "filled", "30285"], // close: (30,285 − 29,985) × 0.02 × −1 = −6
    ]);
    const first = h.store.orders.get(FOLLOWER)![0]!;
    expect(first.cloid).toBe(deriveCloid({ followerId: FOLLOWER, eventId: opened.message.event_id, coin: "BTC", leg: 0 }));
    expect(first.eventId).toBe(opened.message.event_id);
    expect(first.leader).toBe(LEADER);

    const account = await h.store.getAccount(FOLLOWER);
    // Fees: 1,514.25 + 908.55 + 1,499.25 + 899.55 + 599.7 + 605.7 = 6,027 traded × 0.00045 = 2.71215
    expect(account.ledger).toEqual({ balanceUsd: "10000", positions: {}, realizedPnlUsd: "-30", feesUsd: "2.71215" });
    expect(account.actual).toMatchObject({ positions: {}, equityUsd: "9967.28785", realizedPnlUsd: "-30", feesUsd: "2.71215" });
    expect(account.actual?.leaderEquityUsd).toEqual({ [LEADER]: "100000" });
    // Every run filled something: one equity point each.
    expect(h.store.equity.get(FOLLOWER)!.map((p) => p.equityUsd).at(-1)).toBe("9967.28785");
    expect(h.store.equity.get(FOLLOWER)).toHaveLength(5);
    expect(h.alerts.filter((a) => a.kind === "fill")).toHaveLength(6);
    expect(h.counts.reduce((n, c) => n + c.ordersSent, 0)).toBe(6);
  });

  it("proportional: sized at the equities of the leader's change, read after his event; an equity moving alone trades nothing", async () => {
    const h = await createHarness(paperConfig({ leaders: [{ address: LEADER, sizing: { mode: "proportional", multiplier: "1" } }] }));
    // 1 BTC × 10,000 ÷ 100,000 = 0.1 BTC, bought at 30,285: equity 10,000 − 150 × 0.1 − 1.362825 (fee) = 9,983.637175.
    const first = await h.leaderMoves({ BTC: "1" }, "BTC");
    expect(h.equityAsks.at(-1)).toEqual({ leader: LEADER, notBefore: first.message.signal_at });
    // He loses half his account value, then opens 10 ETH. BTC stays 0.1 (re-sized at today's
    // equities it would be 0.19967…, $2,000 more bought on a trade he never made); ETH is sized now:
    // 10 × 9,983.637175 ÷ 50,000 = 1.996727435 → 1.9967.
    h.leaderEquity.set(LEADER, "50000");
    const second = await h.leaderMoves({ BTC: "1", ETH: "10" }, "ETH");
    expect(h.equityAsks.at(-1)).toEqual({ leader: LEADER, notBefore: second.message.signal_at });
    expect((await ordersOf(h)).map(([coin, side, size]) => [coin, side, size])).toEqual([
      ["BTC", "buy", "0.1"],
      ["ETH", "buy", "1.9967"],
    ]);
    // A reconciliation (no event) asks for his value as of the positions it finds, and trades nothing.
    h.clock.now += 60_000;
    await h.engine(h.reconcile());
    expect(h.equityAsks.at(-1)).toEqual({ leader: LEADER, notBefore: h.clock.now });
    expect(await ordersOf(h)).toHaveLength(2);
  });

  it("a duplicate of a done message, after the leader moved again, trades nothing under the cloid it used; the next run does", async () => {
    const h = await createHarness(paperConfig());
    const first = await h.leaderMoves({ BTC: "0.5" }, "BTC"); // buys 0.05 (fixed_ratio 0.1)
    // He adds to 0.8; before his event's message, the first message is delivered again.
    h.leaderPositions.set(LEADER, { BTC: "0.8" });
    h.clock.now += 1_000;
    await h.engine(first.message);
    // Its cloid (follower, event, BTC, leg 0) was used: no second fill on paper, the first order's
    // record kept, the 0.03 carried.
    expect(await ordersOf(h)).toEqual([["BTC", "buy", "0.05", false, "filled", "30285"]]);
    expect((await h.store.getAccount(FOLLOWER)).carried).toEqual({ BTC: "0.03" });
    await h.engine(h.reconcile());
    expect((await ordersOf(h)).map(([coin, side, size]) => [coin, side, size])).toEqual([
      ["BTC", "buy", "0.05"],
      ["BTC", "buy", "0.03"],
    ]);
  });

  it("fixed_notional: opens at the notional, then scales the copy by the leader's own fractions", async () => {
    const h = await createHarness(paperConfig({ leaders: [{ address: LEADER, sizing: { mode: "fixed_notional", notionalUsd: "1000" } }] }));
    // $1,000 ÷ (30,135 × 0.5) = 0.0663680106… per leader unit: 0.5 → 0.033184… → 0.03318 (5 decimals, down)
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    // He doubles: 1.0 × 0.066368… = 0.066368…; 0.033188… more → 0.03318
    await h.leaderMoves({ BTC: "1" }, "BTC");
    // He cuts to a quarter: 0.25 × 0.066368… = 0.016592…; sell 0.049768… → 0.04976
    await h.leaderMoves({ BTC: "0.25" }, "BTC");
    expect((await ordersOf(h)).map(([, side, size]) => [side, size])).toEqual([
      ["buy", "0.03318"],
      ["buy", "0.03318"],
      ["sell", "0.04976"],
    ]);
    const account = await h.store.getAccount(FOLLOWER);
    expect(account.ledger?.positions.BTC?.szi).toBe("0.0166");
    // The remembered ratio is the notional's, not recomputed at the later prices.
    expect(account.memory[`${LEADER} BTC`]).toMatchObject({ kind: "copying", side: 1 });
  });

  it("new_changes_only: a position the leader held when following started is not copied, his new ones are", async () => {
    const h = await createHarness(paperConfig({ start: "new_changes_only" }));
    h.leaderPositions.set(LEADER, { BTC: "0.5" });
    expect(await h.engine(h.reconcile())).toEqual({ status: "done", orders: 0 });
    await h.leaderMoves({ BTC: "0.5", ETH: "-3" }, "ETH");
    await h.leaderMoves({ BTC: "0.7", ETH: "-3" }, "BTC"); // adding to an ignored position: still ignored
    await h.leaderMoves({ ETH: "-3" }, "BTC");
    await h.leaderMoves({ BTC: "0.2", ETH: "-3" }, "BTC"); // reopened after following started: copied
    expect(await ordersOf(h)).toEqual([
      ["ETH", "sell", "0.3", false, "filled", "1894.5"],
      ["BTC", "buy", "0.02", false, "filled", "30285"],
    ]);
  });

  it("a stale signal opens nothing (not even at the next reconciliation) but its close is followed", async () => {
    const h = await createHarness(paperConfig({ caps: { maxSlippageBps: 50, maxSignalAgeSeconds: 10 } }));
    await h.leaderMoves({ ETH: "-3" }, "ETH", 60_000);
    await h.engine(h.reconcile());
    expect(await ordersOf(h)).toEqual([]);
    await h.leaderMoves({ ETH: "-3", BTC: "0.5" }, "BTC");
    await h.leaderMoves({ ETH: "-3" }, "BTC", 60_000);
    expect(await ordersOf(h)).toEqual([
      ["BTC", "buy", "0.05", false, "filled", "30285"],
      ["BTC", "sell", "0.05", true, "filled", "29985"],
    ]);
  });

  it("a position found without its message is held to max_signal_age_seconds by its opening event, read from his events", async () => {
    const h = await createHarness(paperConfig({ caps: { maxSlippageBps: 50, maxSignalAgeSeconds: 10 } }));
    await h.engine(h.reconcile()); // the first run: he holds nothing
    // He opens ETH (60 s ago) and BTC (5 s ago); neither message has reached the follower.
    h.clock.now += 60_000;
    h.leaderPositions.set(LEADER, { ETH: "-3", BTC: "0.5" });
    h.openings.set("ETH", { signalAt: h.clock.now - 60_000, szi: "-3", version: 0 });
    h.openings.set("BTC", { signalAt: h.clock.now - 5_000, szi: "0.5", version: 0 });
    await h.engine(h.reconcile());
    expect(await ordersOf(h)).toEqual([["BTC", "buy", "0.05", false, "filled", "30285"]]);
    expect((await h.store.getAccount(FOLLOWER)).memory[`${LEADER} ETH`]).toEqual({ kind: "ignored", side: -1 });
    expect(h.openingAsks).toEqual([
      { coin: "ETH", version: 0 },
      { coin: "BTC", version: 0 },
    ]);
    const reconciled = h.entries.filter((e) => e.message === "Follower reconciled").at(-1);
    expect(reconciled?.extra[0]).toMatchObject({ stale: ["ETH"] });
    // ETH's message, late, and the next reconciliation open nothing either, nor read the openings again.
    h.clock.now += 1_000;
    await h.engine(h.event("ETH", 61_000));
    await h.engine(h.reconcile());
    expect(await ordersOf(h)).toHaveLength(1);
    expect(h.openingAsks).toHaveLength(2);
  });

  it("fixed_notional: a position found without its message is sized from his opening event's size, which the message then confirms", async () => {
    const h = await createHarness(paperConfig({ leaders: [{ address: LEADER, sizing: { mode: "fixed_notional", notionalUsd: "1000" } }] }));
    await h.engine(h.reconcile());
    // He opened 0.5 BTC and doubled it before the follower's run, whose messages are still queued.
    h.leaderPositions.set(LEADER, { BTC: "1" });
    h.openings.set("BTC", { signalAt: h.clock.now, szi: "0.5", version: 1 });
    h.clock.now += 1_000;
    await h.engine(h.reconcile());
    // $1,000 ÷ (30,135 × 0.5) = 0.066368… per unit of his: 1 → 0.06636 (from his size now: 0.03318).
    expect((await ordersOf(h)).map(([, side, size]) => [side, size])).toEqual([["buy", "0.06636"]]);
    expect((await h.store.getAccount(FOLLOWER)).memory[`${LEADER} BTC`]).toMatchObject({ kind: "copying", side: 1, openVersion: 1 });
    // The opening's own message, when it comes, is no news.
    await h.engine({ ...h.event("BTC"), opened: { szi: "0.5", version: 1 } });
    expect(await ordersOf(h)).toHaveLength(1);
  });

  it("a leader added later (new_changes_only): what he holds when a run first sees him is not copied, his own new opening is", async () => {
    const h = await createHarness(paperConfig({ start: "new_changes_only" }));
    await h.engine(h.reconcile()); // following LEADER, who holds nothing
    // The user adds OTHER, who holds ETH; a run (the PATCH's nudge) first sees him.
    const other = parseAddress("0x31ca8395cf837de08b24da3f660e77761dfb974b");
    h.leaderPositions.set(other, { ETH: "-3" });
    const record = (await h.store.get(FOLLOWER))!;
    const leaders = [...record.config.leaders, { address: other, sizing: { mode: "fixed_ratio" as const, ratio: "0.1" } }];
    await h.store.update(FOLLOWER, record.version, { config: { ...record.config, leaders } }, h.clock.now);
    h.clock.now += 1_000;
    await h.engine(h.reconcile());
    expect(await ordersOf(h)).toEqual([]);
    expect((await h.store.getAccount(FOLLOWER)).memory[`${other} ETH`]).toEqual({ kind: "ignored", side: -1 });
    // He opens BTC after being added, and its event comes: copied. He adds to ETH: still not.
    h.leaderPositions.set(other, { ETH: "-4", BTC: "0.5" });
    h.clock.now += 1_000;
    await h.engine({ ...h.event("BTC"), leader: other, opened: { szi: "0.5", version: 3 } });
    await h.engine({ ...h.event("ETH"), leader: other });
    expect(await ordersOf(h)).toEqual([["BTC", "buy", "0.05", false, "filled", "30285"]]);
  });

  it("a leader added later (sync_now) is copied as he stands; one removed and added again starts afresh", async () => {
    const h = await createHarness(paperConfig({ start: "sync_now" }));
    await h.engine(h.reconcile());
    const other = parseAddress("0x31ca8395cf837de08b24da3f660e77761dfb974b");
    h.leaderPositions.set(other, { ETH: "-3" });
    const setLeaders = async (withOther: boolean) => {
      const record = (await h.store.get(FOLLOWER))!;
      const leaders = [{ address: LEADER, sizing: { mode: "fixed_ratio" as const, ratio: "0.1" } }, ...(withOther ? [{ address: other, sizing: { mode: "fixed_ratio" as const, ratio: "0.1" } }] : [])];
      await h.store.update(FOLLOWER, record.version, { config: { ...record.config, leaders } }, h.clock.now);
      h.clock.now += 1_000;
      await h.engine(h.reconcile());
    };
    await setLeaders(true);
    expect(await ordersOf(h)).toEqual([["ETH", "sell", "0.3", false, "filled", "1894.5"]]);
    await setLeaders(false); // removed: his copy closes
    expect((await ordersOf(h)).map(([coin, side, size, reduceOnly]) => [coin, side, size, reduceOnly])).toEqual([
      ["ETH", "sell", "0.3", false],
      ["ETH", "buy", "0.3", true],
    ]);
    await setLeaders(true); // added again: copied as he stands now
    expect(await ordersOf(h)).toHaveLength(3);
    expect((await h.store.getAccount(FOLLOWER)).ledger?.positions.ETH?.szi).toBe("-0.3");
  });

  it("carries a change below the $10 minimum and trades it with the next", async () => {
    const h = await createHarness(paperConfig());
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    // 0.0003 × 30,285 = $9.09: not sent, carried.
    await h.leaderMoves({ BTC: "0.503" }, "BTC");
    expect((await h.store.getAccount(FOLLOWER)).carried).toEqual({ BTC: "0.0003" });
    await h.leaderMoves({ BTC: "0.506" }, "BTC");
    expect((await ordersOf(h)).map(([, side, size]) => [side, size])).toEqual([
      ["buy", "0.05"],
      ["buy", "0.0006"],
    ]);
    const account = await h.store.getAccount(FOLLOWER);
    expect(account.carried).toEqual({});
    expect(account.ledger?.positions.BTC).toEqual({ szi: "0.0506", entryPx: "30285" });
    // Valued at the run's mid (the recorded 30,135.0): what GET /followers/{id} shows unrealized PnL at.
    expect(account.actual?.marks).toEqual({ BTC: "30135.0" });
  });

  it("a coin without a mid, or no longer listed, is left as it is while every other coin trades; a price back trades it", async () => {
    const h = await createHarness(paperConfig());
    await h.leaderMoves({ BTC: "0.5", ETH: "10" }, "BTC");
    // ETH's dex answers no mid; SOL (which he now opens) is not in meta. BTC still trades.
    h.noMid.add("ETH");
    h.unlisted.add("SOL");
    const { outcome } = await h.leaderMoves({ BTC: "0.8", ETH: "20", SOL: "100" }, "BTC");
    expect(outcome).toEqual({ status: "done", orders: 1 });
    expect((await ordersOf(h)).map(([coin, side, size]) => [coin, side, size])).toEqual([
      ["BTC", "buy", "0.05"],
      ["ETH", "buy", "1"],
      ["BTC", "buy", "0.03"],
    ]);
    expect(h.entries.filter((e) => e.message.startsWith("Coins off target left as they are")).map((e) => e.extra)).toEqual([[{ followerId: FOLLOWER, coins: ["ETH", "SOL"] }]]);
    // The paper ETH position is valued at its last mid (1,903.95), not left to fail the run:
    // 10,000 − (30,285 − 30,135) × 0.08 − (1,913.4 − 1,903.95) × 1 − fees (0.045% of 1,514.25 + 1,913.4 + 908.55 = 4,336.2) 1.95129.
    const account = await h.store.getAccount(FOLLOWER);
    expect(account.ledger?.positions.ETH).toEqual({ szi: "1", entryPx: "1913.4" });
    expect(account.actual?.marks).toEqual({ BTC: "30135.0", ETH: "1903.95" });
    expect(account.actual?.equityUsd).toBe("9976.59871");

    // Its price back (SOL listed again), the next reconciliation trades both.
    h.noMid.delete("ETH");
    h.unlisted.delete("SOL");
    h.clock.now += 1_000;
    await h.engine(h.reconcile());
    expect((await ordersOf(h)).slice(3).map(([coin, side, size]) => [coin, side, size])).toEqual([
      ["ETH", "buy", "1"],
      ["SOL", "buy", "10"],
    ]);
  });

  it("a redelivered message trades nothing twice", async () => {
    const h = await createHarness(paperConfig());
    const { message } = await h.leaderMoves({ BTC: "0.5" }, "BTC");
    const before = await h.store.getAccount(FOLLOWER);
    h.clock.now += 90_000;
    expect(await h.engine(message)).toEqual({ status: "done", orders: 0 });
    expect(await ordersOf(h)).toHaveLength(1);
    expect((await h.store.getAccount(FOLLOWER)).ledger).toEqual(before.ledger);
  });

  it("a crash before the results are written: the paper run traded nothing, and the redelivery trades once", async () => {
    const h = await createHarness(paperConfig());
    h.store.beforeCommit = (input) => {
      if (input.orders.some((o) => o.status !== "pending")) throw new Error("crash before the results were written");
    };
    h.leaderPositions.set(LEADER, { BTC: "0.5" });
    const message = h.event("BTC");
    await expect(h.engine(message)).rejects.toThrow("crash");
    // Paper writes no pending order (its ledger is written with the results): nothing was traded.
    expect(await h.store.pendingOrders(FOLLOWER)).toEqual([]);
    expect(await ordersOf(h)).toEqual([]);
    expect((await h.store.getAccount(FOLLOWER)).ledger?.positions.BTC).toBeUndefined();

    delete h.store.beforeCommit;
    await h.engine(message); // SQS delivers it again
    // The same cloid: the order's record is the one order, now filled; the position is not doubled.
    expect(await ordersOf(h)).toEqual([["BTC", "buy", "0.05", false, "filled", "30285"]]);
    expect(await h.store.pendingOrders(FOLLOWER)).toEqual([]);
    expect((await h.store.getAccount(FOLLOWER)).ledger?.positions.BTC?.szi).toBe("0.05");
  });
});

describe("a live-like venue (an account that keeps what it filled)", () => {
  it("after a crash between sending and writing, asks the venue by cloid and trades nothing again", async () => {
    // The venue fills at the mid and remembers each cloid, as the exchange does; its account is
    // the position it filled. (The live venue itself is copylive's; this is the engine's side.)
    const held: Record<string, { szi: string; entryPx: string }> = {};
    const filled = new Map<string, { size: string; price: string }>();
    const venue: EngineVenue = {
      account: async () => ({ positions: structuredClone(held), equityUsd: "10000" }),
      place: async (orders, mids) =>
        orders.map((o) => {
          const price = mids[o.coin]!;
          filled.set(o.cloid, { size: o.size, price });
          held[o.coin] = { szi: decStr(dec(held[o.coin]?.szi ?? "0").plus(o.isBuy ? o.size : `-${o.size}`)), entryPx: price };
          return { status: "filled" as const, oid: filled.size, filledSize: o.size, avgPrice: price, feeUsd: "0.01", closedPnlUsd: "0" };
        }),
      resolve: async (o) => {
        const f = filled.get(o.cloid);
        return f === undefined ? { status: "unknown" as const } : { status: "filled" as const, oid: 1, filledSize: f.size, avgPrice: f.price, feeUsd: "0.01", closedPnlUsd: "0" };
      },
    };
    const h = await createHarness(liveConfig(), () => venue);
    h.store.beforeCommit = (input) => {
      if (input.orders.some((o) => o.status !== "pending")) throw new Error("crash after sending");
    };
    h.leaderPositions.set(LEADER, { BTC: "0.5" });
    const message = h.event("BTC");
    await expect(h.engine(message)).rejects.toThrow("crash");
    delete h.store.beforeCommit;
    await h.engine(message);
    expect(held.BTC?.szi).toBe("0.05"); // not 0.1
    expect(filled.size).toBe(1);
    expect(await ordersOf(h)).toEqual([["BTC", "buy", "0.05", false, "filled", "30135.0"]]);
    expect(await h.store.pendingOrders(FOLLOWER)).toEqual([]);
    // The fill found by resolve is accounted once: its fee.
    expect((await h.store.getAccount(FOLLOWER)).actual?.feesUsd).toBe("0.01");
  });
});

describe("order errors", () => {
  it("counts and alerts a refusal (tick size, margin), not an IOC that found nothing nor a throttled send", async () => {
    // Each coin gets the answer a venue gives: the live venue's IocCancel and the paper venue's
    // reduce-only with nothing to reduce are `cancelled`; the exchange's refusals are rejected in
    // its words; a send throttled away is rejected as retryable (the next run tries again).
    const answers: Record<string, VenueOrderResult> = {
      BTC: { status: "cancelled", oid: null },
      ETH: { status: "rejected", error: "Price must be divisible by tick size.", retryable: false },
      SOL: { status: "rejected", error: "Insufficient margin to place order.", retryable: false },
      AVAX: { status: "rejected", error: "not sent: the weight budget had no room within 2000 ms", retryable: true },
    };
    const venue: EngineVenue = {
      account: async () => ({ positions: {}, equityUsd: "100000" }),
      place: async (orders) => orders.map((o) => answers[o.coin]!),
      resolve: async () => ({ status: "unknown" }),
    };
    const h = await createHarness(liveConfig(), () => venue);
    h.leaderPositions.set(LEADER, { BTC: "1", ETH: "10", SOL: "100", AVAX: "100" });
    await h.engine(h.reconcile());

    const statuses = Object.fromEntries(h.store.orders.get(FOLLOWER)!.map((o) => [o.coin, o.status]));
    expect(statuses).toEqual({ BTC: "cancelled", ETH: "rejected", SOL: "rejected", AVAX: "rejected" });
    expect(h.counts.at(-1)).toMatchObject({ ordersSent: 4, orderErrors: 2 });
    expect(h.alerts.flatMap((a) => (a.kind === "error" ? [a.message] : []))).toEqual([
      "Price must be divisible by tick size.",
      "Insufficient margin to place order.",
    ]);
  });
});

describe("refusals in a row", () => {
  it(`pauses the follower (order_errors) at ${ORDER_ERRORS_TO_PAUSE} refusals with no fill between, keeping its positions; a fill starts the count again`, async () => {
    // The exchange refuses ETH (no margin for it) and fills BTC, which the account then holds.
    const held: Record<string, { szi: string; entryPx: string }> = {};
    const venue: EngineVenue = {
      account: async () => ({ positions: structuredClone(held), equityUsd: "100000" }),
      place: async (orders) =>
        orders.map((o): VenueOrderResult => {
          if (o.coin === "ETH") return { status: "rejected", error: "Insufficient margin to place order.", retryable: false };
          held[o.coin] = { szi: decStr(dec(held[o.coin]?.szi ?? "0").plus(o.size)), entryPx: "30135" };
          return { status: "filled", oid: 7, filledSize: o.size, avgPrice: "30135", feeUsd: "0.01", closedPnlUsd: "0" };
        }),
      resolve: async () => ({ status: "unknown" }),
    };
    const h = await createHarness(liveConfig(), () => venue);
    // Run 1: BTC fills, ETH refused: a run with a fill counts none (the count starts after it).
    await h.leaderMoves({ BTC: "1", ETH: "10" }, "BTC");
    expect((await h.store.getAccount(FOLLOWER)).orderErrorsInARow).toBeUndefined();
    // Runs 2–5: ETH alone, refused each time (nothing was bought, so it is tried again).
    for (let n = 1; n <= ORDER_ERRORS_TO_PAUSE - 1; n++) {
      h.clock.now += 1_000;
      expect(await h.engine(h.reconcile())).toEqual({ status: "done", orders: 1 });
      expect((await h.store.getAccount(FOLLOWER)).orderErrorsInARow).toBe(n);
    }
    // A fill starts the count again: the leader adds BTC, the run buys it (and ETH is refused once more).
    await h.leaderMoves({ BTC: "2", ETH: "10" }, "BTC");
    expect((await h.store.getAccount(FOLLOWER)).orderErrorsInARow).toBeUndefined();
    for (let n = 1; n <= ORDER_ERRORS_TO_PAUSE - 1; n++) {
      h.clock.now += 1_000;
      await h.engine(h.reconcile());
    }
    expect((await h.store.get(FOLLOWER))?.state).toBe("active");
    h.clock.now += 1_000;
    expect(await h.engine(h.reconcile())).toMatchObject({ status: "done", paused: "order_errors" });
    const record = await h.store.get(FOLLOWER);
    expect(record).toMatchObject({ state: "paused", closeRequested: false, pause: { reason: "order_errors" } });
    expect(record?.pause?.message).toContain(`refused ${ORDER_ERRORS_TO_PAUSE} orders in a row`);
    expect(record?.pause?.message).toContain("Insufficient margin to place order.");
    expect(h.alerts.filter((a) => a.kind === "pause").map((a) => (a.kind === "pause" ? a.reason : ""))).toEqual(["order_errors"]);
  });
});

describe("the kill switch", () => {
  /**
   * Ratio 1: the leader's 1 BTC is bought at 30,285 (fee 13.62825). At the mid 30,135 equity is
   * 10,000 − 150 − 13.62825 = 9,836.37175, the day's start. BTC falls to 29,000: equity
   * 10,000 − 1,285 − 13.62825 = 8,701.37175, a loss of 1,135 today ≥ the 1,000 limit.
   */
  const losing = async (onPause: "keep" | "close") => {
    const config = { ...paperConfig({ caps: { maxSlippageBps: 50, dailyLossLimitUsd: "1000" } }), onPause };
    const h = await createHarness({ ...config, leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "1" } }] });
    await h.leaderMoves({ BTC: "1" }, "BTC");
    expect((await h.store.get(FOLLOWER))?.state).toBe("active");
    h.mids.BTC = "29000";
    h.clock.now += 30_000;
    const outcome = await h.engine(h.reconcile());
    return { h, outcome };
  };

  it("pauses the follower at the daily loss limit and keeps its positions (on_pause keep)", async () => {
    const { h, outcome } = await losing("keep");
    expect(outcome).toMatchObject({ status: "done", paused: "daily_loss_limit" });
    const record = await h.store.get(FOLLOWER);
    expect(record).toMatchObject({ state: "paused", closeRequested: false });
    expect(record?.pause).toMatchObject({ reason: "daily_loss_limit", message: "lost 1135.00 USD today (UTC), at or above daily_loss_limit_usd 1000" });
    expect((await h.store.getAccount(FOLLOWER)).ledger?.positions.BTC?.szi).toBe("1");
    expect(h.alerts.map((a) => a.kind)).toEqual(["fill", "pause"]);
    expect(h.counts.at(-1)?.followersPaused).toBe(1);
    // Paused: a later event trades nothing.
    expect((await h.leaderMoves({ BTC: "2" }, "BTC")).outcome).toEqual({ status: "skipped", why: "inactive" });
  });

  it("with on_pause close, closes every position reduce-only at once", async () => {
    const { h } = await losing("close");
    // Sell 1 BTC limited at 29,000 × 0.995 = 28,855: (28,855 − 30,285) × 1 = −1,430, fee 12.98475.
    expect((await ordersOf(h)).at(-1)).toEqual(["BTC", "sell", "1", true, "filled", "28855"]);
    expect(h.store.orders.get(FOLLOWER)!.at(-1)?.eventId).toMatch(/^close:\d+$/);
    const account = await h.store.getAccount(FOLLOWER);
    expect(account.ledger).toEqual({ balanceUsd: "10000", positions: {}, realizedPnlUsd: "-1430", feesUsd: "26.613" });
    expect(await h.store.get(FOLLOWER)).toMatchObject({ state: "paused", closeRequested: false, pause: { reason: "daily_loss_limit" } });
  });
});

describe("the kill switch on drawdown", () => {
  it("pauses when equity falls max_drawdown below its peak", async () => {
    // As above: peak 9,836.37175 after buying 1 BTC; at 29,000 equity is 8,701.37175, 1,135 below
    // the peak: 11.5388…% ≥ 10%.
    const config = paperConfig({ caps: { maxSlippageBps: 50, maxDrawdown: "0.1" } });
    const h = await createHarness({ ...config, leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "1" } }] });
    await h.leaderMoves({ BTC: "1" }, "BTC");
    expect((await h.store.getAccount(FOLLOWER)).peakEquityUsd).toBe("9836.37175");
    h.mids.BTC = "29000";
    expect(await h.engine(h.reconcile())).toMatchObject({ paused: "max_drawdown" });
    expect((await h.store.get(FOLLOWER))?.pause?.message).toBe(
      "equity 8701.37175 USD is 11.54% below its peak 9836.37175 USD, at or above max_drawdown 0.1",
    );
  });
});

describe("followers the engine cannot run", () => {
  it("pauses a live follower when no live venue is configured (agent_key)", async () => {
    const h = await createHarness(liveConfig());
    expect(await h.engine(h.reconcile())).toEqual({ status: "paused", reason: "agent_key" });
    expect((await h.store.get(FOLLOWER))?.pause?.message).toMatch(/live trading is not available/);
  });

  it("waits while a leader has no tracking baseline (his positions are unknown, not flat)", async () => {
    const h = await createHarness(paperConfig());
    h.leaderPositions.delete(LEADER);
    expect(await h.engine(h.reconcile())).toEqual({ status: "skipped", why: "no_leader_baseline" });
    expect((await h.store.getAccount(FOLLOWER)).version).toBe(0);
  });
});
