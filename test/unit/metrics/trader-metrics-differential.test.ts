import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import { cashFlowsFromLedger } from "#domain/metrics/flows.js";
import { returnInputsFor } from "#domain/metrics/pnl-flows.js";
import { rowsForTrader } from "#domain/metrics/trader-leaderboard.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { METRIC_WINDOWS, type EquityMetrics, type MetricWindow, type TraderHistory } from "#domain/metrics/types.js";
import { createPrng } from "#simulator/prng.js";
// bench/ has no import alias; its generator is the leaderboard benchmark's, so it is the one to match.
import { generateHistory } from "../../../bench/leaderboard-fixtures.js";
import { adversarialHistory } from "./adversarial-fills.js";
import { fill, randomHistory } from "./fills.js";
import { referenceComputeEquityMetrics } from "./reference-equity.js";
import { referenceComputeTraderRows } from "./reference-trader-metrics.js";

/**
 * computeTraderRows reads each fill once into scaled integers shared with the round trips; it must
 * give exactly the rows of the version it replaced (./reference-trader-metrics.ts, on big.js round
 * trips): every string character for character, every ratio bit for bit.
 */

const UPDATED = "2026-11-26T00:00:00.000Z";
const DAY = 86_400_000;
// Big.js references are slow, and the machine may be shared: these checks get room to finish.
const SLOW = 120_000;

const same = (fills: Fill[], now: number): void => {
  const input = { history: { address: "0xAb01", fills, firstSeenAt: now - DAY }, equity: {}, now, updatedAt: UPDATED };
  expect(computeTraderRows(input)).toStrictEqual(referenceComputeTraderRows(input));
};

/** Cut points worth checking: after everything, inside, and with a fill exactly on a window's start. */
const nowsFor = (fills: readonly Fill[]): number[] => {
  const times = fills.map((f) => f.time).sort((a, b) => a - b);
  if (times.length === 0) return [0];
  const last = times[times.length - 1]!;
  const mid = times[times.length >> 1]!;
  return [last, mid, mid + DAY, times[Math.floor(times.length * 0.9)]! + 7 * DAY];
};

/** Spreads a history's times `k`-fold from its first fill, so that its fills fall in several windows. */
const stretch = (fills: Fill[], k: number): Fill[] => {
  const t0 = Math.min(...fills.map((f) => f.time));
  return fills.map((f) => ({ ...f, time: t0 + (f.time - t0) * k }));
};

describe("computeTraderRows against the pre-optimisation implementation", () => {
  it("agrees on the leaderboard benchmark's histories", () => {
    const now = Date.UTC(2026, 10, 26);
    for (let i = 0; i < 12; i++) {
      const { fills } = generateHistory(i, 2_000, now);
      for (const at of [now, now - 3 * DAY - 12_345, now - 45 * DAY]) same(fills, at);
    }
  }, SLOW);

  it("agrees on the property-test histories", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const fills = randomHistory(seed, 300, 1_700_000_000_000, 1_700_000_000_000 + 50 * DAY);
      for (const at of nowsFor(fills)) same(fills, at);
    }
  }, SLOW);

  it("agrees on adversarial histories: decimals, magnitudes, spellings, ties, self-trades, gaps, flips", () => {
    for (let seed = 0; seed < 200; seed++) {
      const fills = stretch(adversarialHistory(seed, 40 + (seed % 7) * 40), [1, 300, 900][seed % 3]!);
      for (const at of nowsFor(fills)) same(fills, at);
    }
  }, SLOW);

  it("agrees on ratios that need every digit: sums past 2^53, quotients past 20 places", () => {
    const t = 1_700_000_000_000;
    const trip = (i: number, pnl: string, fee = "0"): Fill[] => [
      fill({ coin: "ETH", side: "B", sz: "1", px: "3", time: t + 2 * i, startPosition: "0", fee }),
      fill({ coin: "ETH", side: "A", sz: "1", px: "3", time: t + 2 * i + 1, startPosition: "1", closedPnl: pnl }),
    ];
    const cases: Fill[][] = [
      [...trip(0, "1"), ...trip(1, "-3"), ...trip(2, "2")],
      [...trip(0, "9007199254740993"), ...trip(1, "-0.000000000000000000000000007"), ...trip(2, "5e+70")],
      [...trip(0, "0.1", "1e-30"), ...trip(1, "-0.3", "-1e-30"), ...trip(2, "0")],
      [...trip(0, "1e-45"), ...trip(1, "-7e-44")],
      [...trip(0, "123456789012345678901234567890"), ...trip(1, "-987654321098765432109876543210.5")],
    ];
    for (const fills of cases) same(fills, t + 10);
  });

  it("leaves the leaderboard's rows unchanged, equity included", () => {
    const now = Date.UTC(2026, 10, 26);
    const reference = (history: TraderHistory): unknown => {
      const flows = cashFlowsFromLedger(history.ledger, history.address);
      const all = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };
      const equity: Partial<Record<MetricWindow, EquityMetrics>> = {};
      // The flows each window takes out are returnInputsFor's choice (tested in pnl-flows.test.ts).
      for (const w of METRIC_WINDOWS) {
        const inputs = returnInputsFor(history.portfolio!, w, flows);
        equity[w] = referenceComputeEquityMetrics(inputs.points, inputs.flows, all);
      }
      return referenceComputeTraderRows({ history, equity, now, updatedAt: UPDATED });
    };
    const rng = createPrng(5);
    for (let i = 0; i < 6; i++) {
      const history = generateHistory(100 + rng.int(10_000), 2_000, now);
      expect(rowsForTrader(history, now, UPDATED)).toStrictEqual(reference(history));
    }
  }, SLOW);
});
