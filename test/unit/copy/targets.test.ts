import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { parseAddress } from "#domain/address.js";
import type { Caps, FollowedLeader, Sizing } from "#domain/copy/follower.js";
import { legKey, startingMemory, targetPositions, withAddedLeaders, type CopyMemory, type LeaderSnapshot, type TargetInput } from "#domain/copy/targets.js";

const A = parseAddress("0x5e9ee1089755c3435139848e47e6635505d5a13a");
const B = parseAddress("0x31ca8395cf837de08b24da3f660e77761dfb974b");
const NO_CAPS: Caps = { maxSlippageBps: 50 };
const PRICES = { BTC: "25000", ETH: "2000", DOGE: "0.1" };

const follow = (address: typeof A, sizing: Sizing): FollowedLeader => ({ address, sizing });
const snap = (address: typeof A, positions: Record<string, string>, equityUsd = "100000"): LeaderSnapshot => ({ address, equityUsd, positions });
const input = (over: Partial<TargetInput>): TargetInput => ({
  leaders: [follow(A, { mode: "fixed_ratio", ratio: "1" })],
  caps: NO_CAPS,
  followerEquityUsd: "10000",
  snapshots: [snap(A, {})],
  prices: PRICES,
  memory: {},
  ...over,
});

describe("sizing modes", () => {
  it("proportional: leader size × follower equity ÷ leader equity × multiplier", () => {
    // BTC: 2 × 10,000 / 100,000 × 1 = 0.2; ETH short: −10 × 0.1 = −1
    const { targets } = targetPositions(
      input({ leaders: [follow(A, { mode: "proportional", multiplier: "1" })], snapshots: [snap(A, { BTC: "2", ETH: "-10" })] }),
    );
    expect(targets).toEqual({ BTC: "0.2", ETH: "-1" });
    // multiplier 0.5: 2 × 0.1 × 0.5 = 0.1
    const half = targetPositions(input({ leaders: [follow(A, { mode: "proportional", multiplier: "0.5" })], snapshots: [snap(A, { BTC: "2" })] }));
    expect(half.targets).toEqual({ BTC: "0.1" });
  });

  it("proportional rounds an endless quotient toward zero, never up (1 × 10,000 / 15,000 = 0.666…)", () => {
    const { targets } = targetPositions(
      input({ leaders: [follow(A, { mode: "proportional", multiplier: "1" })], snapshots: [snap(A, { BTC: "1", ETH: "-1" }, "15000")] }),
    );
    // big.js would round the 20th place half up to …667; a size is never made larger.
    expect(targets).toEqual({ BTC: "0.66666666666666666666", ETH: "-0.66666666666666666666" });
  });

  it("proportional copies nothing from a leader without positive equity", () => {
    const { targets } = targetPositions(
      input({ leaders: [follow(A, { mode: "proportional", multiplier: "1" })], snapshots: [snap(A, { BTC: "1" }, "0")] }),
    );
    expect(targets).toEqual({ BTC: "0" });
  });

  it("proportional sizes a coin at the equities of the leader's last change to it, not at every move of an account value", () => {
    const leaders = [follow(A, { mode: "proportional", multiplier: "1" })];
    // He holds 2 BTC; follower 10,000 / leader 100,000 → 0.2 BTC, the ratio 0.1 kept with his 2.
    const first = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "2" })], memory: {} }));
    expect(first.targets).toEqual({ BTC: "0.2" });
    expect(first.memory[legKey(A, "BTC")]).toEqual({ kind: "copying", side: 1, equityRatio: "0.1", leaderSzi: "2" });
    // The follower's fees take its equity to 9,990, the leader's to 99,000: he has not traded, so
    // the copy stays 0.2 (recomputing would ask for 2 × 9,990 / 99,000 = 0.20181…, a gap of $45 at
    // 25,000 traded for nothing but an account value's move).
    const drift = targetPositions(
      input({ leaders, snapshots: [snap(A, { BTC: "2" }, "99000")], followerEquityUsd: "9990", memory: first.memory }),
    );
    expect(drift.targets).toEqual({ BTC: "0.2" });
    // He adds to 3 BTC: resized at the equities now, 3 × 9,990 / 99,000 = 0.30272727… (rounded down at 20 places).
    const add = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "3" }, "99000")], followerEquityUsd: "9990", memory: drift.memory }));
    expect(add.targets).toEqual({ BTC: "0.30272727272727272727" });
    expect(add.memory[legKey(A, "BTC")]).toEqual({ kind: "copying", side: 1, equityRatio: "0.10090909090909090909", leaderSzi: "3" });
    // A multiplier changed by PATCH applies at once, on the kept ratio: 3 × 0.10090909… × 2.
    const patched = targetPositions(
      input({ leaders: [follow(A, { mode: "proportional", multiplier: "2" })], snapshots: [snap(A, { BTC: "3" }, "50000")], memory: add.memory }),
    );
    expect(patched.targets).toEqual({ BTC: "0.60545454545454545454" });
  });

  it("a leg's fixed_notional ratio is not read as a proportional one when the sizing changes (and back)", () => {
    const notional = [follow(A, { mode: "fixed_notional", notionalUsd: "1000" })];
    const opened = targetPositions(input({ leaders: notional, snapshots: [snap(A, { BTC: "0.5" })], prices: { BTC: "25000" } }));
    expect(opened.targets).toEqual({ BTC: "0.04" });
    // Now proportional: 0.5 × 10,000 / 100,000 = 0.05, not 0.5 × the notional ratio 0.08.
    const proportional = [follow(A, { mode: "proportional", multiplier: "1" })];
    const switched = targetPositions(input({ leaders: proportional, snapshots: [snap(A, { BTC: "0.5" })], memory: opened.memory }));
    expect(switched.targets).toEqual({ BTC: "0.05" });
  });

  it("fixed_ratio: leader size × r", () => {
    const { targets } = targetPositions(input({ leaders: [follow(A, { mode: "fixed_ratio", ratio: "0.1" })], snapshots: [snap(A, { ETH: "-3.5" })] }));
    expect(targets).toEqual({ ETH: "-0.35" });
  });

  it("fixed_notional opens at n USD and then scales with the leader's size by the ratio fixed at opening", () => {
    const leaders = [follow(A, { mode: "fixed_notional", notionalUsd: "1000" })];
    // Opens: leader 0.5 BTC at 25,000 → ratio 1,000 / (25,000 × 0.5) = 0.08 → follower 0.04 BTC ($1,000).
    const open = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.5" })], prices: { BTC: "25000" } }));
    expect(open.targets).toEqual({ BTC: "0.04" });
    expect(open.memory).toEqual({ [legKey(A, "BTC")]: { kind: "copying", side: 1, ratio: "0.08" } });
    // He adds to 0.75 (×1.5) while the price is 30,000: the copy grows ×1.5 too, 0.75 × 0.08 = 0.06, whatever the price.
    const add = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.75" })], prices: { BTC: "30000" }, memory: open.memory }));
    expect(add.targets).toEqual({ BTC: "0.06" });
    // He reduces to 0.25: 0.25 × 0.08 = 0.02.
    const cut = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.25" })], prices: { BTC: "30000" }, memory: add.memory }));
    expect(cut.targets).toEqual({ BTC: "0.02" });
    // He closes: target 0 and the ratio is forgotten.
    const closed = targetPositions(input({ leaders, snapshots: [snap(A, {})], prices: { BTC: "30000" }, memory: cut.memory }));
    expect(closed).toEqual({ targets: { BTC: "0" }, memory: {} });
    // He reopens 1 BTC at 20,000: a new position, a new ratio 1,000 / 20,000 = 0.05 → 0.05 BTC.
    const reopened = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "1" })], prices: { BTC: "20000" }, memory: closed.memory }));
    expect(reopened.targets).toEqual({ BTC: "0.05" });
    // He flips to −0.4 at 40,000: the short is new, ratio 1,000 / (40,000 × 0.4) = 0.0625 → −0.025.
    const flipped = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "-0.4" })], prices: { BTC: "40000" }, memory: reopened.memory }));
    expect(flipped.targets).toEqual({ BTC: "-0.025" });
    expect(flipped.memory[legKey(A, "BTC")]).toEqual({ kind: "copying", side: -1, ratio: "0.0625" });
  });

  it("fixed_notional sizes from the size he opened at, given by his opening event, when the run sees him only after an add", () => {
    const leaders = [follow(A, { mode: "fixed_notional", notionalUsd: "1000" })];
    const prices = { BTC: "25000" };
    // He opened 0.5 (version 3) and added to 0.75 before the follower's run: 1,000 ÷ (25,000 × 0.5) = 0.08 → 0.06.
    const opened = { leader: A, coin: "BTC", szi: "0.5", version: 3 };
    const late = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.75" })], prices, openings: [opened] }));
    expect(late.targets).toEqual({ BTC: "0.06" });
    expect(late.memory[legKey(A, "BTC")]).toEqual({ kind: "copying", side: 1, ratio: "0.08", openVersion: 3 });

    // A run without the event (a reconciliation ahead of it in the queue) can only take his size now:
    // 1,000 ÷ (25,000 × 0.75) = 0.0533… (rounded down at 20 places) → 0.75 × 0.05333… just under 0.04.
    // The opening's message then sizes it again: 0.06.
    const guessed = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.75" })], prices }));
    expect(guessed.targets).toEqual({ BTC: "0.0399999999999999999975" });
    expect(guessed.memory[legKey(A, "BTC")]).toEqual({ kind: "copying", side: 1, ratio: "0.05333333333333333333" });
    const corrected = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.75" })], prices, memory: guessed.memory, openings: [opened] }));
    expect(corrected.targets).toEqual({ BTC: "0.06" });

    // The message of an older opening (version 1, a position he closed since) changes nothing; nor
    // does one on the other side.
    const older = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.75" })], prices, memory: corrected.memory, openings: [{ ...opened, szi: "2", version: 1 }] }));
    expect(older).toEqual(corrected);
    const otherSide = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "0.75" })], prices, memory: corrected.memory, openings: [{ ...opened, szi: "-2", version: 9 }] }));
    expect(otherSide).toEqual(corrected);
  });

  it("sums the leaders' contributions per coin", () => {
    // A: 2 × 0.1 = 0.2 BTC; B: −0.2 × 0.5 = −0.1 BTC and 4 × 0.5 = 2 ETH.
    const { targets } = targetPositions(
      input({
        leaders: [follow(A, { mode: "fixed_ratio", ratio: "0.1" }), follow(B, { mode: "fixed_ratio", ratio: "0.5" })],
        snapshots: [snap(A, { BTC: "2" }), snap(B, { BTC: "-0.2", ETH: "4" })],
      }),
    );
    expect(targets).toEqual({ BTC: "0.1", ETH: "2" });
  });

  it("refuses to guess when a followed leader has no snapshot", () => {
    expect(() => targetPositions(input({ snapshots: [] }))).toThrow(/no snapshot of leader/);
  });

  it("fixed_notional without a price leaves the leg unsized until a run has one, then sizes it from his size then", () => {
    const leaders = [follow(A, { mode: "fixed_notional", notionalUsd: "100" })];
    // SOL has no price: nothing to size it with (the engine does not trade a coin without a mid).
    const unpriced = targetPositions(input({ leaders, snapshots: [snap(A, { SOL: "1" })] }));
    expect(unpriced.targets).toEqual({ SOL: "0" });
    expect(unpriced.memory[legKey(A, "SOL")]).toEqual({ kind: "copying", side: 1 });
    // $100 ÷ ($20 × 2, his size by then) = 2.5 per unit of his: 5 SOL.
    const priced = targetPositions(input({ leaders, snapshots: [snap(A, { SOL: "2" })], prices: { ...PRICES, SOL: "20" }, memory: unpriced.memory }));
    expect(priced.targets).toEqual({ SOL: "5" });
  });
});

describe("start: new_changes_only", () => {
  const leaders = [follow(A, { mode: "fixed_ratio", ratio: "0.1" })];

  it("leaves the positions held at the start alone, adds included, until he closes or flips them", () => {
    const memory: CopyMemory = startingMemory("new_changes_only", [snap(A, { BTC: "2", ETH: "-1" })]);
    expect(memory).toEqual({ [legKey(A, "BTC")]: { kind: "ignored", side: 1 }, [legKey(A, "ETH")]: { kind: "ignored", side: -1 } });
    const added = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "3", ETH: "-1" })], memory }));
    expect(added.targets).toEqual({ BTC: "0", ETH: "0" });
    // BTC closed, then reopened at 1: copied (0.1). ETH flipped to +2: a new position, copied (0.2).
    const closed = targetPositions(input({ leaders, snapshots: [snap(A, { ETH: "2" })], memory: added.memory }));
    expect(closed.targets).toEqual({ BTC: "0", ETH: "0.2" });
    const reopened = targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "1", ETH: "2" })], memory: closed.memory }));
    expect(reopened.targets).toEqual({ BTC: "0.1", ETH: "0.2" });
  });

  it("sync_now copies what he already holds", () => {
    const memory = startingMemory("sync_now", [snap(A, { BTC: "2" })]);
    expect(targetPositions(input({ leaders, snapshots: [snap(A, { BTC: "2" })], memory })).targets).toEqual({ BTC: "0.2" });
  });
});

describe("leaders added since the last run", () => {
  const snapshots = [snap(A, { BTC: "2" }), snap(B, { ETH: "-1", SOL: "5" })];
  const memory: CopyMemory = {
    [legKey(A, "BTC")]: { kind: "copying", side: 1 },
    // B was followed once, removed, and is added again: what was remembered of him then gives way.
    [legKey(B, "ETH")]: { kind: "copying", side: -1, ratio: "0.5" },
  };

  it("new_changes_only: what an added leader holds is left out, except the position the run's own event opened", () => {
    expect(withAddedLeaders("new_changes_only", memory, [A], snapshots, { leader: B, coin: "SOL" })).toEqual({
      [legKey(A, "BTC")]: { kind: "copying", side: 1 },
      [legKey(B, "ETH")]: { kind: "ignored", side: -1 },
    });
  });

  it("sync_now: an added leader is copied as he stands, from nothing remembered", () => {
    expect(withAddedLeaders("sync_now", memory, [A], snapshots)).toEqual({ [legKey(A, "BTC")]: { kind: "copying", side: 1 } });
  });

  it("no leader added: the memory as it is", () => {
    expect(withAddedLeaders("new_changes_only", memory, [A, B], snapshots)).toBe(memory);
  });
});

describe("caps", () => {
  // fixed_ratio 1 copies the leader's sizes as they are, so each cap's effect is plain.
  const capped = (caps: Partial<Caps>, positions: Record<string, string>, followerEquityUsd = "10000") =>
    targetPositions(input({ caps: { ...NO_CAPS, ...caps }, snapshots: [snap(A, positions)], followerEquityUsd })).targets;

  it("coins_deny and coins_allow set a coin's target to 0", () => {
    expect(capped({ coinsDeny: ["ETH"] }, { BTC: "0.1", ETH: "1" })).toEqual({ BTC: "0.1", ETH: "0" });
    expect(capped({ coinsAllow: ["ETH"] }, { BTC: "0.1", ETH: "1" })).toEqual({ BTC: "0", ETH: "1" });
  });

  it("max_position_usd limits each coin's notional at the price, either side", () => {
    // 0.2 BTC × 25,000 = $5,000 > $3,000 → 3,000 / 25,000 = 0.12; ETH 1 × 2,000 = $2,000 stays.
    expect(capped({ maxPositionUsd: "3000" }, { BTC: "0.2", ETH: "1" })).toEqual({ BTC: "0.12", ETH: "1" });
    expect(capped({ maxPositionUsd: "3000" }, { BTC: "-0.2" })).toEqual({ BTC: "-0.12" });
  });

  it("max_total_exposure_usd scales every coin by the same factor, never past the limit", () => {
    // $5,000 BTC + $4,000 ETH = $9,000 > $6,000 → ×2/3, each rounded toward zero at 20 places:
    // 0.2 × 6,000 / 9,000 = 0.1333…, 2 × 6,000 / 9,000 = 1.3333…
    const targets = capped({ maxTotalExposureUsd: "6000" }, { BTC: "0.2", ETH: "-2" });
    expect(targets).toEqual({ BTC: "0.13333333333333333333", ETH: "-1.33333333333333333333" });
    const exposure = dec(targets.BTC!).abs().times(25000).plus(dec(targets.ETH!).abs().times(2000));
    expect(exposure.lte(6000)).toBe(true);
    expect(dec(6000).minus(exposure).lt("1e-15")).toBe(true);
    // 0.4 BTC ($10,000) + 1 ETH ($2,000) = $12,000 against $8,000 → ×2/3: 0.2666…, 0.6666… Rounded
    // half up (…67) they would total 8,000.00000000000000009; toward zero, 7,999.99999999999999982.
    const thirds = capped({ maxTotalExposureUsd: "8000" }, { BTC: "0.4", ETH: "1" });
    expect(thirds).toEqual({ BTC: "0.26666666666666666666", ETH: "0.66666666666666666666" });
    expect(dec(thirds.BTC!).times(25000).plus(dec(thirds.ETH!).times(2000)).toFixed()).toBe("7999.99999999999999982");
    // Under the limit nothing moves.
    expect(capped({ maxTotalExposureUsd: "9000" }, { BTC: "0.2", ETH: "-2" })).toEqual({ BTC: "0.2", ETH: "-2" });
  });

  it("a coin without a price is left out of the USD caps; the others are capped on their own", () => {
    // SOL (no price) is not traded this run: max_position_usd cannot bound it and the exposure
    // counts BTC alone: 0.2 BTC ($5,000) bounded to $4,500 = 0.18, then $4,500 against $4,000 → × 8/9 = 0.16.
    expect(capped({ maxPositionUsd: "4500", maxTotalExposureUsd: "4000" }, { BTC: "0.2", SOL: "1000" })).toEqual({ BTC: "0.16", SOL: "1000" });
  });

  it("max_leverage keeps the exposure within equity × L", () => {
    // 1 BTC = $25,000 against 10,000 × 2 = $20,000 → ×0.8 = 0.8 BTC.
    expect(capped({ maxLeverage: "2" }, { BTC: "1" })).toEqual({ BTC: "0.8" });
    // No equity, no exposure.
    expect(capped({ maxLeverage: "2" }, { BTC: "1" }, "-5")).toEqual({ BTC: "0" });
  });

  it("applies all caps together, in order: coins, per-coin notional, then the tighter of total and leverage", () => {
    // DOGE denied → 0. BTC 0.4 ($10,000) → $5,000 = 0.2; ETH −5 ($10,000) → −2.5 ($5,000).
    // Total $10,000 > min($8,000, 10,000 × 0.5 = $5,000) → ×1/2: BTC 0.1, ETH −1.25.
    const targets = capped(
      { coinsDeny: ["DOGE"], maxPositionUsd: "5000", maxTotalExposureUsd: "8000", maxLeverage: "0.5" },
      { BTC: "0.4", ETH: "-5", DOGE: "100000" },
    );
    expect(targets).toEqual({ BTC: "0.1", ETH: "-1.25", DOGE: "0" });
  });
});
