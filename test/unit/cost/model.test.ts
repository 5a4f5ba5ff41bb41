import { describe, expect, it } from "vitest";
import { dec, type Decimal } from "#commons/decimal.js";
import { parseCostArgs, UsageError } from "../../../cost/cli.js";
import { estimateMonthlyCost, lineCost, type CostEstimate, type CostLine } from "../../../cost/model.js";
import { PRICES, PRICES_AS_OF } from "../../../cost/prices.js";
import { toJson, toMarkdown } from "../../../cost/report.js";

const sum = (lines: readonly CostLine[]): Decimal => lines.reduce((acc, l) => acc.plus(l.monthlyUsd), dec(0));
const byWhat = (e: CostEstimate, what: string | RegExp): CostLine => {
  const found = e.lines.find((l) => (typeof what === "string" ? l.what === what : what.test(l.what)));
  if (found === undefined) throw new Error(`no line ${String(what)}`);
  return found;
};
const ratio = (a: Decimal, b: Decimal): number => Number(a.div(b).toFixed(6));

describe("estimateMonthlyCost", () => {
  it.each([
    { traders: 500 },
    { traders: 5_000 },
    { traders: 5_000, nat: true },
    { traders: 1, changeRate: "0" },
  ])("totals its lines exactly, each line being quantity × unit price to the micro-dollar (%o)", (input) => {
    const e = estimateMonthlyCost(input);
    expect(e.totalUsd.eq(sum(e.lines))).toBe(true);
    for (const l of e.lines) {
      expect(l.monthlyUsd.eq(l.quantity.times(l.price.usd).div(l.price.per).round(6, 1))).toBe(true);
      expect(l.monthlyUsd.gte(0)).toBe(true);
    }
  });

  it("hand check: the tracking queue's SQS requests for 500 traders at the defaults", () => {
    // 500 traders / 25 per message = 20 messages a cycle; 43,800 one-minute cycles in 730 h.
    //  - SendMessageBatch: ceil(20 / 10) = 2 a cycle → 87,600 → × $0.40 / 1M = $0.03504
    //  - the Lambda poller: ceil(20 / 5) = 4 invocations a cycle, each one ReceiveMessage and one
    //    DeleteMessageBatch → 8 × 43,800 = 350,400 → $0.14016
    //  - idle long polls: 5 pollers × 3 a minute (20 s each) × 43,800 = 657,000 → $0.2628
    const e = estimateMonthlyCost({ traders: 500 });
    const sqs = e.lines.filter((l) => l.price === PRICES.sqsRequest);
    expect(sqs.map((l) => l.quantity.toString())).toEqual(["87600", "350400", "657000"]);
    expect(sqs.map((l) => l.monthlyUsd.toString())).toEqual(["0.03504", "0.14016", "0.2628"]);
    expect(sum(sqs).toString()).toBe("0.438");
  });

  it("hand check: the worker's billed duration for 500 traders", () => {
    // 4 invocations a cycle of 125 traders; each: 40 ms overhead + 3 rounds × 150 ms of exchange
    // latency + (1 − 0.95^125) × (150 + 30) ms for a fills round and a commit + 125 × 0.6 ms of CPU
    // stretched by 1769/1024 (the worker's share of a vCPU) = 799.3 → 800 billed ms at 1 GB:
    // 175,200 invocations × 0.8 s × 1 GB = 140,160 GB-s.
    const e = estimateMonthlyCost({ traders: 500 });
    expect(byWhat(e, /^track-worker compute/).quantity.toString()).toBe("140160");
  });

  it("hand check: the trades-stream listener (TRADES_STREAM=on, the default), and none of it when off", () => {
    // One listener at a time all month (730 h = 2,628,000 s) plus a minute of overlap at each of the
    // 2,920 hand-overs (one per 15-minute invocation): 2,803,200 s × 0.5 GB = 1,401,600 GB-s → $18.69.
    // The other 43,800 − 2,920 = 40,880 minute starts find the holder: 100 ms × 0.5 GB = 2,044 GB-s.
    const on = estimateMonthlyCost({ traders: 500 });
    expect(byWhat(on, /^stream-listener compute/).quantity.toString()).toBe("1401600");
    expect(byWhat(on, /^stream-listener compute/).monthlyUsd.toString()).toBe("18.688093");
    expect(byWhat(on, /^stream-listener starts/).quantity.toString()).toBe("2044");
    // A status write every 10 s (280,320) and, per listener, its claim, its last status and that
    // it finished (8,760).
    expect(byWhat(on, /^writes: stream-listener/).quantity.toString()).toBe("289080");
    // A lease read per start (43,800), the 500-entry active index (6.5 units) every 30 s (93,440
    // times), and per listener 90 lease reads near its end and 5 checks by its successor (277,400).
    expect(byWhat(on, /^reads: stream-listener/).quantity.toString()).toBe("928560");
    expect(byWhat(on, "custom metrics (trades-stream counters)").monthlyUsd.toString()).toBe("1.2");

    const off = estimateMonthlyCost({ traders: 500, tradesStream: false });
    expect(off.lines.filter((l) => /stream/.test(l.what))).toEqual([]);
    // Its Errors alarm, no trades (metric math over 4 metrics), reconnects and gaps.
    expect(byWhat(on, "alarm metrics").quantity.minus(byWhat(off, "alarm metrics").quantity).toString()).toBe("7");
    expect(byWhat(on, /^invocations/).quantity.minus(byWhat(off, /^invocations/).quantity).toString()).toBe("43800");
    expect(byWhat(on, /^requests/).quantity.minus(byWhat(off, /^requests/).quantity).toString()).toBe("43800");
    // About $21 a month in all, most of it the listening Lambda.
    expect(Number(on.totalUsd.minus(off.totalUsd).toFixed(2))).toBeCloseTo(21.06, 2);
  });

  it("with the fixed egress IP, the stream's trades pass the NAT gateway", () => {
    const nat = (tradesStream: boolean) => byWhat(estimateMonthlyCost({ traders: 500, nat: true, tradesStream }), /^data processed/);
    // 2,803,200 listening seconds × 30 trades × 300 bytes ≈ 23.5 GB → ~$1.06.
    expect(Number(nat(true).quantity.minus(nat(false).quantity).toFixed(1))).toBeCloseTo(23.5, 1);
  });

  it("doubling the traders doubles the per-trader lines and leaves the fixed lines alone", () => {
    // A low change rate keeps the leaderboard's history sync under its 600 s deadline at both
    // sizes; at the default rate the deadline caps it (see the warning test below).
    const small = estimateMonthlyCost({ traders: 200, changeRate: "0.001" });
    const large = estimateMonthlyCost({ traders: 400, changeRate: "0.001" });
    expect(large.lines.map((l) => l.scaling)).toEqual(small.lines.map((l) => l.scaling));
    large.lines.forEach((l, n) => {
      const before = small.lines[n]!;
      if (l.scaling === "fixed") expect(l.monthlyUsd.eq(before.monthlyUsd), l.what).toBe(true);
      if (l.scaling === "traders") expect(ratio(l.quantity, before.quantity), l.what).toBeCloseTo(2, 1);
      if (l.scaling === "mixed") {
        expect(l.quantity.gt(before.quantity), l.what).toBe(true);
        expect(ratio(l.quantity, before.quantity), l.what).toBeLessThanOrEqual(2);
      }
    });
    const fixed = large.lines.filter((l) => l.scaling === "fixed").map((l) => l.what);
    expect(fixed).toEqual(expect.arrayContaining(["alarm metrics", "secrets", "alarm topic key"]));
  });

  it("has NAT lines only with the fixed egress IP: 730 hours of gateway and address, plus data", () => {
    const without = estimateMonthlyCost({ traders: 500 });
    const withNat = estimateMonthlyCost({ traders: 500, nat: true });
    expect(without.lines.some((l) => l.service === "NAT")).toBe(false);
    const nat = withNat.lines.filter((l) => l.service === "NAT");
    expect(nat.map((l) => l.what)).toEqual(["NAT gateway hours", "Elastic IP (public IPv4) hours", "data processed (exchange traffic)"]);
    expect(nat[0]!.monthlyUsd.toString()).toBe("32.85"); // 730 h × $0.045
    expect(nat[1]!.monthlyUsd.toString()).toBe("3.65"); // 730 h × $0.005
    expect(nat[2]!.monthlyUsd.eq(lineCost(nat[2]!.quantity, PRICES.natGatewayGb))).toBe(true);
    expect(nat[2]!.quantity.gt(0)).toBe(true);
    // Nothing else changes: the NAT lines are the whole difference.
    expect(withNat.totalUsd.minus(without.totalUsd).eq(sum(nat))).toBe(true);
  });

  it("warns when one egress IP cannot poll every trader each cycle, and still prices the AWS side", () => {
    // 1,080 usable weight a minute / (2 + 20 × 0.05) = 360 traders per IP per minute.
    const big = estimateMonthlyCost({ traders: 5_000 });
    expect(big.capacity.egressIpsNeeded).toBe(14); // 15,000 weight a minute / 1,080
    expect(big.capacity.tradersPerIpPerCycle.toString()).toBe("360");
    const warning = big.warnings.find((w) => w.startsWith("Exchange capacity"));
    expect(warning).toMatch(/14 egress IPs; the stack supports one/);
    expect(big.totalUsd.gt(0)).toBe(true);

    const small = estimateMonthlyCost({ traders: 300 });
    expect(small.capacity.egressIpsNeeded).toBe(1);
    expect(small.warnings.some((w) => w.startsWith("Exchange capacity"))).toBe(false);

    // Polling every 15 minutes spreads the same 5,000 traders' weight over 15 minutes.
    expect(estimateMonthlyCost({ traders: 5_000, intervalSeconds: 900 }).capacity.egressIpsNeeded).toBe(1);
  });

  it("warns when the leaderboard's history sync cannot finish within its deadline", () => {
    // Tracking stores the fills behind every change, so a run refreshes only portfolios, ledgers and
    // funding (60 weight per trader a day) and roles (60 a week): 500 traders need
    // 500 × (60 / 24 + 60 / 168) = 1,429 weight, ~317 s at history's 270 a minute; 5,000 need
    // ~3,175 s, more than LEADERBOARD_SYNC_SECONDS (600).
    const small = estimateMonthlyCost({ traders: 500 });
    expect(small.capacity.historySyncSecondsNeeded.toFixed(0)).toBe("317");
    expect(small.warnings.some((w) => w.startsWith("Leaderboard history"))).toBe(false);
    const e = estimateMonthlyCost({ traders: 5_000 });
    expect(e.capacity.historySyncSecondsNeeded.gt(600)).toBe(true);
    expect(e.warnings.some((w) => w.startsWith("Leaderboard history"))).toBe(true);
    expect(estimateMonthlyCost({ traders: 50, changeRate: "0.001" }).warnings).toEqual([]);
  });

  it("refuses input it cannot price", () => {
    expect(() => estimateMonthlyCost({ traders: 0 })).toThrow(RangeError);
    expect(() => estimateMonthlyCost({ traders: 10, intervalSeconds: 90 })).toThrow(/whole number of minutes/);
    expect(() => estimateMonthlyCost({ traders: 10, changeRate: "1.5" })).toThrow(/between 0 and 1/);
    expect(() => estimateMonthlyCost({ traders: 10, feedShards: 0 })).toThrow(/feedShards must be a positive integer/);
  });
});

describe("the cost report", () => {
  it("states the prices' date, the total, the warnings and the assumptions", () => {
    const e = estimateMonthlyCost({ traders: 5_000 });
    const md = toMarkdown(e);
    expect(md).toContain(`as of ${PRICES_AS_OF}`);
    expect(md).toContain("| service | what | quantity | unit price | $/month |");
    expect(md).toContain(`**$${e.totalUsd.toFixed(2, 1).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}**`);
    expect(md).toContain("14 egress IPs needed; the stack supports 1");
    expect(md).toContain("`cpuMsPerTrader` = 0.6");
    const json = JSON.parse(toJson(e)) as { totalUsd: string; lines: { monthlyUsd: string }[]; capacity: { egressIpsNeeded: number } };
    expect(json.totalUsd).toBe(e.totalUsd.toFixed(6));
    expect(json.lines.reduce((acc, l) => acc.plus(l.monthlyUsd), dec(0)).toFixed(6)).toBe(json.totalUsd);
    expect(json.capacity.egressIpsNeeded).toBe(14);
  });
});

describe("parseCostArgs", () => {
  it("reads every option", () => {
    const args = ["--traders", "5_000", "--interval-seconds", "120", "--change-rate", ".1", "--nat", "--ws-clients", "0"];
    expect(parseCostArgs([...args, "--api-requests", "5", "--latency-ms", "80", "--trades-stream", "off", "--json"])).toEqual({
      input: {
        traders: 5_000,
        intervalSeconds: 120,
        changeRate: "0.1",
        nat: true,
        tradesStream: false,
        wsClients: 0,
        apiRequestsPerMonth: 5,
        exchangeLatencyMs: 80,
      },
      json: true,
    });
    expect(parseCostArgs(["--traders", "1", "--trades-stream", "on"])).toEqual({ input: { traders: 1, tradesStream: true }, json: false });
    expect(parseCostArgs(["--traders", "1", "--feed-shards", "64", "--round-trips-per-day", "2.5"])).toEqual({
      input: { traders: 1, feedShards: 64, roundTripsPerTraderPerDay: "2.5" },
      json: false,
    });
    expect(parseCostArgs(["--traders", "500"])).toEqual({ input: { traders: 500 }, json: false });
  });

  it.each([
    [[], /--traders N is required/],
    [["--traders", "abc"], /--traders must be a whole number/],
    [["--traders", "0"], /--traders must be at least 1/],
    [["--traders", "10", "--interval-seconds", "90"], /whole number of minutes/],
    [["--traders", "10", "--change-rate", "1.5"], /--change-rate must be a decimal from 0 to 1/],
    [["--traders", "10", "--trades-stream", "yes"], /--trades-stream must be on or off/],
    [["--traders", "10", "--feed-shards", "0"], /--feed-shards must be at least 1/],
    [["--traders", "10", "--round-trips-per-day", "many"], /--round-trips-per-day must be a decimal of 0 or more/],
    [["--traders", "10", "--bogus"], /bogus/],
  ])("explains bad input %j", (argv, message) => {
    expect(() => parseCostArgs(argv)).toThrow(UsageError);
    expect(() => parseCostArgs(argv)).toThrow(message);
  });
});
