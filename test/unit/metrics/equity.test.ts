import { describe, expect, it } from "vitest";
import { computeEquityMetrics, equityPointsFor } from "#domain/metrics/equity.js";
import { cashFlowsFromLedger } from "#domain/metrics/flows.js";
import type { CashFlow, EquityMetrics, EquityPoint, PortfolioHistory } from "#domain/metrics/types.js";
import { ledgerUpdatesSchema, portfolioSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** 2025-01-01T00:00:00Z: sample times below are whole days and hours after it, so UTC days are plain. */
const T0 = Date.UTC(2025, 0, 1);
const at = (day: number, hour = 12): number => T0 + day * DAY + hour * HOUR;

/** One sample per day at noon, day 0 first. */
const daily = (...values: string[]): EquityPoint[] => values.map((v, i): EquityPoint => [at(i), v]);
const flow = (time: number, usdc: string): CashFlow => ({ time, usdc, kind: "deposit", hash: "0x" });
const everything = { from: 0, to: Number.MAX_SAFE_INTEGER };
const NULLS: EquityMetrics = { max_drawdown: null, roi: null, sharpe: null };

/**
 * Hand-computed cases compare to 12 decimals: each sub-period return is one exact division turned
 * into a double, so results carry errors of ~1e-16, and an exact figure like 0.21 is itself not
 * representable.
 */
const expectMetrics = (actual: EquityMetrics, expected: EquityMetrics, digits = 12): void => {
  for (const key of ["max_drawdown", "roi", "sharpe"] as const) {
    const want = expected[key];
    if (want === null) expect(actual[key], key).toBeNull();
    else expect(actual[key], key).toBeCloseTo(want, digits);
  }
};

describe("equityPointsFor", () => {
  const portfolio: PortfolioHistory = {
    fetchedAt: 0,
    periods: {
      perpDay: {
        accountValueHistory: [
          [3, "30"],
          [1, "10"],
          [2, "20"],
          [2, "21"],
        ],
        pnlHistory: [],
      },
      day: { accountValueHistory: [[1, "99"]], pnlHistory: [] },
      week: { accountValueHistory: [[5, "50"]], pnlHistory: [] },
    },
  };

  it("takes the perp period, sorted, the later of two samples at the same time", () => {
    expect(equityPointsFor(portfolio, "1d")).toEqual([
      [1, "10"],
      [2, "21"],
      [3, "30"],
    ]);
  });

  it("falls back to the combined period, and to nothing", () => {
    expect(equityPointsFor(portfolio, "7d")).toEqual([[5, "50"]]);
    expect(equityPointsFor(portfolio, "30d")).toEqual([]);
    expect(equityPointsFor(portfolio, "all")).toEqual([]);
  });
});

describe("computeEquityMetrics edge cases", () => {
  it("is null without two samples in the window", () => {
    expect(computeEquityMetrics([], [], everything)).toEqual(NULLS);
    expect(computeEquityMetrics(daily("100"), [], everything)).toEqual(NULLS);
    const points = daily("100", "110", "121");
    // No sample in [day 5, day 9); then only day 1's sample, since `to` is exclusive.
    expect(computeEquityMetrics(points, [], { from: at(5), to: at(9) })).toEqual(NULLS);
    expect(computeEquityMetrics(points, [], { from: at(1), to: at(2) })).toEqual(NULLS);
  });

  it("uses only the samples in [from, to)", () => {
    // Samples of day 1 and day 2 only: 200 → 220 is +10%.
    const points = daily("100", "200", "220", "242");
    expectMetrics(computeEquityMetrics(points, [], { from: at(1), to: at(3) }), {
      max_drawdown: 0,
      roi: 0.1,
      sharpe: null,
    });
  });

  it("gives 0 drawdown, 0 ROI and no Sharpe on a flat curve", () => {
    // 9 daily returns, all 0: the deviation is 0.
    const points = daily(...Array<string>(10).fill("100"));
    expect(computeEquityMetrics(points, [], everything)).toEqual({ max_drawdown: 0, roi: 0, sharpe: null });
  });

  it("gives 0 drawdown on a curve that only rises", () => {
    // (110/100)·(121/110) − 1 = 0.21.
    expectMetrics(computeEquityMetrics(daily("100", "110", "121"), [], everything), {
      max_drawdown: 0,
      roi: 0.21,
      sharpe: null,
    });
  });

  it("does not count a deposit as a gain", () => {
    // The account loses 10% a day; 50 is deposited on day 1. Day 1: (140 − 50 − 100)/100 = −0.1;
    // day 2: (126 − 140)/140 = −0.1. The same trading without the deposit (100 → 90 → 81) gives
    // ROI 0.81 − 1 = −0.19 and drawdown 0.19. Read without the flow it would look like +40% then −10%.
    const withDeposit = computeEquityMetrics(daily("100", "140", "126"), [flow(at(1, 6), "50")], everything);
    const without = computeEquityMetrics(daily("100", "90", "81"), [], everything);
    expectMetrics(withDeposit, { max_drawdown: 0.19, roi: -0.19, sharpe: null });
    expectMetrics(without, { max_drawdown: 0.19, roi: -0.19, sharpe: null });
    expectMetrics(computeEquityMetrics(daily("100", "140", "126"), [], everything), {
      max_drawdown: 0.1,
      roi: 0.26,
      sharpe: null,
    });
  });

  it("does not count a withdrawal as a drawdown", () => {
    // 50 withdrawn on day 1 while the account makes 10% a day: (60 + 50 − 100)/100 = 0.1, then
    // 66/60 − 1 = 0.1. Without the flow: a 40% drawdown and ROI 0.66 − 1 = −0.34.
    const points = daily("100", "60", "66");
    expectMetrics(computeEquityMetrics(points, [flow(at(1, 6), "-50")], everything), {
      max_drawdown: 0,
      roi: 0.21,
      sharpe: null,
    });
    expectMetrics(computeEquityMetrics(points, [], everything), { max_drawdown: 0.4, roi: -0.34, sharpe: null });
  });

  it("skips a sub-period that starts at 0 or below", () => {
    // Day 0 → 1 starts at 0 (a new account funded by a deposit): skipped. Day 1 → 2: +10%.
    const funded = [flow(at(1, 6), "100")];
    expectMetrics(computeEquityMetrics(daily("0", "100", "110"), funded, everything), {
      max_drawdown: 0,
      roi: 0.1,
      sharpe: null,
    });
    expectMetrics(computeEquityMetrics(daily("-5", "100", "110"), funded, everything), {
      max_drawdown: 0,
      roi: 0.1,
      sharpe: null,
    });
    // Everything withdrawn on day 1 ((0 + 100 − 100)/100 = 0), 50 deposited on day 2 (skipped: it
    // starts at 0), then +10%: the empty stretch neither gains nor loses.
    const outAndIn = [flow(at(1, 6), "-100"), flow(at(2, 6), "50")];
    expectMetrics(computeEquityMetrics(daily("100", "0", "50", "55"), outAndIn, everything), {
      max_drawdown: 0,
      roi: 0.1,
      sharpe: null,
    });
    // Nothing measurable at all.
    expect(computeEquityMetrics(daily("0", "0", "0"), [], everything)).toEqual(NULLS);
  });

  it("does not recover from a total loss", () => {
    // 100 → 0 is −100%; 0 → 50 (a new deposit) is skipped; 50 → 55 is +10% of an index already 0.
    expectMetrics(computeEquityMetrics(daily("100", "0", "50", "55"), [flow(at(2, 6), "50")], everything), {
      max_drawdown: 1,
      roi: -1,
      sharpe: null,
    });
    // 50, then 100 deposited and everything lost in the same sub-period: (0 − 100 − 50)/50 = −3,
    // counted as −1.
    expectMetrics(computeEquityMetrics(daily("50", "0"), [flow(at(0, 18), "100")], everything), {
      max_drawdown: 1,
      roi: -1,
      sharpe: null,
    });
  });

  it("puts a flow at a sample's time in the sub-period that ends there", () => {
    // 50 deposited at exactly day 1's sample: day 1 is (150 − 50 − 100)/100 = 0, day 2 is
    // 165/150 − 1 = 0.1. Had it counted in day 2: 1.5 · (165 − 50)/150 − 1 = 0.15.
    expectMetrics(computeEquityMetrics(daily("100", "150", "165"), [flow(at(1), "50")], everything), {
      max_drawdown: 0,
      roi: 0.1,
      sharpe: null,
    });
  });

  it("ignores flows at or before the first sample and after the last", () => {
    // They are already in V_0, or not yet in any sample: 110/100 − 1.
    const flows = [flow(at(0) - 1, "20"), flow(at(0), "50"), flow(at(1) + 1, "30")];
    expectMetrics(computeEquityMetrics(daily("100", "110"), flows, everything), {
      max_drawdown: 0,
      roi: 0.1,
      sharpe: null,
    });
  });
});

describe("Sharpe ratio of daily returns", () => {
  // Daily returns +10%, −10%, +10%, −10%, +10%, −10%, +10% (7 of them), from 1000.
  const alternating = daily("1000", "1100", "990", "1089", "980.1", "1078.11", "970.299", "1067.3289");
  // mean = 0.1/7; deviations 0.6/7 (×4) and −0.8/7 (×3): Σ² = (4·0.36 + 3·0.64)/49 = 3.36/49;
  // sample variance = 3.36/49/6 = 0.56/49, so sd = √0.56/7 and mean/sd = 0.1/√0.56 = 1/√56.
  // Sharpe = √365/√56. ROI = 1.1⁴·0.9³ − 1 = 0.0673289. The index peaks at 1.1 (day 1) and
  // bottoms at 1.1·0.9·1.1·0.9·1.1·0.9 = 0.970299 (day 6): drawdown (1.1 − 0.970299)/1.1.
  const expected = { max_drawdown: (1.1 - 0.970299) / 1.1, roi: 0.0673289, sharpe: Math.sqrt(365 / 56) };

  it("annualises the mean over the sample deviation with 7 daily returns", () => {
    expectMetrics(computeEquityMetrics(alternating, [], everything), expected);
  });

  it("chains the sub-periods that end in the same UTC day", () => {
    // Day 1's +10% in two steps (1000 → 1050 at 06:00 → 1100 at noon): still one daily return.
    const split: EquityPoint[] = [...alternating];
    split.splice(1, 0, [at(1, 6), "1050"]);
    expectMetrics(computeEquityMetrics(split, [], everything), expected);
  });

  it("is null with fewer than 7 daily returns", () => {
    const sixDays = alternating.slice(0, 7);
    expect(computeEquityMetrics(sixDays, [], everything).sharpe).toBeNull();
  });

  it("is null when every day returns the same", () => {
    // +10% a day for 7 days: deviation 0 (float noise of ~1e-17 must not give a huge ratio).
    const steady = daily("1000", "1100", "1210", "1331", "1464.1", "1610.51", "1771.561", "1948.7171");
    expectMetrics(computeEquityMetrics(steady, [], everything), { max_drawdown: 0, roi: 0.9487171, sharpe: null });
  });
});

describe("equity metrics of portfolio.recorded.json", () => {
  const response = portfolioSchema.parse(loadFixture("portfolio.recorded.json").response);
  const portfolio: PortfolioHistory = {
    fetchedAt: 0,
    periods: Object.fromEntries(
      response.map(([name, p]) => [name, { accountValueHistory: p.accountValueHistory, pnlHistory: p.pnlHistory }]),
    ),
  };
  const wholePeriod = (points: readonly EquityPoint[]) => ({
    from: points[0]?.[0] ?? 0,
    to: (points.at(-1)?.[0] ?? 0) + 1,
  });

  // Expected figures printed by `python3 test/unit/metrics/derive_equity.py`, an independent
  // implementation that chains the returns in 60-digit decimals. Compared to 10 decimals: the
  // implementation chains doubles, whose error over 71 sub-periods stays below 1e-13.
  it.each([
    ["1d", 13, { max_drawdown: 0.0011269526009671984, roi: -0.00080968812363426648, sharpe: null }],
    ["7d", 64, { max_drawdown: 0.0040824462152865672, roi: 0.10396002220338543, sharpe: 6.4653603815983676 }],
    ["30d", 45, { max_drawdown: 0.0080549814797168974, roi: 0.38287401101621071, sharpe: 6.1127979013213256 }],
    // Starts at 0.0: the first sub-period is skipped, so without flows ROI = V_71/V_1 − 1.
    ["all", 72, { max_drawdown: 0.60664586126746223, roi: 3.2139936168487484, sharpe: 4.0698849617626456 }],
  ] as const)("%s without flows", (window, samples, expected) => {
    const points = equityPointsFor(portfolio, window);
    expect(points).toHaveLength(samples);
    expectMetrics(computeEquityMetrics(points, [], wholePeriod(points)), expected, 10);
  });

  it("all-time with the ledger fixture's flows moved into the curve", () => {
    // The ledger is another account's: its flows keep their amounts and order and are shifted by
    // perpAllTime[45].time − first flow time (derive_equity.py does the same). The deposit lands
    // exactly on sample 45; the three others between samples 46 and 47, inside the curve's largest
    // drawdown (peak at sample 41, trough at 49), so drawdown and ROI both change.
    const ledger = loadFixture("userNonFundingLedgerUpdates.recorded.json");
    const owner = (ledger.request as { user: string }).user;
    const flows = cashFlowsFromLedger(ledgerUpdatesSchema.parse(ledger.response), owner);
    const points = equityPointsFor(portfolio, "all");
    const shift = (points[45]?.[0] ?? 0) - (flows[0]?.time ?? 0);
    const moved = flows.map((f) => ({ ...f, time: f.time + shift }));
    expect(moved.map((f) => f.time)).toEqual([1741817400060, 1742652910305, 1742684050450, 1742685549437]);

    expectMetrics(
      computeEquityMetrics(points, moved, wholePeriod(points)),
      { max_drawdown: 0.60730967730481666, roi: 3.2068821712867757, sharpe: 4.0675484531988246 },
      10,
    );
  });
});
