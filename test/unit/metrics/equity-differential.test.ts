import { describe, expect, it } from "vitest";
import { computeEquityMetrics, equityPointsFor } from "#domain/metrics/equity.js";
import { cashFlowsFromLedger } from "#domain/metrics/flows.js";
import { METRIC_WINDOWS, type CashFlow, type EquityPoint } from "#domain/metrics/types.js";
import { createPrng, type Prng } from "#simulator/prng.js";
// bench/ has no import alias; its generator is the leaderboard benchmark's, so it is the one to match.
import { generateHistory } from "../../../bench/leaderboard-fixtures.js";
import { referenceComputeEquityMetrics } from "./reference-equity.js";

/**
 * computeEquityMetrics reads values and flows as scaled integers; it must give exactly the figures
 * of the big.js version it replaced (./reference-equity.ts), bit for bit: every sub-period return
 * is the same exact gain over the same exact value, each rounded once to a number.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);

/** A random decimal of up to `digits` digits with `scale` decimals, spelled one of the ways big.js reads. */
const decimal = (rng: Prng, digits: number, scale: number, negative = false): string => {
  let units = String(1 + rng.int(9));
  const length = 1 + rng.int(digits);
  while (units.length < length) units += String(rng.int(10));
  const sign = negative ? "-" : "";
  switch (rng.int(8)) {
    case 0:
      return `${sign}${units}e-${scale}`;
    case 1:
      return `${sign}${units}0E-${scale + 1}`;
    default: {
      const padded = units.padStart(scale + 1, "0");
      const int = padded.slice(0, padded.length - scale);
      const frac = padded.slice(padded.length - scale);
      return `${sign}${int}${frac === "" ? "" : `.${frac}`}`;
    }
  }
};

interface Shape {
  digits: number;
  scale: number;
}

const SHAPES: Shape[] = [
  { digits: 12, scale: 6 }, // the exchange's own
  { digits: 30, scale: 20 }, // more digits than a number holds: bigints
  { digits: 40, scale: 2 }, // huge values
  { digits: 4, scale: 45 }, // tiny values
  { digits: 6, scale: 0 },
];

const randomCase = (seed: number): { points: EquityPoint[]; flows: CashFlow[] } => {
  const rng = createPrng(seed);
  const shape = SHAPES[seed % SHAPES.length]!;
  const n = rng.int(60);
  const points: EquityPoint[] = [];
  let time = T0;
  for (let i = 0; i < n; i++) {
    time += rng.chance(0.05) ? 0 : 1 + rng.int(rng.chance(0.5) ? 4 * HOUR : 2 * DAY);
    const value = rng.chance(0.05) ? (rng.chance(0.5) ? "0" : "0.0") : decimal(rng, shape.digits, shape.scale, rng.chance(0.05));
    points.push([time, value]);
  }
  const flows: CashFlow[] = [];
  for (let i = rng.int(12); i > 0; i--) {
    // Some flows land exactly on a sample, some before the first or after the last.
    const at = rng.chance(0.3) && n > 0 ? points[rng.int(n)]![0] : T0 - DAY + rng.int(Math.max(1, time - T0 + 2 * DAY));
    flows.push({ time: at, usdc: decimal(rng, shape.digits, shape.scale, rng.chance(0.4)), kind: "deposit", hash: "0x" });
  }
  // Any order: both sort.
  return { points: rng.chance(0.3) ? points.reverse() : points, flows };
};

describe("computeEquityMetrics against the pre-optimisation big.js implementation", () => {
  it("agrees on random curves and flows: digits, magnitudes, spellings, zeros, ties", { timeout: 120_000 }, () => {
    for (let seed = 0; seed < 1_500; seed++) {
      const { points, flows } = randomCase(seed);
      for (const window of [{ from: -Infinity, to: Infinity }, { from: T0 + DAY, to: T0 + 20 * DAY }]) {
        expect(computeEquityMetrics(points, flows, window), `seed ${seed}`).toStrictEqual(referenceComputeEquityMetrics(points, flows, window));
      }
    }
  });

  it("agrees on the leaderboard benchmark's portfolios and ledgers", () => {
    const now = Date.UTC(2026, 10, 26);
    const all = { from: -Infinity, to: Infinity };
    for (let i = 0; i < 30; i++) {
      const history = generateHistory(i, 10, now);
      const flows = cashFlowsFromLedger(history.ledger, history.address);
      for (const w of METRIC_WINDOWS) {
        const points = equityPointsFor(history.portfolio!, w);
        expect(computeEquityMetrics(points, flows, all)).toStrictEqual(referenceComputeEquityMetrics(points, flows, all));
      }
    }
  });

  it("reads only the flows inside the curve, as before: a malformed one outside is never parsed", () => {
    const points: EquityPoint[] = [[T0, "100"], [T0 + DAY, "110"]];
    const outside: CashFlow = { time: T0 - 1, usdc: "not a number", kind: "deposit", hash: "0x" };
    expect(computeEquityMetrics(points, [outside], { from: -Infinity, to: Infinity }).roi).toBeCloseTo(0.1, 15);
    expect(() => computeEquityMetrics(points, [{ ...outside, time: T0 + 1 }], { from: -Infinity, to: Infinity })).toThrow(/Invalid number/);
  });
});

describe("equityPointsFor", () => {
  it("gives the samples sorted, the later of repeated times, whatever order they come in", () => {
    const rng = createPrng(9);
    for (let k = 0; k < 200; k++) {
      const history: EquityPoint[] = Array.from({ length: rng.int(30) }, (_, i) => [rng.chance(0.5) ? i : rng.int(20), String(i)]);
      const expected = new Map<number, string>();
      for (const [t, v] of history) expected.set(t, v);
      const periods = { perpDay: { accountValueHistory: history, pnlHistory: [] } };
      expect(equityPointsFor({ fetchedAt: 0, periods }, "1d")).toEqual([...expected].sort((a, b) => a[0] - b[0]));
    }
  });
});
