import type { Fill } from "#domain/exchange.js";
import { isPerpFill } from "#domain/fills.js";
import type { FundingPayment } from "#domain/metrics/types.js";
import { createPrng, type Prng } from "#simulator/prng.js";
import { roundTrip } from "./fills.js";

/**
 * Funding and bot-like trading for the checkpoint tests (./checkpoint.test.ts), to go with the
 * fill generators the other metrics tests use.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A signed amount with 0–`decimals` decimals, plain ("-0.000123", "17"). */
const amount = (rng: Prng, decimals: number): string => {
  const scale = rng.int(decimals + 1);
  const units = BigInt(rng.int(10 ** 9)) * (rng.chance(0.5) ? -1n : 1n);
  if (scale === 0) return units.toString();
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0");
  return `${units < 0n ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
};

/**
 * Payments on the perp coins of `fills` (and one coin never traded) every few hours over their
 * span and two days past it, plus payments at the very millisecond of some fills, where "funding
 * while the round trip was open" (opened_at, closed_at] has its edges.
 */
export const fundingFor = (fills: readonly Fill[], seed: number, decimals = 6): FundingPayment[] => {
  const rng = createPrng(seed, 7);
  const perp = fills.filter(isPerpFill);
  if (perp.length === 0) return [];
  const coins = [...new Set(perp.map((f) => f.coin)), "NEVER"];
  const times = perp.map((f) => f.time);
  const from = Math.min(...times);
  const to = Math.max(...times) + 2 * DAY;
  const out: FundingPayment[] = [];
  for (let t = Math.ceil(from / HOUR) * HOUR; t <= to; t += HOUR * (1 + rng.int(8))) {
    for (const coin of coins) if (rng.chance(0.6)) out.push({ time: t, coin, usdc: amount(rng, decimals) });
  }
  for (const f of perp) if (rng.chance(0.05)) out.push({ time: f.time, coin: f.coin, usdc: amount(rng, decimals) });
  return out;
};

/**
 * A market maker's hours: 84 round trips per clock hour held 5 s (what ./bots.ts flags), on
 * `hours` hours from `start`, with winning and losing closes.
 */
export const marketMaker = (start: number, hours: number, seed: number): Fill[] => {
  const rng = createPrng(seed, 3);
  const out: Fill[] = [];
  for (let h = 0; h < hours; h++) {
    for (let k = 0; k < 84; k++) {
      const closedPnl = `${rng.chance(0.5) ? "-" : ""}0.${String(1 + rng.int(999)).padStart(3, "0")}`;
      out.push(...roundTrip({ coin: rng.pick(["BTC", "xyz:TSLA"]), side: rng.chance(0.5) ? "long" : "short", sz: "0.5", px: "10", time: start + h * HOUR + k * 40_000, holdMs: 5_000, closedPnl, fee: "0.001" }));
    }
  }
  return out;
};

/** A person's round trips: `count` held hours, one a day from `start`. */
export const dayTrades = (start: number, count: number): Fill[] =>
  Array.from({ length: count }, (_, i) =>
    roundTrip({ coin: "ETH", side: i % 2 === 0 ? "long" : "short", sz: "1.5", px: "3000.5", time: start + i * DAY, holdMs: 3 * HOUR, closedPnl: i % 3 === 0 ? "-12.25" : "30.5", fee: "0.75" }),
  ).flat();
