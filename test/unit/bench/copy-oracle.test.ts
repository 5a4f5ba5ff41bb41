import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { checkFollower, expectedTargets, legsFromEvents, paperAccountValue } from "../../../bench/copy-oracle.js";

const L1 = "0x1111111111111111111111111111111111111111" as Address;
const L2 = "0x2222222222222222222222222222222222222222" as Address;
const market = { BTC: { mark: "100000", szDecimals: 5 }, ETH: { mark: "3000", szDecimals: 4 } };

// L1 opens 0.5 BTC and adds to 0.8; opens and closes an ETH short. L2 shorts 0.2 BTC, then flips to 0.4 long.
const legs = legsFromEvents([
  { leader: L1, coin: "BTC", type: "OPEN_POSITION", szi: "0.5" },
  { leader: L1, coin: "BTC", type: "INCREASE_POSITION", szi: "0.8" },
  { leader: L1, coin: "ETH", type: "OPEN_POSITION", szi: "-10" },
  { leader: L2, coin: "BTC", type: "OPEN_POSITION", szi: "-0.2" },
  { leader: L1, coin: "ETH", type: "CLOSE_POSITION", szi: "0" },
  { leader: L2, coin: "BTC", type: "FLIP_POSITION", szi: "0.4" },
]);
const strings = (t: Record<string, ReturnType<typeof dec>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.toFixed()]));

describe("the copy benchmark's oracle", () => {
  it("keeps each leader's final size and the size his open position opened at (an OPEN, or the new side of a FLIP)", () => {
    expect(legs.get(`${L1} BTC`)).toEqual({ szi: dec("0.8"), openedAt: dec("0.5") });
    expect(legs.get(`${L1} ETH`)).toEqual({ szi: dec("0"), openedAt: null });
    expect(legs.get(`${L2} BTC`)).toEqual({ szi: dec("0.4"), openedAt: dec("0.4") });
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
        equityUsd: "10000",
      },
      legs,
      {},
      market,
    );
    expect(strings(targets)).toEqual({ BTC: "0.09", ETH: "0" });
  });

  it("scales proportional sizing by follower ÷ leader equity, then applies the coin caps", () => {
    const follower = { id: "b", leaders: [{ address: L1, sizing: { mode: "proportional" as const, multiplier: "2" } }], equityUsd: "10000" };
    // 0.8 × 10,000 × 2 ÷ 400,000 = 0.04 BTC ($4,000).
    expect(strings(expectedTargets({ ...follower, caps: {} }, legs, { [L1]: "400000" }, market)).BTC).toBe("0.04");
    // max_position_usd 3,000 at 100,000: 0.03.
    expect(strings(expectedTargets({ ...follower, caps: { maxPositionUsd: "3000" } }, legs, { [L1]: "400000" }, market)).BTC).toBe("0.03");
    expect(strings(expectedTargets({ ...follower, caps: { coinsDeny: ["BTC"] } }, legs, { [L1]: "400000" }, market)).BTC).toBe("0");
  });

  it("refuses caps it does not model rather than judging against a wrong target", () => {
    expect(() => expectedTargets({ id: "c", leaders: [], caps: { maxLeverage: "3" }, equityUsd: "1" }, legs, {}, market)).toThrow(/total-exposure/);
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
