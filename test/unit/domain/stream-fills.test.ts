import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import type { RecentTrade } from "#domain/exchange.js";
import { CandidatePool } from "#domain/stream-discovery.js";
import { fillsExplain, fillsFromTrades, type StreamFill } from "#domain/stream-fills.js";
import { DEFAULT_LEASE_TIMING, newStreamStatus, publicStreamState, streamDelivers, shouldTakeOver, type StreamStatus } from "#domain/stream-status.js";
import { RecentIds } from "#app/recent-ids.js";

const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const [X, Y, Z] = [a(1), a(2), a(3)];
const lev = { type: "cross" as const, value: 5 };

const trade = (buyer: string, seller: string, sz: string, o: Partial<RecentTrade> = {}): RecentTrade => ({
  coin: "ETH",
  side: "B",
  px: "3000",
  sz,
  time: 1_000,
  hash: "0xabc",
  tid: 1,
  users: [buyer, seller],
  ...o,
});

describe("stream fills", () => {
  it("gives the buyer a B fill and the seller an A fill, only for tracked users, in order", () => {
    const fills = fillsFromTrades(
      [trade(X, Y, "1", { tid: 1 }), trade(Z, X.toUpperCase().replace("0X", "0x"), "0.5", { tid: 2 }), trade(Y, Z, "2", { tid: 3 })],
      (u) => u === X || u === Z,
    );
    expect(fills.get(X)!.map((f) => [f.side, f.sz, f.tid])).toEqual([
      ["B", "1", 1],
      ["A", "0.5", 2],
    ]);
    expect(fills.get(Z)!.map((f) => [f.side, f.tid])).toEqual([
      ["B", 2],
      ["A", 3],
    ]);
    expect(fills.has(Y)).toBe(false);
  });

  it("gives a self-trade both sides, and the all-zero address nothing", () => {
    const fills = fillsFromTrades([trade(X, X, "1"), trade(`0x${"0".repeat(40)}`, Y, "1")], () => true);
    expect(fills.get(X)!.map((f) => f.side)).toEqual(["B", "A"]);
    expect([...fills.keys()]).toEqual([X, Y]);
  });

  it("explain a change only when each coin's signed fills add up to its change of size, exactly", () => {
    const f = (coin: string, side: "B" | "A", sz: string): StreamFill => ({ coin, side, sz, px: "1", time: 1, tid: 1, hash: "h" });
    const before = { ETH: { szi: "1.1", entryPx: "1", leverage: lev } };
    const after = { ETH: { szi: "-0.2", entryPx: "1", leverage: lev }, BTC: { szi: "0.3", entryPx: "1", leverage: lev } };
    expect(fillsExplain(before, after, [f("ETH", "A", "1"), f("ETH", "A", "0.3"), f("BTC", "B", "0.3")])).toBe(true);
    // A coin's fills that do not add up, a change without fills, fills without a change.
    expect(fillsExplain(before, after, [f("ETH", "A", "1.3"), f("BTC", "B", "0.30000001")])).toBe(false);
    expect(fillsExplain(before, after, [f("ETH", "A", "1.3")])).toBe(false);
    expect(fillsExplain(before, before, [f("SOL", "B", "1")])).toBe(false);
    // Opened and closed within the same poll: no change, and the fills say so.
    expect(fillsExplain(before, before, [f("SOL", "B", "1"), f("SOL", "A", "1")])).toBe(true);
  });
});

describe("stream discovery", () => {
  it("ranks untracked users by notional, then trade count, and starts over after each pick", () => {
    const pool = new CandidatePool();
    pool.observe(
      [trade(X, Y, "1", { px: "100" }), trade(Y, Z, "1", { px: "100" }), trade(Z, X, "10", { px: "100", coin: "SOL" }), trade(Y, Z, "1", { px: "50" })],
      (u) => u === X,
    );
    const picked = pool.take(5);
    expect(picked.map((c) => [c.address, c.notional.toString(), c.trades, c.coin])).toEqual([
      [Z, "1150", 3, "SOL"],
      [Y, "250", 3, "ETH"],
    ]);
    expect(pool.size).toBe(0);
    expect(pool.take(5)).toEqual([]);
  });

  it("holds at most its bound of candidates", () => {
    const pool = new CandidatePool(2);
    pool.observe([trade(X, Y, "1"), trade(Z, a(4), "1")], () => false);
    expect(pool.size).toBe(2);
  });
});

describe("listener lease", () => {
  const status = (o: Partial<StreamStatus>): StreamStatus => ({
    ...newStreamStatus("l1", 0, 900_000),
    state: "connected",
    heartbeatAt: 100_000,
    ...o,
  });

  it("is taken over when nobody holds it, the holder stopped or went silent, or has less than the hand-over time left", () => {
    const now = 110_000;
    expect(shouldTakeOver(null, now)).toBe(true);
    expect(shouldTakeOver(status({}), now)).toBe(false);
    expect(shouldTakeOver(status({ state: "stopped" }), now)).toBe(true);
    expect(shouldTakeOver(status({ heartbeatAt: now - DEFAULT_LEASE_TIMING.staleMs - 1 }), now)).toBe(true);
    expect(shouldTakeOver(status({ leaseUntil: now + DEFAULT_LEASE_TIMING.handoverMs - 1 }), now)).toBe(true);
  });

  it("shows down, the holder's own state, or lagging when its backlog is old", () => {
    const now = 110_000;
    expect(publicStreamState(null, now)).toBe("down");
    expect(publicStreamState(status({ heartbeatAt: 0 }), now)).toBe("down");
    expect(publicStreamState(status({ state: "reconnecting" }), now)).toBe("reconnecting");
    expect(publicStreamState(status({}), now)).toBe("connected");
    expect(publicStreamState(status({ backlogMs: 6_000 }), now)).toBe("lagging");
  });

  it("counts as delivering when connected or lagging, or reconnecting shortly after its last trade; else polling covers everyone", () => {
    const now = 110_000;
    expect(streamDelivers(status({}), now)).toBe(true);
    expect(streamDelivers(status({ backlogMs: 6_000 }), now)).toBe(true);
    expect(streamDelivers(status({ state: "reconnecting", lastMessageAt: now - 5_000 }), now)).toBe(true);
    // Up, but the WebSocket has not delivered for long (blocked while REST works).
    expect(streamDelivers(status({ state: "reconnecting", lastMessageAt: now - 61_000 }), now)).toBe(false);
    expect(streamDelivers(status({ state: "connecting" }), now)).toBe(false);
    expect(streamDelivers(null, now)).toBe(false);
  });
});

describe("recent ids", () => {
  it("drops repeats among the last ones and forgets the oldest", () => {
    const ids = new RecentIds(2);
    expect([ids.add("a"), ids.add("a"), ids.add("b"), ids.add("c"), ids.add("a"), ids.add("c")]).toEqual([true, false, true, true, true, false]);
  });
});
