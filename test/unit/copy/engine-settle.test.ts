import { describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import type { EngineVenue } from "#domain/copy/engine-ports.js";
import { FILL_DETAILS_INTERVAL_MS, MAX_UNSETTLED, settleFills, UNSETTLED_GIVE_UP_MS } from "#domain/copy/engine-settle.js";
import type { CopyOrder } from "#domain/copy/ports.js";
import { recordingLogger } from "../../support/logger.js";
import { createHarness, FOLLOWER, LEADER, liveConfig } from "./engine-harness.js";

/**
 * A live follower's fees and closed PnL, read at most once a minute for all its fills since (not
 * after every batch that filled). The venue here is a stand-in for the exchange: it fills at the
 * mid, answers without fee (as the order answer does), and lists each fill's fee (0.045% of the
 * notional) and closed PnL when asked by `fillDetails`, counting the asks.
 *
 * By hand, on the recorded BTC mid 30,135 and fixed_ratio 0.1: the leader's 0.5 BTC is a 0.05 buy,
 * 0.05 × 30,135 = 1,506.75 notional, fee 0.6780375. Closing it at 30,235: closed PnL
 * (30,235 − 30,135) × 0.05 = 5, fee 0.05 × 30,235 × 0.00045 = 0.6802875. Both: fees 1.358325.
 */

const liveLikeVenue = () => {
  const held: Record<string, { szi: string; entryPx: string }> = {};
  const listed = new Map<number, { feeUsd: string; closedPnlUsd: string }>();
  const asks: { oid: number; sentAt: number }[][] = [];
  let oid = 100;
  const state = { hide: new Set<number>(), fail: false };
  const venue: EngineVenue = {
    account: async () => ({ positions: structuredClone(held), equityUsd: "10000" }),
    place: async (orders, mids) =>
      orders.map((o) => {
        const price = mids[o.coin]!;
        const before = held[o.coin];
        const closed = before !== undefined && !o.isBuy ? dec(price).minus(before.entryPx).times(o.size) : dec(0);
        const szi = dec(before?.szi ?? "0").plus(o.isBuy ? o.size : `-${o.size}`);
        if (szi.eq(0)) delete held[o.coin];
        else held[o.coin] = { szi: decStr(szi), entryPx: o.isBuy ? price : before!.entryPx };
        listed.set(++oid, { feeUsd: decStr(dec(o.size).times(price).times("0.00045")), closedPnlUsd: decStr(closed) });
        return { status: "filled" as const, oid, filledSize: o.size, avgPrice: price, feeUsd: null, closedPnlUsd: null };
      }),
    resolve: async () => ({ status: "unknown" as const }),
    fillDetails: async (orders) => {
      asks.push([...orders]);
      if (state.fail) throw new Error("HTTP 429");
      return new Map(orders.flatMap((o) => (state.hide.has(o.oid) || !listed.has(o.oid) ? [] : [[o.oid, listed.get(o.oid)!] as const])));
    },
  };
  return { venue, asks, state };
};

const setup = async () => {
  const v = liveLikeVenue();
  const h = await createHarness(liveConfig(), () => v.venue);
  const later = async (ms: number) => {
    h.clock.now += ms;
    return h.engine(h.reconcile());
  };
  const account = () => h.store.getAccount(FOLLOWER);
  const stored = () => [...(h.store.orders.get(FOLLOWER) ?? [])];
  return { ...v, h, later, account, stored };
};

describe("a live follower's fees, read once a minute", () => {
  it("keeps a fill unsettled, reads nothing within the minute, then reads once and adds fee and closed PnL exactly once", async () => {
    const { h, asks, later, account, stored } = await setup();
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    const opened = stored()[0]!;
    expect([opened.status, opened.filledSize, opened.feeUsd]).toEqual(["filled", "0.05", null]);
    expect((await account()).unsettled?.map((o) => o.cloid)).toEqual([opened.cloid]);
    expect((await account()).actual?.feesUsd).toBe("0");
    expect(asks).toEqual([]);

    // 20 s later the leader closes at a higher mid: a second fill, still no read.
    h.mids.BTC = "30235";
    h.clock.now += 19_000;
    await h.leaderMoves({}, "BTC");
    expect((await account()).unsettled).toHaveLength(2);
    await later(10_000); // 30 s after the first fill
    expect(asks).toEqual([]);

    await later(FILL_DETAILS_INTERVAL_MS - 30_000); // a minute after the first fill: one read for both
    expect(asks).toHaveLength(1);
    expect(asks[0]!.map((o) => o.oid)).toEqual(stored().map((o) => o.oid));
    expect(stored().map((o) => o.feeUsd)).toEqual(["0.6780375", "0.6802875"]);
    const settled = await account();
    expect(settled.unsettled).toBeUndefined();
    expect(settled.actual?.feesUsd).toBe("1.358325");
    expect(settled.actual?.realizedPnlUsd).toBe("5");

    // Nothing left to read: later runs neither ask nor add again.
    await later(FILL_DETAILS_INTERVAL_MS);
    expect(asks).toHaveLength(1);
    expect((await account()).actual?.feesUsd).toBe("1.358325");
    // The fill's alert went at once, without the fee (it is not known then).
    expect(h.alerts.filter((a) => a.kind === "fill").map((a) => (a.kind === "fill" ? a.order.feeUsd : "?"))).toEqual([null, null]);
  });

  it("a run that lost the race to another writer reads again and adds the fee once", async () => {
    const { h, asks, later, account, stored } = await setup();
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    const before = await account();
    let raced = false;
    h.store.beforeCommit = (input) => {
      if (raced || input.account.fillsReadAt === undefined) return;
      raced = true;
      // Another run commits first (the account as it was, fill still unsettled): this one's write is refused.
      void h.store.commit({ account: before, orders: [] });
    };
    await later(FILL_DETAILS_INTERVAL_MS);
    expect(raced).toBe(true);
    expect(asks).toHaveLength(2); // the lost attempt's read, and the retry's
    expect(stored()[0]?.feeUsd).toBe("0.6780375");
    expect((await account()).actual?.feesUsd).toBe("0.6780375");
    expect((await account()).unsettled).toBeUndefined();
  });

  it("keeps a fill the exchange does not list yet, and gives it up (fee unknown) once ten minutes old", async () => {
    const { h, asks, state, later, account, stored } = await setup();
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    state.hide.add(stored()[0]!.oid!);
    await later(FILL_DETAILS_INTERVAL_MS);
    expect(asks).toHaveLength(1);
    expect((await account()).unsettled).toHaveLength(1);
    await later(UNSETTLED_GIVE_UP_MS - FILL_DETAILS_INTERVAL_MS - 1);
    expect(asks).toHaveLength(2);
    expect((await account()).unsettled).toHaveLength(1);
    await later(1);
    expect(asks).toHaveLength(2); // the last read was 1 ms ago
    await later(FILL_DETAILS_INTERVAL_MS);
    expect(asks).toHaveLength(3);
    expect((await account()).unsettled).toBeUndefined();
    expect(stored()[0]?.feeUsd).toBeNull();
    expect((await account()).actual?.feesUsd).toBe("0");
    expect(h.entries.some((e) => e.level === "warn" && e.message.includes("its fee stays unknown"))).toBe(true);
  });

  it("a failed read keeps every fill (none given up) and is tried again an interval later, not at once", async () => {
    const { h, asks, state, later, account } = await setup();
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    state.fail = true;
    await later(UNSETTLED_GIVE_UP_MS);
    expect(asks).toHaveLength(1);
    expect((await account()).unsettled).toHaveLength(1);
    state.fail = false;
    await later(FILL_DETAILS_INTERVAL_MS - 1);
    expect(asks).toHaveLength(1);
    await later(1);
    expect(asks).toHaveLength(2);
    expect((await account()).actual?.feesUsd).toBe("0.6780375");
  });
});

describe("a follower that stops running", () => {
  const apiMessage = (h: Awaited<ReturnType<typeof setup>>["h"], what: string) => ({
    v: 1 as const,
    follower_id: FOLLOWER,
    event_id: `api:${what}:${h.clock.now}`,
    leader: null,
    coin: null,
    signal_at: h.clock.now,
  });
  const setState = async (h: Awaited<ReturnType<typeof setup>>["h"], change: { state: "paused" | "stopped"; closeRequested: boolean }) => {
    const record = (await h.store.get(FOLLOWER))!;
    expect(await h.store.update(FOLLOWER, record.version, change, h.clock.now)).not.toBe("conflict");
  };

  it("paused by the user: its last fill's fee is read at once, as no run comes an interval later", async () => {
    const { h, asks, account, stored } = await setup();
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    h.clock.now += 5_000;
    await setState(h, { state: "paused", closeRequested: false });
    expect(await h.engine(apiMessage(h, "pause"))).toEqual({ status: "skipped", why: "inactive" });
    expect(asks).toHaveLength(1);
    expect(stored().map((o) => o.feeUsd)).toEqual(["0.6780375"]);
    expect((await account()).actual?.feesUsd).toBe("0.6780375");
    expect((await account()).unsettled).toBeUndefined();
    // Nothing waits any more: another message asks nothing.
    await h.engine(apiMessage(h, "pause"));
    expect(asks).toHaveLength(1);
  });

  it("stopped with close: the closing fill's fee and closed PnL are read with the same message", async () => {
    const { h, asks, account } = await setup();
    await h.leaderMoves({ BTC: "0.5" }, "BTC");
    h.mids.BTC = "30235";
    h.clock.now += 5_000;
    await setState(h, { state: "stopped", closeRequested: true });
    await h.engine(apiMessage(h, "close"));
    // One read for the opening and the closing fill (see the header's figures).
    expect(asks).toHaveLength(1);
    expect(asks[0]).toHaveLength(2);
    const closed = await account();
    expect(closed.actual?.positions).toEqual({});
    expect(closed.actual?.feesUsd).toBe("1.358325");
    expect(closed.actual?.realizedPnlUsd).toBe("5");
    expect(closed.unsettled).toBeUndefined();
    expect((await h.store.get(FOLLOWER))?.closeRequested).toBe(false);
  });
});

describe("the unsettled list's bound", () => {
  it(`keeps the newest ${MAX_UNSETTLED}, saying which were given up`, async () => {
    const { logger, entries } = recordingLogger();
    const order = (n: number): CopyOrder => ({
      followerId: FOLLOWER,
      cloid: `0x${n.toString(16).padStart(32, "0")}`,
      eventId: `e${n}`,
      leader: LEADER,
      coin: "BTC",
      side: "buy",
      size: "0.001",
      limitPrice: "30285",
      reduceOnly: false,
      status: "filled",
      fillPrice: "30135",
      filledSize: "0.001",
      feeUsd: null,
      oid: n,
      error: null,
      signalAt: 1_000,
      sentAt: 1_000,
      filledAt: 1_000,
    });
    const earlier = Array.from({ length: MAX_UNSETTLED }, (_, i) => order(i + 1));
    const s = await settleFills({
      account: { followerId: FOLLOWER, unsettled: earlier, fillsReadAt: 1_000 },
      placed: [order(MAX_UNSETTLED + 1), order(MAX_UNSETTLED + 2)],
      venue: { fillDetails: async () => new Map() },
      now: 2_000, // within the interval: no read
      logger,
    });
    expect(s.unsettled.map((o) => o.oid)).toEqual(Array.from({ length: MAX_UNSETTLED }, (_, i) => i + 3));
    expect(entries.filter((e) => e.level === "warn")).toHaveLength(1);
    expect(entries[0]?.extra[0]).toMatchObject({ dropped: [order(1).cloid, order(2).cloid] });
  });
});
