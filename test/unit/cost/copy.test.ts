import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { parseCostArgs } from "../../../cost/cli.js";
import { estimateMonthlyCost, type CostEstimate, type CostLine } from "../../../cost/model.js";
import { PRICES } from "../../../cost/prices.js";

const byWhat = (e: CostEstimate, what: RegExp): CostLine => {
  const found = e.lines.filter((l) => what.test(l.what));
  if (found.length !== 1) throw new Error(`${found.length} lines ${String(what)}`);
  return found[0]!;
};
const q = (e: CostEstimate, what: RegExp): string => byWhat(e, what).quantity.toString();

/*
 * Hand figures at 500 traders and 10 followers (the defaults: one leader each, all live, reconciled
 * every 60 s, 150 ms exchange latency). A month is 730 h = 43,800 minutes.
 *  - a trader's events: 5% change rate × 43,800 cycles × 1 event = 2,190 a month;
 *  - runs: 10 × 2,190 = 21,900 on leader events, 10 × 43,800 = 438,000 periodic; 459,900 in all;
 *  - orders: one per event run = 21,900.
 */
describe("copy trading in the cost model", () => {
  const e = estimateMonthlyCost({ traders: 500 });

  it("hand check: copy-worker compute", () => {
    // Event run: 40 ms overhead + 150 ms (mids and account in parallel) + 30 ms commit + 150 ms order = 370 ms;
    // periodic run: 220 ms. 21,900 × 370 + 438,000 × 220 = 8,103,000 + 96,360,000 = 104,463,000 ms at 1 GB.
    expect(q(e, /^copy-worker compute/)).toBe("104463");
    expect(byWhat(e, /^copy-worker compute/).what).toContain("21,900 on leader events + 438,000 periodic");
  });

  it("hand check: the FIFO copy queue's requests", () => {
    // Sends: one per event run (a follower per leader) + one batch of ≤ 10 per tick: 21,900 + 43,800 = 65,700.
    expect(q(e, /^copy queue \(FIFO\): sends/)).toBe("65700");
    // A receive and a delete per run: 2 × 459,900.
    expect(q(e, /^copy queue \(FIFO\): receive/)).toBe("919800");
    // Idle pollers: 5 × 3 a minute × 43,800.
    expect(q(e, /^copy queue \(FIFO\): empty/)).toBe("657000");
    for (const what of [/^copy queue \(FIFO\): sends/, /^copy queue \(FIFO\): receive/]) expect(byWhat(e, what).price).toBe(PRICES.sqsFifoRequest);
  });

  it("hand check: DynamoDB writes (transactions bill twice) and reads", () => {
    // Account (2 KB = 2 units, ×2) per run: 459,900 × 4 = 1,839,600; orders (2 items, ×2): 21,900 × 4 = 87,600;
    // an equity point a minute (×2): 10 × 43,800 × 2 = 876,000. Total 2,803,200.
    expect(q(e, /^copy writes/)).toBe("2803200");
    // Per run a consistent read of 3 KB (1 unit), the message's earlier orders (a consistent Query, 1)
    // and the leader's 1 KB item eventually (0.5): 459,900 × 2.5.
    expect(q(e, /^copy reads: the follower's partition/)).toBe("1149750");
    // A key-only leader-index Query (0.5) per event: 500 × 2,190 = 1,095,000 events.
    expect(q(e, /^copy reads: the dispatcher's leader-index/)).toBe("547500");
    // The followers list, 10 × 100 bytes (0.5 unit), and each one's 2 KB account item consistently
    // (1 unit), per tick: 43,800 × (0.5 + 10) = 459,900.
    expect(q(e, /^copy reads: the reconcile's followers list/)).toBe("459900");
  });

  it("hand check: agent secrets, one per live follower, and their reads", () => {
    expect(byWhat(e, /^agent secrets/).monthlyUsd.toString()).toBe("4"); // 10 × $0.40
    // 24 reads a day × 30.4167 days (730 h) × 10 followers = 7,300.
    expect(q(e, /^agent secret reads/)).toBe("7300");
    // Paper followers hold no key.
    const paper = estimateMonthlyCost({ traders: 500, liveFollowerShare: "0" });
    expect(q(paper, /^agent secrets/)).toBe("0");
  });

  it("hand check: exchange weight shares the budget with tracking", () => {
    // Every run reads the mids (2) and, live, the account (2); each order is an action of weight 1
    // and, filled, a read of the account's fills (20; at most one a minute per follower, which 0.05 orders
    // a minute each never reach): (459,900 × 4 + 21,900 × 21) / 43,800 = 52.5 a minute.
    expect(e.capacity.copyWeightPerMinute.toString()).toBe("52.5");
    // Paper: mids only, (459,900 × 2) / 43,800 = 21.
    expect(estimateMonthlyCost({ traders: 500, liveFollowerShare: "0" }).capacity.copyWeightPerMinute.toString()).toBe("21");
    // 5,000 traders spend 15,000 a minute (13.9 IPs of 1,080: 14). 100 live followers add
    // (100 × 45,990 × 4 + 219,000 × 21) / 43,800 = 525: 15,525 / 1,080 = 14.4, so 15 IPs.
    const big = estimateMonthlyCost({ traders: 5_000, followers: 100 });
    expect(big.capacity.copyWeightPerMinute.toString()).toBe("525");
    expect(big.capacity.egressIpsNeeded).toBe(15);
    expect(estimateMonthlyCost({ traders: 5_000, followers: 0 }).capacity.egressIpsNeeded).toBe(14);
  });

  it("hand check: a live follower's fills are read at most once a minute, however many batches fill", () => {
    // 50 leaders each: 10 × 50 × 2,190 = 1,095,000 event runs (and orders) + 438,000 periodic = 1,533,000 runs.
    // Mids and the account: 1,533,000 × 4 = 6,132,000; orders 1,095,000 × 1; fill reads: not one per
    // order (1,095,000) but at most one a minute per follower, 10 × 43,800 = 438,000, × 20 = 8,760,000.
    // (6,132,000 + 1,095,000 + 8,760,000) / 43,800 = 365 a minute (one read per batch: 665).
    expect(estimateMonthlyCost({ traders: 500, leadersPerFollower: 50 }).capacity.copyWeightPerMinute.toString()).toBe("365");
  });

  it("follower lines grow with followers; the queue's idle polls, the schedule, alarms and metrics are there with none", () => {
    const none = estimateMonthlyCost({ traders: 500, followers: 0 });
    const ten = e;
    const hundred = estimateMonthlyCost({ traders: 500, followers: 100 });
    expect(q(none, /^copy-worker compute/)).toBe("0");
    expect(q(none, /^copy writes/)).toBe("0");
    // Every worker quantity is per run, so exactly 10 times the runs.
    for (const what of [/^copy-worker compute/, /^copy writes/, /^copy queue \(FIFO\): receive/, /^agent secrets/]) {
      expect(byWhat(hundred, what).quantity.eq(byWhat(ten, what).quantity.times(10)), String(what)).toBe(true);
    }
    const fixed = none.lines.filter((l) => /copy|agent/.test(l.what) && l.scaling === "fixed");
    expect(fixed.map((l) => l.what)).toEqual([
      "copy queue (FIFO): empty long polls (5 x 3/min)",
      "copy-reconcile ticks (COPY_RECONCILE_INTERVAL_SECONDS)",
      "copy alarm metrics (errors x3, dispatcher lag, 2 DLQs, order errors)",
      "custom metrics (copy orders, errors, pauses, signal-to-order delay)",
    ]);
    for (const l of fixed) expect(l.monthlyUsd.eq(byWhat(hundred, new RegExp(`^${l.what.replace(/[()]/g, "\\$&")}$`)).monthlyUsd)).toBe(true);
    // 43,800 ticks; 7 alarms; 4 metrics.
    expect(fixed.map((l) => l.quantity.toString())).toEqual(["657000", "43800", "7", "4"]);
    // The tracking side is untouched by followers.
    const tracking = (x: CostEstimate) => x.lines.filter((l) => !/copy|agent/.test(l.what) && l.service !== "NAT");
    expect(tracking(hundred).map((l) => l.monthlyUsd.toString())).toEqual(tracking(none).map((l) => l.monthlyUsd.toString()));
    expect(hundred.totalUsd.gt(ten.totalUsd) && ten.totalUsd.gt(none.totalUsd)).toBe(true);
  });

  it("with the fixed egress IP, every copy run's exchange calls pass the NAT gateway", () => {
    const nat = (followers: number) => byWhat(estimateMonthlyCost({ traders: 500, nat: true, followers }), /^data processed/).quantity;
    // 459,900 runs × 12 KB = 5,518,800 KB = 5.263 GB.
    expect(nat(10).minus(nat(0)).toFixed(3)).toBe(dec(459_900 * 12).div(1_024 * 1_024).toFixed(3));
  });

  it("refuses followers or a live share it cannot price, and reads --followers", () => {
    expect(() => estimateMonthlyCost({ traders: 10, followers: -1 })).toThrow(/followers must be a whole number/);
    expect(() => estimateMonthlyCost({ traders: 10, liveFollowerShare: "2" })).toThrow(/liveFollowerShare must be between 0 and 1/);
    expect(parseCostArgs(["--traders", "5000", "--followers", "100"])).toEqual({ input: { traders: 5_000, followers: 100 }, json: false });
    expect(() => parseCostArgs(["--traders", "5000", "--followers", "many"])).toThrow(/--followers must be a whole number/);
  });
});
