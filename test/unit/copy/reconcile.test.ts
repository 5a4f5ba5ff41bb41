import { describe, expect, it } from "vitest";
import { parseAddress } from "#domain/address.js";
import { planOrders, type OrderPlan } from "#domain/copy/orders.js";
import { fillPaperOrder, newPaperLedger, type PaperLedger } from "#domain/copy/paper.js";
import { targetPositions, type CopyMemory } from "#domain/copy/targets.js";
import { midOf, szDecimalsOf } from "./recorded-market.js";

/**
 * The pieces together, as the engine will run them for a paper follower: targets from the
 * leader's positions, orders for target − actual, paper fills of those orders. Recorded mids
 * (BTC 30,135, ETH 1,903.95) and szDecimals; 50 bps slippage, fee 0.045%.
 */
const LEADER = parseAddress("0x5e9ee1089755c3435139848e47e6635505d5a13a");
const MIDS = { BTC: midOf("BTC"), ETH: midOf("ETH") };

interface State {
  ledger: PaperLedger;
  memory: CopyMemory;
}

const reconcile = (state: State, leaderPositions: Record<string, string>): State & { plans: Record<string, OrderPlan> } => {
  const { targets, memory } = targetPositions({
    leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
    caps: { maxSlippageBps: 50 },
    followerEquityUsd: "10000",
    snapshots: [{ address: LEADER, equityUsd: "100000", positions: leaderPositions }],
    prices: MIDS,
    memory: state.memory,
  });
  let ledger = state.ledger;
  const plans: Record<string, OrderPlan> = {};
  for (const coin of new Set([...Object.keys(targets), ...Object.keys(ledger.positions)])) {
    const mid = MIDS[coin as keyof typeof MIDS];
    const plan = planOrders({
      coin,
      targetSzi: targets[coin] ?? "0",
      actualSzi: ledger.positions[coin]?.szi ?? "0",
      mid,
      szDecimals: szDecimalsOf(coin),
      maxSlippageBps: 50,
    });
    plans[coin] = plan;
    for (const order of plan.orders) ledger = fillPaperOrder(ledger, order, mid, { slippageBps: 50 }).ledger;
  }
  return { ledger, memory, plans };
};

describe("a paper follower copying one leader (fixed_ratio 0.1)", () => {
  it("opens, flips, closes, carries a sub-minimum change and trades it with the next, and never doubles", () => {
    let state: State = { ledger: newPaperLedger("10000"), memory: {} };

    // 1. Leader long 0.5 BTC, short 3 ETH → targets 0.05 and −0.3.
    //    BTC buy 0.05 limited at 30,285 (the bound 30,285.675 would pass it): fee 1,514.25 × 0.00045 = 0.6814125
    //    ETH sell 0.3 limited at 1,894.5 (bound 1,894.43025): fee 568.35 × 0.00045 = 0.2557575
    state = reconcile(state, { BTC: "0.5", ETH: "-3" });
    expect(state.ledger.positions).toEqual({ BTC: { szi: "0.05", entryPx: "30285" }, ETH: { szi: "-0.3", entryPx: "1894.5" } });
    expect(state.ledger.feesUsd).toBe("0.93717");

    // 2. He flips BTC to −0.2 and closes ETH → targets −0.02 and 0.
    //    BTC: close 0.05 at 29,985: (29,985 − 30,285) × 0.05 = −15, fee 0.6746625; open −0.02 at 29,985, fee 0.269865
    //    ETH: buy back 0.3 at 1,913.4: (1,913.4 − 1,894.5) × 0.3 × −1 = −5.67, fee 574.02 × 0.00045 = 0.258309
    const flipped = reconcile(state, { BTC: "-0.2" });
    expect(flipped.plans.BTC!.orders.map((o) => [o.leg, o.isBuy, o.size, o.reduceOnly])).toEqual([
      [0, false, "0.05", true],
      [1, false, "0.02", false],
    ]);
    state = flipped;
    expect(state.ledger).toEqual({
      balanceUsd: "10000",
      positions: { BTC: { szi: "-0.02", entryPx: "29985" } },
      realizedPnlUsd: "-20.67",
      // 0.93717 + 0.6746625 + 0.269865 + 0.258309
      feesUsd: "2.1400065",
    });

    // 3. He adds 0.003 → target −0.0203: 0.0003 × 29,985 = $9.00 < $10, nothing sent, −0.0003 carried.
    const small = reconcile(state, { BTC: "-0.203" });
    expect(small.plans.BTC).toEqual({ orders: [], carried: "-0.0003", skipped: [{ leg: 0, reason: "below_minimum_notional" }] });
    state = small;

    // 4. He adds 0.003 again → target −0.0206: the carried 0.0003 goes with the new 0.0003 ($17.99).
    state = reconcile(state, { BTC: "-0.206" });
    expect(state.ledger.positions.BTC).toEqual({ szi: "-0.0206", entryPx: "29985" });

    // 5. The same event again (a redelivery): on target, nothing is sent.
    const again = reconcile(state, { BTC: "-0.206" });
    expect(again.plans.BTC!.orders).toEqual([]);
    expect(again.ledger).toEqual(state.ledger);
  });
});
