import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { checkFollower, expectedTargets, followerEquityAt, legsFromEvents, paperAccountValue } from "../../../bench/copy-oracle.js";

const L1 = "0x1111111111111111111111111111111111111111" as Address;
const L2 = "0x2222222222222222222222222222222222222222" as Address;
const market = { BTC: { mark: "100000", szDecimals: 5 }, ETH: { mark: "3000", szDecimals: 4 } };

// L1 opens 0.5 BTC and adds to 0.8; opens and closes an ETH short. L2 shorts 0.2 BTC, then flips to 0.4 long.
// Each event: when (ms) and the leader's account value right after it.
const legs = legsFromEvents([
  { leader: L1, coin: "BTC", type: "OPEN_POSITION", szi: "0.5", at: 1_000, leaderEquityUsd: "400100" },
  { leader: L1, coin: "BTC", type: "INCREASE_POSITION", szi: "0.8", at: 2_000, leaderEquityUsd: "400000" },
  { leader: L1, coin: "ETH", type: "OPEN_POSITION", szi: "-10", at: 3_000, leaderEquityUsd: "399990" },
  { leader: L2, coin: "BTC", type: "OPEN_POSITION", szi: "-0.2", at: 4_000, leaderEquityUsd: "50000" },
  { leader: L1, coin: "ETH", type: "CLOSE_POSITION", szi: "0", at: 5_000, leaderEquityUsd: "399980" },
  { leader: L2, coin: "BTC", type: "FLIP_POSITION", szi: "0.4", at: 6_000, leaderEquityUsd: "49990" },
]);
const strings = (t: Record<string, ReturnType<typeof dec>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.toFixed()]));
// A BTC buy planned before L1's last BTC change (at 2,000) and an ETH sell planned after it.
const fills = [
  { plannedAt: 1_500, coin: "BTC", szi: "0.05", price: "100500", feeUsd: "2.26" },
  { plannedAt: 2_500, coin: "ETH", szi: "-1", price: "2990", feeUsd: "1.35" },
];

describe("the copy benchmark's oracle", () => {
  it("keeps each leader's final size, the size his open position opened at (an OPEN, or the new side of a FLIP) and his last change", () => {
    expect(legs.get(`${L1} BTC`)).toEqual({ szi: dec("0.8"), openedAt: dec("0.5"), changedAt: 2_000, leaderEquityUsd: dec("400000") });
    expect(legs.get(`${L1} ETH`)).toEqual({ szi: dec("0"), openedAt: null, changedAt: 5_000, leaderEquityUsd: dec("399980") });
    expect(legs.get(`${L2} BTC`)).toEqual({ szi: dec("0.4"), openedAt: dec("0.4"), changedAt: 6_000, leaderEquityUsd: dec("49990") });
  });

  it("sums the leaders' contributions per coin: fixed_ratio and fixed_notional", () => {
    // BTC: 0.8 × 0.1 = 0.08 from L1; L2's position opened (flipped) at 0.4 for $1,000 at 100,000,
    // so ratio 1000 ÷ (100000 × 0.4) = 0.025 and 0.4 × 0.025 = 0.01. ETH: closed, 0.
    const targets = expectedTargets(
      {
        id: "a",
        leaders: [
          { address: L1, sizing: { mode: "fixed_ratio", ratio: "0.1" } },
          { address: L2, sizing: { mode: "fixed_notional", notionalUsd: "1000" } },
        ],
        caps: {},
        startUsd: "10000",
        fills: [],
      },
      legs,
      market,
    );
    expect(strings(targets)).toEqual({ BTC: "0.09", ETH: "0" });
  });

  it("values the follower from its start and the fills planned before a moment, at the marks", () => {
    const follower = { startUsd: "10000", fills };
    // Before 2,000: the BTC buy, 0.05 × (100,000 − 100,500) − 2.26 = −27.26.
    expect(followerEquityAt(follower, 2_000, market).toFixed()).toBe("9972.74");
    // And after: the ETH sell too, −1 × (3,000 − 2,990) − 1.35 = −11.35.
    expect(followerEquityAt(follower, Number.POSITIVE_INFINITY, market).toFixed()).toBe("9961.39");
    expect(followerEquityAt(follower, 1_500, market).toFixed()).toBe("10000");
  });

  it("sizes proportional copies at the equities of the leader's last change to the coin, then applies the coin caps", () => {
    const follower = { id: "b", leaders: [{ address: L1, sizing: { mode: "proportional" as const, multiplier: "2" } }], startUsd: "10000", fills };
    // L1's BTC last changed at 2,000 (his 400,000 then; the follower's 9,972.74):
    // 0.8 × 9,972.74 × 2 ÷ 400,000 = 0.03989096 BTC.
    expect(strings(expectedTargets({ ...follower, caps: {} }, legs, market)).BTC).toBe("0.03989096");
    // max_position_usd 3,000 at 100,000: 0.03.
    expect(strings(expectedTargets({ ...follower, caps: { maxPositionUsd: "3000" } }, legs, market)).BTC).toBe("0.03");
    expect(strings(expectedTargets({ ...follower, caps: { coinsDeny: ["BTC"] } }, legs, market)).BTC).toBe("0");
  });

  it("refuses caps it does not model rather than judging against a wrong target", () => {
    expect(() => expectedTargets({ id: "c", leaders: [], caps: { maxLeverage: "3" }, startUsd: "1", fills: [] }, legs, market)).toThrow(/total-exposure/);
  });

  it("judges a coin exact, within one lot, under the $10 minimum order, or missed", () => {
    const target = { BTC: dec("0.09") };
    const verdict = (btc: string, eth?: string) => checkFollower(target, { BTC: btc, ...(eth && { ETH: eth }) }, market).map((l) => [l.coin, l.verdict, l.lots, l.usd]);
    expect(verdict("0.09")).toEqual([["BTC", "exact", 0, 0]]);
    // One lot of BTC (szDecimals 5) is 0.00001, $1 at 100,000.
    expect(verdict("0.08999")).toEqual([["BTC", "within_lot", 1, 1]]);
    // Five lots off, $5: no order could close it.
    expect(verdict("0.09005")).toEqual([["BTC", "below_minimum", 5, 5]]);
    // Ten lots, $10: an order could have.
    expect(verdict("0.0901")).toEqual([["BTC", "missed", 10, 10]]);
    // A coin held with no target is judged against 0: one ETH lot (0.0001 at 3,000 = $0.30).
    expect(verdict("0.09", "-0.0001")).toEqual([["BTC", "exact", 0, 0], ["ETH", "within_lot", 1, 0.3]]);
  });

  it("values a paper account as balance + realized − fees + unrealized at the marks", () => {
    // BTC long 0.1 from 99,000 → +100; ETH short 1 from 3,100 → +100: 10,000 + 50 − 4.5 + 200.
    const ledger = {
      balanceUsd: "10000",
      realizedPnlUsd: "50",
      feesUsd: "4.5",
      positions: { BTC: { szi: "0.1", entryPx: "99000" }, ETH: { szi: "-1", entryPx: "3100" } },
    };
    expect(paperAccountValue(ledger, market)).toBe("10245.5");
  });
});
