import { describe, expect, it } from "vitest";
import { toPortfolioHistory } from "#domain/history/mappers.js";
import type { PortfolioPeriod } from "#domain/history/ports.js";
import type { PortfolioHistory } from "#domain/metrics/types.js";
import { MAX_SERIES_POINTS, equitySeries, portfolioSeries, realizedPnlSeries, thinSeries } from "#domain/trader-story/index.js";
import { portfolioSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";
import { fill, spotFill } from "../metrics/fills.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 10, 12);

const recordedPortfolio = (): PortfolioHistory =>
  toPortfolioHistory(portfolioSchema.parse(loadFixture("portfolio.recorded.json").response) as [string, PortfolioPeriod][], NOW - HOUR);

describe("portfolioSeries", () => {
  const portfolio = recordedPortfolio();

  it("charts the combined period of each window from the recorded portfolio answer, ascending", () => {
    const day = portfolioSeries(portfolio, "1d");
    expect(day.account_value).toHaveLength(13);
    expect(day.account_value[0]).toEqual({ t: 1755772320063, v: "160794563.9261809886" });
    expect(day.account_value.at(-1)).toEqual({ t: 1755863121304, v: "160664370.477425009" });
    expect(day.pnl[0]).toEqual({ t: 1755772320063, v: "0.0" });
    expect(day.pnl.at(-1)).toEqual({ t: 1755863121304, v: "-130193.448756" });

    // week, month and allTime, not their perp* twins (perpAllTime has 72 samples, allTime 76).
    expect(portfolioSeries(portfolio, "7d").account_value).toHaveLength(64);
    expect(portfolioSeries(portfolio, "30d").account_value).toHaveLength(45);
    expect(portfolioSeries(portfolio, "all").account_value).toHaveLength(76);
    for (const w of ["1d", "7d", "30d", "all"] as const) {
      const { account_value, pnl } = portfolioSeries(portfolio, w);
      for (const s of [account_value, pnl]) for (let i = 1; i < s.length; i++) expect(s[i]!.t).toBeGreaterThan(s[i - 1]!.t);
    }
  });

  it("sorts samples and keeps the later of two at one time; a missing period or portfolio is empty", () => {
    const p: PortfolioHistory = {
      fetchedAt: NOW,
      periods: {
        week: {
          accountValueHistory: [
            [3, "30"],
            [1, "10"],
            [3, "31"],
            [2, "20"],
          ],
          pnlHistory: [[5, "-1.5"]],
        },
      },
    };
    expect(portfolioSeries(p, "7d")).toEqual({
      account_value: [
        { t: 1, v: "10" },
        { t: 2, v: "20" },
        { t: 3, v: "31" },
      ],
      pnl: [{ t: 5, v: "-1.5" }],
    });
    expect(portfolioSeries(p, "1d")).toEqual({ account_value: [], pnl: [] });
    expect(portfolioSeries(null, "all")).toEqual({ account_value: [], pnl: [] });
  });
});

describe("realizedPnlSeries", () => {
  // Shuffled and with a duplicate: the series sorts (time, then tid) and counts each fill once.
  const inOrder = [
    fill({ coin: "BTC", side: "B", sz: "1", px: "100", time: NOW - 40 * DAY, startPosition: "0", closedPnl: "1", fee: "0.5" }),
    fill({ coin: "BTC", side: "A", sz: "1", px: "100", time: NOW - 2 * DAY, startPosition: "1", closedPnl: "100", fee: "1" }),
    // Exactly 24 h before now: in the 7-day window, not in the 1-day one.
    fill({ coin: "ETH", side: "B", sz: "1", px: "10", time: NOW - DAY, startPosition: "0", closedPnl: "-9", fee: "0" }),
    fill({ coin: "BTC", side: "B", sz: "0.5", px: "60000", time: NOW - 20 * HOUR, startPosition: "0", fee: "13.5" }),
    fill({ coin: "BTC", side: "A", sz: "0.25", px: "61000", time: NOW - 10 * HOUR, startPosition: "0.5", closedPnl: "250.125", fee: "6.75" }),
    // Same millisecond, later tid: a rebate. One point for the millisecond, after both.
    fill({ coin: "BTC", side: "A", sz: "0.001", px: "61000", time: NOW - 10 * HOUR, startPosition: "0.25", closedPnl: "-0.005", fee: "-0.001" }),
    // Moves nothing: no point.
    fill({ coin: "BTC", side: "B", sz: "0.001", px: "61000", time: NOW - 5 * HOUR, startPosition: "0.249", closedPnl: "0", fee: "0" }),
    spotFill({ side: "B", sz: "1", px: "12.5", time: NOW - 4 * HOUR, fee: "1" }),
    fill({ coin: "ETH", side: "A", sz: "1", px: "10", time: NOW - HOUR, startPosition: "1", closedPnl: "0.1", fee: "0.3" }),
    // After now (a clock ahead of ours): in no window.
    fill({ coin: "ETH", side: "B", sz: "1", px: "10", time: NOW + 60_000, startPosition: "0", closedPnl: "5", fee: "0" }),
  ];
  const fills = [inOrder[4]!, inOrder[9]!, inOrder[0]!, inOrder[6]!, inOrder[2]!, { ...inOrder[5]! }, inOrder[7]!, inOrder[1]!, inOrder[8]!, inOrder[5]!, inOrder[3]!];

  it("1d: \"0\" at the window start, then Σ closedPnl − Σ fee after each millisecond, exactly", () => {
    // −13.5 (open fee); + 250.125 − 6.75 = 229.875; + (−0.005) − (−0.001) = 229.871 (same ms, one point);
    // then 0.1 − 0.3 = −0.2 → 229.671 (as floats 229.871 − 0.2 would print 229.67100000000002).
    expect(realizedPnlSeries(fills, "1d", NOW)).toEqual([
      { t: NOW - DAY, v: "0" },
      { t: NOW - 20 * HOUR, v: "-13.5" },
      { t: NOW - 10 * HOUR, v: "229.871" },
      { t: NOW - HOUR, v: "229.671" },
    ]);
  });

  it("7d includes the fill at exactly 24 h and the older one; 30d leaves out 40 days ago; all starts 1 ms before its first fill", () => {
    // 100 − 1 = 99; − 9 = 90; − 13.5 = 76.5; + 243.375 = 319.875; − 0.004 = 319.871; − 0.2 = 319.671.
    const week = [
      { t: NOW - 2 * DAY, v: "99" },
      { t: NOW - DAY, v: "90" },
      { t: NOW - 20 * HOUR, v: "76.5" },
      { t: NOW - 10 * HOUR, v: "319.871" },
      { t: NOW - HOUR, v: "319.671" },
    ];
    expect(realizedPnlSeries(fills, "7d", NOW)).toEqual([{ t: NOW - 7 * DAY, v: "0" }, ...week]);
    expect(realizedPnlSeries(fills, "30d", NOW)).toEqual([{ t: NOW - 30 * DAY, v: "0" }, ...week]);
    // 1 − 0.5 = 0.5 first, then every later figure 0.5 higher.
    expect(realizedPnlSeries(fills, "all", NOW)).toEqual([
      { t: NOW - 40 * DAY - 1, v: "0" },
      { t: NOW - 40 * DAY, v: "0.5" },
      { t: NOW - 2 * DAY, v: "99.5" },
      { t: NOW - DAY, v: "90.5" },
      { t: NOW - 20 * HOUR, v: "77" },
      { t: NOW - 10 * HOUR, v: "320.371" },
      { t: NOW - HOUR, v: "320.171" },
    ]);
  });

  it("adds funding payments as they are paid, merged with the fills by time, so the curve ends at the leaderboard's realized PnL", () => {
    const funding = [
      { time: NOW - 10 * HOUR, coin: "BTC", usdc: "-0.0005" }, // same millisecond as two fills: one point after all three
      { time: NOW - 3 * HOUR, coin: "BTC", usdc: "1.25" },
      { time: NOW - 2 * DAY, coin: "BTC", usdc: "-7" }, // outside 1d
      { time: NOW + HOUR, coin: "BTC", usdc: "-100" }, // after now
    ];
    expect(realizedPnlSeries(fills, "1d", NOW, funding)).toEqual([
      { t: NOW - DAY, v: "0" },
      { t: NOW - 20 * HOUR, v: "-13.5" },
      { t: NOW - 10 * HOUR, v: "229.8705" },
      { t: NOW - 3 * HOUR, v: "231.1205" },
      { t: NOW - HOUR, v: "230.9205" },
    ]);
    // Funding alone moves it too.
    expect(realizedPnlSeries([], "1d", NOW, funding)).toEqual([
      { t: NOW - DAY, v: "0" },
      { t: NOW - 10 * HOUR, v: "-0.0005" },
      { t: NOW - 3 * HOUR, v: "1.2495" },
    ]);
  });

  it("is empty when no fill in the window moved it", () => {
    expect(realizedPnlSeries([], "all", NOW)).toEqual([]);
    expect(realizedPnlSeries([inOrder[6]!, inOrder[7]!, inOrder[9]!], "1d", NOW)).toEqual([]);
  });

  it("keeps amounts past 2^53 and tiny fractions exact", () => {
    const big = [
      fill({ coin: "BTC", side: "A", sz: "1", px: "1", time: NOW - 3, startPosition: "1", closedPnl: "9007199254740993.000000001", fee: "0" }),
      fill({ coin: "BTC", side: "B", sz: "1", px: "1", time: NOW - 2, startPosition: "0", closedPnl: "0", fee: "0.000000000000000001" }),
    ];
    expect(realizedPnlSeries(big, "1d", NOW).map((p) => p.v)).toEqual(["0", "9007199254740993.000000001", "9007199254740993.000000000999999999"]);
  });
});

describe("thinSeries", () => {
  const points = (n: number) => Array.from({ length: n }, (_, i) => ({ t: i * 10, v: String(i) }));

  it("leaves a series of at most the limit as it is", () => {
    const s = points(MAX_SERIES_POINTS);
    const out = thinSeries(s);
    expect(out).toEqual(s);
    expect(out).not.toBe(s);
  });

  it("keeps the first and the last and evenly spaced points between", () => {
    expect(thinSeries(points(7), 3).map((p) => p.t)).toEqual([0, 30, 60]);
    expect(thinSeries(points(10), 4).map((p) => p.v)).toEqual(["0", "3", "6", "9"]);
    const out = thinSeries(points(5_001));
    expect(out).toHaveLength(MAX_SERIES_POINTS);
    expect(out[0]).toEqual({ t: 0, v: "0" });
    expect(out.at(-1)).toEqual({ t: 50_000, v: "5000" });
    const gaps = out.slice(1).map((p, i) => Number(p.v) - Number(out[i]!.v));
    // 5,000 steps over 1,999 gaps: every gap is 2 or 3 points of the original.
    expect(Math.min(...gaps)).toBe(2);
    expect(Math.max(...gaps)).toBe(3);
  });
});

describe("equitySeries", () => {
  it("thins a realized-PnL series of 3,000 fills to 2,000 points, keeping its start and its final total", () => {
    // 3,000 fills of fee 0.01 each: the total is −30 exactly.
    const fills = Array.from({ length: 3_000 }, (_, i) =>
      fill({ coin: "BTC", side: "B", sz: "0.001", px: "100", time: NOW - 3_000 + i, startPosition: "0", fee: "0.01" }),
    );
    const s = equitySeries({ portfolio: null, fills, window: "1d", now: NOW });
    expect(s.account_value).toEqual([]);
    expect(s.pnl).toEqual([]);
    expect(s.realized_pnl).toHaveLength(MAX_SERIES_POINTS);
    expect(s.realized_pnl[0]).toEqual({ t: NOW - DAY, v: "0" });
    expect(s.realized_pnl.at(-1)).toEqual({ t: NOW - 1, v: "-30" });
  });
});
