import { describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { buildEvent } from "#domain/events.js";
import type { Fill, Leverage } from "#domain/exchange.js";
import { lifecycleSteps, type LifecycleStep } from "#domain/fill-sequence.js";
import { diffPositions, type PositionMap } from "#domain/positions.js";
import type { StreamFill } from "#domain/stream-fills.js";
import { toFills } from "#hyperliquid/mappers.js";
import { fillsSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";

const A = "0x5e9ee1089755c3435139848e47e6635505d5a13a" as Address;
const OTHER = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const cross10: Leverage = { type: "cross", value: 10 };
const cross3: Leverage = { type: "cross", value: 3 };

let tid = 0;
/** An exchange fill of `signed` size (< 0 sells) from `start`, with the dir the exchange would give. */
const fill = (coin: string, start: string, signed: string, px: string, over: Partial<Fill> = {}): Fill => {
  const s = dec(start);
  const end = s.plus(signed);
  const dir = s.eq(0)
    ? end.gt(0) ? "Open Long" : "Open Short"
    : s.gt(0) !== end.gt(0) && !end.eq(0)
      ? s.gt(0) ? "Long > Short" : "Short > Long"
      : end.abs().gt(s.abs()) ? (s.gt(0) ? "Open Long" : "Open Short") : s.gt(0) ? "Close Long" : "Close Short";
  tid += 1;
  return {
    coin, px, sz: decStr(dec(signed).abs()), side: dec(signed).gt(0) ? "B" : "A", time: 1_000 + tid, startPosition: start, dir,
    closedPnl: "0", hash: `0x${tid}`, oid: tid, tid, fee: "0.01", feeToken: "USDC", crossed: true, ...over,
  };
};
const stream = (coin: string, signed: string, px: string): StreamFill => {
  tid += 1;
  return { coin, px, sz: decStr(dec(signed).abs()), side: dec(signed).gt(0) ? "B" : "A", time: 1_000 + tid, tid, hash: `0x${tid}` };
};
const pos = (szi: string, entryPx: string, leverage = cross10) => ({ szi, entryPx, leverage });
const shape = (steps: LifecycleStep[]) => steps.map((s) => [s.coin, s.type, s.previousSzi, s.szi, s.fills.length]);

describe("lifecycleSteps", () => {
  it("a close and a reopen at the same size are CLOSE then OPEN, where the snapshots show no change", () => {
    const before: PositionMap = { BTC: pos("1", "100") };
    const after: PositionMap = { BTC: pos("1", "110") };
    expect(diffPositions(before, after)).toEqual([]);
    const steps = lifecycleSteps(before, after, [fill("BTC", "1", "-1", "105"), fill("BTC", "0", "1", "110")]);
    expect(shape(steps)).toEqual([
      ["BTC", "CLOSE_POSITION", "1", "0", 1],
      ["BTC", "OPEN_POSITION", "0", "1", 1],
    ]);
    // The close reports the closed position's entry, the open the new one's.
    expect(steps.map((s) => s.entryPx)).toEqual(["100", "110"]);
  });

  it("a close and a larger reopen on the same side are CLOSE then OPEN, not INCREASE", () => {
    const before: PositionMap = { ETH: pos("-2", "2000") };
    const after: PositionMap = { ETH: pos("-5", "1900") };
    expect(diffPositions(before, after).map((c) => c.type)).toEqual(["INCREASE_POSITION"]);
    const steps = lifecycleSteps(before, after, [
      fill("ETH", "-2", "1.5", "1950"),
      fill("ETH", "-0.5", "0.5", "1950"),
      fill("ETH", "0", "-5", "1900"),
    ]);
    expect(shape(steps)).toEqual([
      ["ETH", "CLOSE_POSITION", "-2", "0", 2],
      ["ETH", "OPEN_POSITION", "0", "-5", 1],
    ]);
  });

  it("one fill across zero is a FLIP; further fills after it are their own step", () => {
    const before: PositionMap = { SOL: pos("3", "100") };
    const after: PositionMap = { SOL: pos("-4", "99") };
    const steps = lifecycleSteps(before, after, [fill("SOL", "3", "-5", "99"), fill("SOL", "-2", "-2", "99")]);
    expect(shape(steps)).toEqual([
      ["SOL", "FLIP_POSITION", "3", "-2", 1],
      ["SOL", "INCREASE_POSITION", "-2", "-4", 1],
    ]);
  });

  it("many fills of one order between the snapshots are one event", () => {
    const steps = lifecycleSteps({ BTC: pos("1", "100") }, { BTC: pos("2.5", "101") }, [
      fill("BTC", "1", "0.5", "101"),
      fill("BTC", "1.5", "0.5", "101"),
      fill("BTC", "2", "0.5", "101"),
    ]);
    expect(shape(steps)).toEqual([["BTC", "INCREASE_POSITION", "1", "2.5", 3]]);
  });

  it("a position added to and reduced back to its size between two snapshots is INCREASE then DECREASE, each fill behind one", () => {
    const before: PositionMap = { ETH: pos("3", "3000") };
    const after: PositionMap = { ETH: pos("3", "3001") };
    expect(diffPositions(before, after)).toEqual([]);
    // From the stream, as the trades stream gives them (a reduce of 2, then two adds of 1).
    const fills = [stream("ETH", "-2", "3000"), stream("ETH", "1", "3001"), stream("ETH", "1", "3002")];
    const steps = lifecycleSteps(before, after, fills);
    expect(shape(steps)).toEqual([
      ["ETH", "DECREASE_POSITION", "3", "1", 1],
      ["ETH", "INCREASE_POSITION", "1", "3", 2],
    ]);
    expect(steps.flatMap((s) => s.fills.map((f) => f.tid))).toEqual(fills.map((f) => f.tid));
    // The other way round, from the exchange's fills, a short: out to -4, back to -2 in two.
    const short = lifecycleSteps({ SOL: pos("-2", "100") }, { SOL: pos("-2", "100") }, [
      fill("SOL", "-2", "-2", "100"),
      fill("SOL", "-4", "1", "99"),
      fill("SOL", "-3", "1", "99"),
    ]);
    expect(shape(short)).toEqual([
      ["SOL", "INCREASE_POSITION", "-2", "-4", 1],
      ["SOL", "DECREASE_POSITION", "-4", "-2", 2],
    ]);
  });

  it("a trade with oneself moves nothing: alone, no event; inside a piece, no turn", () => {
    const buy = stream("BTC", "1", "100");
    const self = [buy, { ...buy, side: "A" as const }];
    expect(lifecycleSteps({ BTC: pos("2", "100") }, { BTC: pos("2", "100") }, self)).toEqual([]);
    const steps = lifecycleSteps({ BTC: pos("2", "100") }, { BTC: pos("3", "100") }, [...self, stream("BTC", "1", "100")]);
    expect(shape(steps)).toEqual([["BTC", "INCREASE_POSITION", "2", "3", 3]]);
  });

  it("a position opened and closed between two snapshots is OPEN then CLOSE; opened then flipped, OPEN then FLIP", () => {
    const steps = lifecycleSteps({}, { ARB: pos("-1", "0.9") }, [
      fill("DOGE", "0", "100", "0.1"),
      fill("DOGE", "100", "-100", "0.11"),
      fill("ARB", "0", "1", "1"),
      fill("ARB", "1", "1", "1"),
      fill("ARB", "2", "-3", "0.9"),
    ]);
    expect(shape(steps)).toEqual([
      ["ARB", "OPEN_POSITION", "0", "2", 2],
      ["ARB", "FLIP_POSITION", "2", "-1", 1],
      ["DOGE", "OPEN_POSITION", "0", "100", 1],
      ["DOGE", "CLOSE_POSITION", "100", "0", 1],
    ]);
    // No snapshot showed the DOGE position or ARB's long: no entry price is made up for them.
    expect(steps.map((s) => s.entryPx)).toEqual([null, "0.9", null, null]);
  });

  it("the trades stream's fills are sequenced from the stored size", () => {
    const before: PositionMap = { BTC: pos("0.5", "100") };
    const after: PositionMap = { BTC: pos("0.5", "120") };
    // Given out of order: the position moved in exchange order.
    const close = stream("BTC", "-0.5", "118");
    const reopen = stream("BTC", "0.5", "120");
    const steps = lifecycleSteps(before, after, [reopen, close]);
    expect(shape(steps)).toEqual([
      ["BTC", "CLOSE_POSITION", "0.5", "0", 1],
      ["BTC", "OPEN_POSITION", "0", "0.5", 1],
    ]);
  });

  it("falls back to the snapshot diff when the fills do not lead from the stored size to the current one", () => {
    const before: PositionMap = { BTC: pos("1", "100"), ETH: pos("2", "2000") };
    const after: PositionMap = { BTC: pos("3", "101"), ETH: pos("1", "2000") };
    const btc = [fill("BTC", "1", "1", "101")]; // one fill missing (a page cap)
    const eth = [fill("ETH", "1.5", "-0.5", "2000")]; // starts where the stored size is not
    const steps = lifecycleSteps(before, after, [...btc, ...eth]);
    expect(shape(steps)).toEqual([
      ["BTC", "INCREASE_POSITION", "1", "3", 1],
      ["ETH", "DECREASE_POSITION", "2", "1", 1],
    ]);
  });

  it("a CLOSE reports the stored leverage, what follows the leverage in force now", () => {
    const before: PositionMap = { BTC: pos("1", "100", cross10) };
    const after: PositionMap = { BTC: pos("1", "90", cross3) };
    const steps = lifecycleSteps(before, after, [fill("BTC", "1", "-1", "95"), fill("BTC", "0", "1", "90")]);
    expect(steps.map((s) => s.leverage)).toEqual([cross10, cross3]);
  });
});

describe("details.liquidation", () => {
  const liquidated = (start: string, signed: string, user: string, dir?: string): Fill =>
    fill("ETH", start, signed, "1800", {
      ...(dir !== undefined && { dir }),
      liquidation: { liquidatedUser: user, markPx: "1799.5", method: "market" },
    });

  it("is true for a close whose fills are the trader's liquidation, false for an ordinary one", () => {
    const before: PositionMap = { ETH: pos("5", "2000") };
    const own = lifecycleSteps(before, {}, [liquidated("5", "-5", A, "Liquidated Cross Long")]);
    expect(buildEvent(A, 2, own[0]!, own[0]!.fills, 5_000).details).toMatchObject({ liquidation: true, coin: "ETH" });
    // The dir alone says so too (the object may be left out).
    const byDir = lifecycleSteps(before, {}, [fill("ETH", "5", "-5", "1800", { dir: "Liquidated Isolated Long" })]);
    expect(buildEvent(A, 2, byDir[0]!, byDir[0]!.fills, 5_000).details.liquidation).toBe(true);
    const ordinary = lifecycleSteps(before, {}, [fill("ETH", "5", "-5", "1800")]);
    expect(buildEvent(A, 2, ordinary[0]!, ordinary[0]!.fills, 5_000).details.liquidation).toBe(false);
  });

  it("is false for the counterparty of someone else's liquidation", () => {
    const steps = lifecycleSteps({ ETH: pos("-1", "2100") }, {}, [liquidated("-1", "1", OTHER)]);
    expect(buildEvent(A, 2, steps[0]!, steps[0]!.fills, 5_000).details.liquidation).toBe(false);
  });

  it("is null for a close told by the trades stream, which does not mark liquidations; false for an open", () => {
    const steps = lifecycleSteps({ ETH: pos("1", "2000") }, { ETH: pos("1", "1900") }, [stream("ETH", "-1", "1950"), stream("ETH", "1", "1900")]);
    expect(steps.map((s) => buildEvent(A, 2, s, s.fills, 5_000, "stream").details.liquidation)).toEqual([null, false]);
  });
});

describe("lifecycleSteps on recorded fills", () => {
  // 500 real fills of one account (userFills.recorded.json, newest first, before `tid` existed:
  // tid = position in the file, as in test/unit/metrics/recorded-fills.test.ts: fills sharing a
  // millisecond are in execution order there). The account often trades with itself: both fills
  // of such a trade carry the same startPosition.
  const fills = toFills(
    fillsSchema.parse(loadFixture("userFills.recorded.json").response).map((f, i) => ({ ...f, tid: i })),
    "userFills",
    A,
  ).sort((a, b) => a.time - b.time || a.tid - b.tid);

  it("finds every flip and every close the exchange's own dirs and start positions show", () => {
    for (const coin of ["INJ", "ARB", "LTC", "OP", "BTC", "ETH"]) {
      const own = fills.filter((f) => f.coin === coin);
      const first = own[0]!;
      const last = own[own.length - 1]!;
      const end = decStr(dec(last.startPosition).plus(last.side === "B" ? last.sz : `-${last.sz}`));
      const before: PositionMap = dec(first.startPosition).eq(0) ? {} : { [coin]: pos(first.startPosition, "1") };
      const after: PositionMap = dec(end).eq(0) ? {} : { [coin]: pos(end, "1") };
      const steps = lifecycleSteps(before, after, own);
      // Half of a self-trade: another fill of that millisecond starts from the same position.
      const selfTrade = (f: Fill) => own.some((g) => g !== f && g.time === f.time && g.startPosition === f.startPosition && g.side !== f.side);
      const flips = own.filter((f) => (f.dir === "Long > Short" || f.dir === "Short > Long") && !selfTrade(f)).length;
      const closes = own.filter((f) => !dec(f.startPosition).eq(0) && dec(f.startPosition).plus(f.side === "B" ? f.sz : `-${f.sz}`).eq(0)).length;
      expect(steps.filter((s) => s.type === "FLIP_POSITION").length, coin).toBe(flips);
      expect(steps.filter((s) => s.type === "CLOSE_POSITION").length, coin).toBe(closes);
      // Every fill is behind exactly one step, in order.
      expect(steps.flatMap((s) => s.fills.map((f) => f.tid)), coin).toEqual(own.map((f) => f.tid));
      expect(closes + flips, coin).toBeGreaterThan(0);
    }
  });
});
