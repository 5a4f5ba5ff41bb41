import { describe, expect, it } from "vitest";
import { shapeDiff } from "./shape.js";

// The conformance tests are only as good as this comparison: show it catches each kind of drift.
describe("shapeDiff", () => {
  const fixture = { coin: "BTC", szi: "-0.00785", leverage: { type: "cross", value: 20 }, liq: null, pts: [[1, "2.0"]] };

  it("accepts the same shape with different values", () => {
    expect(shapeDiff({ coin: "ETH", szi: "1.0", leverage: { type: "isolated", value: 3 }, liq: null, pts: [[5, "1.0"], [6, "0.0"]] }, fixture)).toEqual([]);
  });

  it("reports a number where a decimal string belongs", () => {
    expect(shapeDiff({ ...fixture, szi: -0.00785 }, fixture)).toEqual(["$.szi: fixture has string, simulator sent number"]);
  });

  it("reports missing and unexpected keys, unless the extra key is allowed", () => {
    const { coin: _coin, ...noCoin } = fixture;
    expect(shapeDiff(noCoin, fixture)).toEqual(["$.coin: missing"]);
    expect(shapeDiff({ ...fixture, tid: 1 }, fixture)).toEqual(["$.tid: not in the fixture"]);
    expect(shapeDiff({ ...fixture, tid: 1 }, fixture, { allowExtraKeys: ["tid"] })).toEqual([]);
  });

  it("compares tuples by position and refuses an empty list where the fixture has elements", () => {
    expect(shapeDiff({ ...fixture, pts: [["2.0", 1]] }, fixture)).toEqual([
      "$.pts[][0]: fixture has number, simulator sent string",
      "$.pts[][1]: fixture has string, simulator sent number",
    ]);
    expect(shapeDiff({ ...fixture, pts: [] }, fixture)).toEqual(["$.pts[]: simulator sent no elements, the fixture has 1"]);
  });

  it("tells null from a string", () => {
    expect(shapeDiff({ ...fixture, liq: "1.0" }, fixture)).toEqual(["$.liq: fixture has null, simulator sent string"]);
  });
});
