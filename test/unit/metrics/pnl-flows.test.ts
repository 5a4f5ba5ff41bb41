import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { computeEquityMetrics, equityPointsFor } from "#domain/metrics/equity.js";
import { pnlImpliedFlows, returnInputsFor } from "#domain/metrics/pnl-flows.js";
import { equityMetricsFor, ledgerNeeded, rowsForTrader } from "#domain/metrics/trader-leaderboard.js";
import type { CashFlow, EquityPoint, LedgerEntry, PortfolioHistory } from "#domain/metrics/types.js";
import { portfolioSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";

const recorded = (): PortfolioHistory => {
  const response = portfolioSchema.parse(loadFixture("portfolio.recorded.json").response);
  return {
    fetchedAt: 0,
    periods: Object.fromEntries(response.map(([name, p]) => [name, { accountValueHistory: p.accountValueHistory, pnlHistory: p.pnlHistory }])),
  };
};
const VAULT = (loadFixture("userRole.recorded.json").request as { user: string }).user;
const everything = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };

/** Σ ΔP_i / V_{i−1} chained, straight from the two series (V_{i−1} ≤ 0 skipped, as in equity.ts). */
const chainedPnlReturn = (values: readonly EquityPoint[], pnl: readonly EquityPoint[]): number => {
  let index = 1;
  for (let i = 1; i < values.length; i++) {
    const start = Number(values[i - 1]![1]);
    if (start <= 0) continue;
    index *= 1 + (Number(pnl[i]![1]) - Number(pnl[i - 1]![1])) / start;
  }
  return index - 1;
};

describe("returns of the recorded vault (portfolio.recorded.json)", () => {
  const portfolio = recorded();

  it.each(["1d", "7d", "30d", "all"] as const)("%s ROI follows the exchange's pnlHistory, not its depositors' money", (window) => {
    const inputs = returnInputsFor(portfolio, window, []);
    expect(inputs.source).toBe("pnl");
    const period = portfolio.periods[{ "1d": "perpDay", "7d": "perpWeek", "30d": "perpMonth", all: "perpAllTime" }[window]]!;
    const roi = computeEquityMetrics(inputs.points, inputs.flows, everything).roi!;
    expect(roi).toBeCloseTo(chainedPnlReturn(period.accountValueHistory, period.pnlHistory), 9);
    // Same sign as the period's PnL: a month that lost money has a negative return.
    const pnl = Number(period.pnlHistory.at(-1)![1]) - Number(period.pnlHistory[0]![1]);
    expect(Math.sign(roi)).toBe(Math.sign(pnl));
  });

  it("the leaderboard's 30d row has a negative ROI, where the account value alone rose", () => {
    const rows = rowsForTrader({ address: VAULT, fills: [], ledger: [], portfolio, firstSeenAt: 0 }, 1_755_863_121_304, "x");
    const month = rows.find((r) => r.window === "30d")!;
    const lost = dec(portfolio.periods.perpMonth!.pnlHistory.at(-1)![1]);
    expect(lost.lt(0)).toBe(true);
    expect(month.roi).toBeLessThan(0);
    // The old reading (account value, no flows) is what the issue reported: a large gain.
    const naive = computeEquityMetrics(equityPointsFor(portfolio, "30d"), [], everything).roi!;
    expect(naive).toBeGreaterThan(0.3);
    // Drawdown chains the same returns: at least the month's fall from its start.
    expect(month.max_drawdown).toBeGreaterThanOrEqual(-month.roi!);
  });
});

describe("pnlImpliedFlows", () => {
  it("is what moved the account value without being PnL, exactly, at the sample's time", () => {
    const values: EquityPoint[] = [[1, "100"], [2, "160.1"], [3, "150.1"], [4, "150.1"]];
    // +0.1 earned and 60 deposited; −10 lost; 0.3 earned and 0.3 withdrawn.
    const pnl: EquityPoint[] = [[1, "0.0"], [2, "0.1"], [3, "-9.9"], [4, "-9.6"]];
    expect(pnlImpliedFlows(values, pnl)).toEqual<CashFlow[]>([
      { time: 2, usdc: "60", kind: "pnlHistory", hash: "" },
      { time: 4, usdc: "-0.3", kind: "pnlHistory", hash: "" },
    ]);
    // With them taken out: +0.1 % then −10/100.1 then +0.3/90.1... chained from the PnL alone.
    const roi = computeEquityMetrics(values, pnlImpliedFlows(values, pnl)!, everything).roi!;
    expect(roi).toBeCloseTo(chainedPnlReturn(values, pnl), 12);
  });

  it("falls back to the ledger's flows when the PnL samples do not line up", () => {
    const ledger: CashFlow[] = [{ time: 2, usdc: "5", kind: "deposit", hash: "0x1" }];
    const portfolio: PortfolioHistory = {
      fetchedAt: 0,
      periods: {
        perpDay: { accountValueHistory: [[1, "10"], [2, "20"]], pnlHistory: [[1, "0"], [3, "1"]] },
        perpWeek: { accountValueHistory: [[1, "10"], [2, "20"]], pnlHistory: [] },
      },
    };
    expect(returnInputsFor(portfolio, "1d", ledger)).toEqual({ points: [[1, "10"], [2, "20"]], flows: ledger, source: "ledger" });
    expect(returnInputsFor(portfolio, "7d", ledger).source).toBe("ledger");
  });
});

describe("ledgerNeeded: the job reads the ledger only where the metrics use it", () => {
  const deposit: LedgerEntry = { time: 1_755_800_000_000, hash: "0x01", delta: { type: "deposit", usdc: "5000" } };
  const metrics = (portfolio: PortfolioHistory, ledger: LedgerEntry[]) => equityMetricsFor({ address: VAULT, portfolio, ledger });

  it("not for the recorded portfolio, whose PnL samples line up with its account values: the ledger changes nothing", () => {
    const portfolio = recorded();
    expect(ledgerNeeded(portfolio)).toBe(false);
    // A deposit inside every window (the last day's middle).
    const day = portfolio.periods.perpDay!.accountValueHistory;
    const inDay: LedgerEntry = { ...deposit, time: Math.round((day[0]![0] + day.at(-1)![0]) / 2) };
    expect(metrics(portfolio, [inDay])).toEqual(metrics(portfolio, []));
  });

  it("for a window whose PnL samples are missing: there a deposit is taken out of the returns", () => {
    const whole = recorded();
    const { perpMonth, ...others } = whole.periods;
    const portfolio: PortfolioHistory = { ...whole, periods: { ...others, perpMonth: { accountValueHistory: perpMonth!.accountValueHistory, pnlHistory: [] } } };
    expect(ledgerNeeded(portfolio)).toBe(true);
    const [from, to] = [perpMonth!.accountValueHistory[0]![0], perpMonth!.accountValueHistory.at(-1)![0]];
    const inMonth: LedgerEntry = { ...deposit, time: Math.round((from + to) / 2) };
    expect(metrics(portfolio, [inMonth])["30d"]).not.toEqual(metrics(portfolio, [])["30d"]);
  });

  it("not without a portfolio (no equity metrics at all), nor for a window of fewer than two samples", () => {
    expect(ledgerNeeded(null)).toBe(false);
    const single: PortfolioHistory = { fetchedAt: 0, periods: { perpDay: { accountValueHistory: [[1, "100"]], pnlHistory: [] } } };
    expect(ledgerNeeded(single)).toBe(false);
  });
});
