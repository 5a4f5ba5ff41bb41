import { describe, expect, it } from "vitest";
import { diffPositions, samePositions, toPositionMap, tradedInPlace, type PositionMap } from "#domain/positions.js";
import type { ExchangePosition } from "#domain/exchange.js";

const cross = { type: "cross" as const, value: 20 };
const pos = (szi: string, entryPx = "100"): PositionMap[string] => ({ szi, entryPx, leverage: cross });

describe("diffPositions", () => {
  it("records nothing when sizes are unchanged, even if other fields moved", () => {
    const before: PositionMap = { BTC: pos("1.5", "100") };
    const after: PositionMap = { BTC: { szi: "1.5", entryPx: "101", leverage: { type: "isolated", value: 5 } } };
    expect(diffPositions(before, after)).toEqual([]);
  });

  it("treats equal sizes written differently as unchanged (1.50 vs 1.5)", () => {
    expect(diffPositions({ BTC: pos("1.50") }, { BTC: pos("1.5") })).toEqual([]);
  });

  it("opens a long from nothing", () => {
    const [c] = diffPositions({}, { ETH: pos("0.0335", "2986.3") });
    expect(c).toMatchObject({
      type: "OPEN_POSITION",
      coin: "ETH",
      side: "LONG",
      previousSide: null,
      previousSzi: "0",
      szi: "0.0335",
      sizeDelta: "0.0335",
      entryPx: "2986.3",
    });
  });

  it("opens a tiny short exactly (-0.00785)", () => {
    const [c] = diffPositions({}, { BTC: pos("-0.00785", "26951.0") });
    expect(c).toMatchObject({ type: "OPEN_POSITION", side: "SHORT", szi: "-0.00785", sizeDelta: "-0.00785" });
  });

  it("increases a short when it grows more negative", () => {
    const [c] = diffPositions({ BTC: pos("-0.00785") }, { BTC: pos("-0.01") });
    expect(c).toMatchObject({ type: "INCREASE_POSITION", side: "SHORT", previousSzi: "-0.00785", sizeDelta: "-0.00215" });
  });

  it("decreases a long", () => {
    const [c] = diffPositions({ SOL: pos("7.39") }, { SOL: pos("2.39") });
    expect(c).toMatchObject({ type: "DECREASE_POSITION", side: "LONG", sizeDelta: "-5" });
  });

  it("decreases a short towards zero", () => {
    const [c] = diffPositions({ APE: pos("-131.8") }, { APE: pos("-0.1") });
    expect(c).toMatchObject({ type: "DECREASE_POSITION", side: "SHORT", sizeDelta: "131.7" });
  });

  it("closes a position whose coin disappears from the response, keeping the closed side", () => {
    const [c] = diffPositions({ DYDX: pos("-121.2", "2.36808") }, {});
    expect(c).toMatchObject({
      type: "CLOSE_POSITION",
      side: "SHORT",
      previousSide: "SHORT",
      szi: "0",
      previousSzi: "-121.2",
      sizeDelta: "121.2",
      entryPx: "2.36808",
    });
  });

  it("closes a position reported with size zero", () => {
    const [c] = diffPositions({ DYDX: pos("3") }, { DYDX: pos("0.0") });
    expect(c?.type).toBe("CLOSE_POSITION");
  });

  it("flips long to short in one step", () => {
    const [c] = diffPositions({ ETH: pos("0.1334") }, { ETH: pos("-0.5", "1900") });
    expect(c).toMatchObject({
      type: "FLIP_POSITION",
      side: "SHORT",
      previousSide: "LONG",
      sizeDelta: "-0.6334",
      entryPx: "1900",
    });
  });

  it("flips short to long", () => {
    const [c] = diffPositions({ ETH: pos("-2") }, { ETH: pos("3") });
    expect(c).toMatchObject({ type: "FLIP_POSITION", side: "LONG", previousSide: "SHORT", sizeDelta: "5" });
  });

  it("reports several coins changing at once, ordered by coin", () => {
    const before: PositionMap = { BTC: pos("1"), ETH: pos("2"), SOL: pos("3"), ARB: pos("4") };
    const after: PositionMap = { BTC: pos("2"), ETH: pos("-2"), ARB: pos("4"), DOGE: pos("100") };
    expect(diffPositions(before, after).map((c) => [c.coin, c.type])).toEqual([
      ["BTC", "INCREASE_POSITION"],
      ["DOGE", "OPEN_POSITION"],
      ["ETH", "FLIP_POSITION"],
      ["SOL", "CLOSE_POSITION"],
    ]);
  });

  it("does not see a position that was zero before and is missing now", () => {
    expect(diffPositions({}, {})).toEqual([]);
  });
});

describe("toPositionMap", () => {
  it("drops zero-size entries and keeps strings exact", () => {
    const positions: ExchangePosition[] = [
      { coin: "BTC", szi: "-0.00785", entryPx: "26951.0", leverage: cross, positionValue: null, unrealizedPnl: null, liquidationPx: null, marginUsed: null },
      { coin: "ETH", szi: "0.0", entryPx: null, leverage: cross, positionValue: null, unrealizedPnl: null, liquidationPx: null, marginUsed: null },
    ];
    expect(toPositionMap(positions)).toEqual({ BTC: { szi: "-0.00785", entryPx: "26951.0", leverage: cross } });
  });
});

describe("what a poll must look at beyond sizes", () => {
  it("a same-size position at another entry price traded in between (a close and reopen): its fills are needed", () => {
    const before: PositionMap = { BTC: pos("1.5", "100"), ETH: pos("2", "3000") };
    expect(tradedInPlace(before, { BTC: pos("1.50", "100.0"), ETH: pos("2", "3100") })).toEqual(["ETH"]);
    expect(tradedInPlace(before, { BTC: pos("2", "101") })).toEqual([]); // a size change says so already
  });

  it("a new leverage or margin mode is a change to store; the same figures written differently are not", () => {
    const before: PositionMap = { BTC: pos("1.5", "100") };
    expect(samePositions(before, { BTC: pos("1.50", "100.0") })).toBe(true);
    expect(samePositions(before, { BTC: { ...pos("1.5", "100"), leverage: { type: "cross", value: 5 } } })).toBe(false);
    expect(samePositions(before, { BTC: { ...pos("1.5", "100"), leverage: { type: "isolated", value: 20 } } })).toBe(false);
    expect(samePositions(before, {})).toBe(false);
  });
});
