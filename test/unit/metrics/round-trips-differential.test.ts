import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
// bench/ has no import alias; its generator is the leaderboard benchmark's, so it is the one to match.
import { generateHistory } from "../../../bench/leaderboard-fixtures.js";
import { adversarialHistory } from "./adversarial-fills.js";
import { fill, randomHistory } from "./fills.js";
import { referenceBuildRoundTrips } from "./reference-round-trips.js";

/**
 * buildRoundTrips works on scaled integers; it must give exactly what the big.js version it
 * replaced gave (./reference-round-trips.ts): the same round trips, the same decimal strings. The
 * adversarial histories (./adversarial-fills.ts) reach every corner of that arithmetic.
 */

// The big.js reference is slow, and the machine may be shared: the big checks get room to finish.
const SLOW = 120_000;

const same = (fills: Fill[]): void => {
  expect(buildRoundTrips(fills)).toStrictEqual(referenceBuildRoundTrips(fills));
};

describe("buildRoundTrips against the pre-optimisation big.js implementation", () => {
  it("agrees on the leaderboard benchmark's histories (2,000 fills each)", () => {
    const now = Date.UTC(2026, 10, 26);
    for (let i = 0; i < 40; i++) same(generateHistory(i, 2_000, now).fills);
  }, SLOW);

  it("agrees on the property-test histories", () => {
    for (let seed = 1; seed <= 60; seed++) same(randomHistory(seed, 300, 1_700_000_000_000, 1_700_100_000_000));
  }, SLOW);

  it("agrees on adversarial histories: decimals, magnitudes, spellings, ties, self-trades, gaps, flips", () => {
    for (let seed = 0; seed < 400; seed++) same(adversarialHistory(seed, 40 + (seed % 7) * 40));
  }, SLOW);

  it("agrees on the corner cases one by one", () => {
    const t = 1_700_000_000_000;
    const f = (o: Partial<Fill> & Pick<Fill, "side" | "sz" | "startPosition">): Fill => fill({ coin: "ETH", px: "10", time: t, ...o });
    const cases: Fill[][] = [
      [],
      // A flip whose fee share never ends (1/3, 2/7), with a rebate.
      [f({ side: "B", sz: "1", startPosition: "0", fee: "0.3" }), f({ side: "A", sz: "3", startPosition: "1", fee: "-0.1", time: t + 1 })],
      [f({ side: "A", sz: "2", startPosition: "0" }), f({ side: "B", sz: "7", startPosition: "-2", fee: "1", closedPnl: "-0.5", time: t + 1 })],
      // A flip fee rounded half up at the 20th place (5e-21 and -5e-21).
      [f({ side: "B", sz: "1", startPosition: "0" }), f({ side: "A", sz: "2", startPosition: "1", fee: "0.00000000000000000001", time: t + 1 })],
      [f({ side: "B", sz: "1", startPosition: "0" }), f({ side: "A", sz: "2", startPosition: "1", fee: "-0.00000000000000000001", time: t + 1 })],
      // The same tie where the quotient needs a bigint (26 digits).
      [f({ side: "B", sz: "1", startPosition: "0" }), f({ side: "A", sz: "2", startPosition: "1", fee: "123456.00000000000000000001", time: t + 1 })],
      [f({ side: "B", sz: "1", startPosition: "0" }), f({ side: "A", sz: "2", startPosition: "1", fee: "-123456.00000000000000000001", time: t + 1 })],
      // Fees with more decimals than big.js divides to.
      [f({ side: "B", sz: "1", startPosition: "0" }), f({ side: "A", sz: "3", startPosition: "1", fee: "0.0000000000000000000000007", time: t + 1 })],
      // Zero-size fills, "-0" spellings, a negative size.
      [f({ side: "B", sz: "0", startPosition: "0" }), f({ side: "B", sz: "1", startPosition: "-0", time: t + 1 }), f({ side: "A", sz: "-1", startPosition: "1.000", time: t + 2 })],
      // Only a self-trade, while flat (its money belongs to no round trip).
      [f({ side: "B", sz: "1", startPosition: "0", hash: "0xs", fee: "1" }), f({ side: "A", sz: "1.0", startPosition: "0", hash: "0xs", fee: "1" })],
      // Values at the edges of exact numbers: 2^53 and around.
      [f({ side: "B", sz: "9007199254740991", startPosition: "0", px: "9007199254740993" }), f({ side: "B", sz: "1", startPosition: "9007199254740991", time: t + 1 }), f({ side: "A", sz: "9007199254740992", startPosition: "9007199254740992", time: t + 2 })],
      // Exponent spellings big.js reads.
      [f({ side: "B", sz: "1e-7", startPosition: "0", px: "2.5E+3", fee: "1e-30" }), f({ side: "A", sz: "3e-7", startPosition: "0.0000001", time: t + 1, closedPnl: "-1e2" })],
    ];
    for (const fills of cases) same(fills);
  });
});
