import { describe, expect, it } from "vitest";
import { decStr } from "#commons/decimal.js";
import { fillPaperOrder, newPaperLedger, paperEquity, type PaperFillOptions, type PaperLedger, type PaperOrder } from "#domain/copy/paper.js";

const OPTIONS = { slippageBps: 50 }; // taker fee: the default 0.045%
const order = (coin: string, isBuy: boolean, size: string, reduceOnly = false): PaperOrder => ({ coin, isBuy, size, reduceOnly });

/** Runs fills in turn, returning the ledger and every fill. */
const run = (ledger: PaperLedger, steps: [PaperOrder, string][], options: PaperFillOptions = OPTIONS) =>
  steps.reduce(
    (acc, [o, mid]) => {
      const { ledger: next, fill } = fillPaperOrder(acc.ledger, o, mid, options);
      return { ledger: next, fills: [...acc.fills, fill] };
    },
    { ledger, fills: [] as ReturnType<typeof fillPaperOrder>["fill"][] },
  );

describe("paper ledger", () => {
  it("opens, adds, reduces and flips a long as the exchange computes it", () => {
    const { ledger, fills } = run(newPaperLedger("10000"), [
      // 1. buy 0.1 at 30,000 × 1.005 = 30,150; fee 30,150 × 0.1 × 0.00045 = 1.35675
      [order("BTC", true, "0.1"), "30000"],
      // 2. buy 0.1 at 31,000 × 1.005 = 31,155; fee 3,115.5 × 0.00045 = 1.401975
      //    entry (0.1 × 30,150 + 0.1 × 31,155) / 0.2 = 6,130.5 / 0.2 = 30,652.5
      [order("BTC", true, "0.1"), "31000"],
      // 3. sell 0.05 reduce-only at 32,000 × 0.995 = 31,840; closed PnL (31,840 − 30,652.5) × 0.05 = 59.375
      //    fee 1,592 × 0.00045 = 0.7164; entry unchanged
      [order("BTC", false, "0.05", true), "32000"],
      // 4. sell 0.25 at 30,000 × 0.995 = 29,850: closes 0.15 for (29,850 − 30,652.5) × 0.15 = −120.375,
      //    opens −0.1 at 29,850; fee 7,462.5 × 0.00045 = 3.358125
      [order("BTC", false, "0.25"), "30000"],
    ]);
    expect(fills.map((f) => f && [f.price, f.fee, f.closedPnl])).toEqual([
      ["30150", "1.35675", "0"],
      ["31155", "1.401975", "0"],
      ["31840", "0.7164", "59.375"],
      ["29850", "3.358125", "-120.375"],
    ]);
    // realized 59.375 − 120.375 = −61; fees 1.35675 + 1.401975 + 0.7164 + 3.358125 = 6.83325
    expect(ledger).toEqual({
      balanceUsd: "10000",
      positions: { BTC: { szi: "-0.1", entryPx: "29850" } },
      realizedPnlUsd: "-61",
      feesUsd: "6.83325",
    });
    // At a mark of 29,000 the short gains (29,000 − 29,850) × −0.1 = 85:
    // equity 10,000 − 61 − 6.83325 + 85 = 10,017.16675
    expect(decStr(paperEquity(ledger, { BTC: "29000" }))).toBe("10017.16675");
  });

  it("averages a short's entry on adds and realizes a short's gain on the close", () => {
    const { ledger, fills } = run(
      newPaperLedger("5000"),
      [
        // sell 2 at 2,000 × 0.995 = 1,990; sell 2 at 1,800 × 0.995 = 1,791 → entry (3,980 + 3,582) / 4 = 1,890.5
        [order("ETH", false, "2"), "2000"],
        [order("ETH", false, "2"), "1800"],
        // buy 4 reduce-only at 1,700 × 1.005 = 1,708.5: (1,708.5 − 1,890.5) × 4 × −1 = 728
        [order("ETH", true, "4", true), "1700"],
      ],
      { slippageBps: 50, takerFeeRate: "0" },
    );
    expect(fills.at(1)).toMatchObject({ price: "1791" });
    expect(fills.at(2)).toMatchObject({ price: "1708.5", closedPnl: "728", fee: "0" });
    expect(ledger).toEqual({ balanceUsd: "5000", positions: {}, realizedPnlUsd: "728", feesUsd: "0" });
    expect(decStr(paperEquity(ledger, {}))).toBe("5728");
  });

  it("reduce-only never opens or grows a position, and stops at zero", () => {
    const start = fillPaperOrder(newPaperLedger("1000"), order("SOL", true, "3"), "20", { slippageBps: 0 }).ledger;
    // A reduce-only buy on a long would grow it: nothing fills.
    expect(fillPaperOrder(start, order("SOL", true, "1", true), "20", OPTIONS)).toEqual({ ledger: start, fill: null });
    // Nothing to reduce on a coin not held.
    expect(fillPaperOrder(start, order("ETH", false, "1", true), "2000", OPTIONS).fill).toBeNull();
    // Selling 5 reduce-only against 3 fills 3 and closes: (19.9 − 20) × 3 = −0.3
    const { ledger, fill } = fillPaperOrder(start, order("SOL", false, "5", true), "20", OPTIONS);
    expect(fill).toMatchObject({ size: "3", price: "19.9", closedPnl: "-0.3" });
    expect(ledger.positions).toEqual({});
  });

  it("takes the taker fee from the options: 1 ETH at 2,000 with 0.035% costs 0.7", () => {
    const { fill } = fillPaperOrder(newPaperLedger("1000"), order("ETH", true, "1"), "2000", { slippageBps: 0, takerFeeRate: "0.00035" });
    expect(fill).toMatchObject({ price: "2000", fee: "0.7" });
  });

  it("needs a mark for every open position to value it", () => {
    const { ledger } = fillPaperOrder(newPaperLedger("1000"), order("ETH", true, "1"), "2000", OPTIONS);
    expect(() => paperEquity(ledger, {})).toThrow(/no mark price for ETH/);
  });
});
