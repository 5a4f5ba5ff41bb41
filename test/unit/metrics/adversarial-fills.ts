import type { Fill } from "#domain/exchange.js";
import { createPrng, type Prng } from "#simulator/prng.js";
import { fill, spotFill } from "./fills.js";

/**
 * Histories built to reach every corner of exact decimal arithmetic, not to look like real
 * trading: many or no decimals, values past 2^53 and below 1e-40, other spellings ("12e-1", ".5",
 * "-0"), ties in a millisecond, self-trades, gaps, flips. Shared by the differential tests that
 * hold a fast implementation against its big.js reference.
 */

/** units × 10^-scale, plain ("-0.0012"); `pad` extra trailing zeros ("1.50"). */
const plain = (units: bigint, scale: number, pad = 0): string => {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale) + "0".repeat(pad);
  return `${units < 0n ? "-" : ""}${int}${frac === "" ? "" : `.${frac}`}`;
};

/** The same value spelled another way big.js reads: "12e-1", ".5", "5.", "-0", trailing zeros. */
const respell = (rng: Prng, units: bigint, scale: number): string => {
  switch (rng.int(5)) {
    case 0:
      return `${units}e-${scale}`;
    case 1: {
      const s = plain(units, scale);
      return s.replace(/^(-?)0\./, "$1.");
    }
    case 2:
      return scale === 0 && units !== 0n ? `${units}.` : plain(units, scale, 1);
    case 3:
      return units === 0n ? "-0" : plain(units, scale, 2);
    default:
      return `${units * 10n}E-${scale + 1}`;
  }
};

interface Profile {
  sizeScale: number;
  pxScale: number;
  feeScale: number;
  pnlScale: number;
  /** Typical size, in units of 10^-sizeScale. */
  size: bigint;
  px: bigint;
  respell: number;
  sameMs: number;
  selfTrade: number;
  gap: number;
  spot: number;
}

const PROFILES: Profile[] = [
  // Everyday: Hyperliquid-like decimals.
  { sizeScale: 5, pxScale: 4, feeScale: 6, pnlScale: 6, size: 10n ** 5n, px: 10n ** 8n, respell: 0, sameMs: 0.1, selfTrade: 0.05, gap: 0.02, spot: 0.03 },
  // Many decimals: sums past 2^53, quotients past 20 places, fees finer than big.js divides.
  { sizeScale: 12, pxScale: 10, feeScale: 24, pnlScale: 18, size: 10n ** 13n, px: 10n ** 12n, respell: 0.05, sameMs: 0.2, selfTrade: 0.1, gap: 0.05, spot: 0.05 },
  // Huge values: bigints everywhere, volumes big.js prints with an exponent.
  { sizeScale: 2, pxScale: 0, feeScale: 3, pnlScale: 2, size: 10n ** 32n, px: 10n ** 30n, respell: 0.05, sameMs: 0.1, selfTrade: 0.05, gap: 0.05, spot: 0.02 },
  // Tiny values: amounts below 1e-40, which big.js prints with an exponent.
  { sizeScale: 30, pxScale: 25, feeScale: 45, pnlScale: 44, size: 10n ** 3n, px: 10n ** 2n, respell: 0.05, sameMs: 0.1, selfTrade: 0.05, gap: 0.05, spot: 0 },
  // Integers only, many ties in a millisecond, other spellings.
  { sizeScale: 0, pxScale: 0, feeScale: 0, pnlScale: 0, size: 7n, px: 100n, respell: 0.3, sameMs: 0.5, selfTrade: 0.2, gap: 0.05, spot: 0.05 },
];

const randomBig = (rng: Prng, around: bigint): bigint => {
  const scaled = (around * BigInt(1 + rng.int(1_000_000))) / 500_000n;
  return scaled === 0n ? 1n : scaled;
};

/** Fills on 1–3 coins with positions that chain exactly, except where a gap is made on purpose. */
export const adversarialHistory = (seed: number, count: number): Fill[] => {
  const rng = createPrng(seed);
  const p = PROFILES[seed % PROFILES.length]!;
  const coins = ["BTC", "ETH", "kPEPE"].slice(0, 1 + rng.int(3));
  const position = new Map<string, bigint>(coins.map((c) => [c, rng.chance(0.3) ? randomBig(rng, p.size) * (rng.chance(0.5) ? 1n : -1n) : 0n]));
  const amount = (units: bigint, scale: number): string => (rng.chance(p.respell) ? respell(rng, units, scale) : plain(units, scale));
  const out: Fill[] = [];
  let time = 1_700_000_000_000;
  let tid = seed * 100_000;
  const push = (f: Omit<Fill, "tid" | "oid" | "hash" | "feeToken" | "crossed" | "dir"> & { hash?: string }): void => {
    tid++;
    out.push(fill({ dir: "Open Long", hash: `0x${tid.toString(16)}`, tid, oid: tid, ...f }));
  };
  const money = (around: bigint, scale: number): string => {
    const r = rng.int(10);
    if (r === 0) return "0";
    if (r === 1) return amount(-randomBig(rng, around), scale); // rebate / loss
    return amount(randomBig(rng, around) * (rng.chance(0.3) ? -1n : 1n), scale);
  };
  for (let i = 0; i < count; i++) {
    if (!rng.chance(p.sameMs)) time += 1 + rng.int(60_000);
    const coin = rng.pick(coins);
    const start = position.get(coin)!;
    const r = rng.next();
    let delta: bigint;
    if (start === 0n) delta = randomBig(rng, p.size) * (rng.chance(0.5) ? 1n : -1n);
    else if (r < 0.2) delta = -start - randomBig(rng, p.size) * (start > 0n ? 1n : -1n); // flip, any ratio
    else if (r < 0.25) delta = -2n * start; // flip, half and half
    else if (r < 0.45) delta = -start; // close
    else if (r < 0.7) delta = -(start * BigInt(1 + rng.int(99))) / 100n || -start; // partial close
    else if (r < 0.72) delta = 0n; // a zero-size fill
    else delta = randomBig(rng, p.size) * (start > 0n ? 1n : -1n); // add
    const sz = delta < 0n ? -delta : delta;
    const fields = {
      coin,
      px: amount(randomBig(rng, p.px), p.pxScale),
      time,
      fee: money(p.size / 100n + 1n, p.feeScale),
      closedPnl: money(p.px, p.pnlScale),
    };
    if (rng.chance(p.selfTrade)) {
      // Both halves of a self-trade: opposite sides, equal size, the position before the trade.
      const hash = `0xself${tid}`;
      const size = amount(randomBig(rng, p.size), p.sizeScale);
      const startPosition = amount(start, p.sizeScale);
      push({ ...fields, side: "B", sz: size, startPosition, hash });
      if (rng.chance(0.3)) push({ ...fields, coin: rng.pick(coins), side: "A", sz: size, startPosition, hash: "0xother" });
      // A third fill in that transaction, on the first half's side: it must not take the second half too.
      if (rng.chance(0.2)) push({ ...fields, side: "B", sz: size, startPosition, hash });
      push({ ...fields, side: "A", sz: size, startPosition, hash, fee: money(p.size / 100n + 1n, p.feeScale) });
      continue;
    }
    position.set(coin, start + delta);
    // A gap: this fill never reaches us, or reaches us with a startPosition we cannot chain to.
    if (rng.chance(p.gap)) {
      if (rng.chance(0.5)) continue;
      position.set(coin, start + delta + randomBig(rng, p.size));
    }
    push({ ...fields, side: delta >= 0n ? "B" : "A", sz: amount(sz, p.sizeScale), startPosition: amount(start, p.sizeScale) });
    if (rng.chance(p.spot)) out.push(spotFill({ side: "B", sz: amount(randomBig(rng, p.size), p.sizeScale), px: "12.5", time, tid: ++tid }));
  }
  // Any order: both sort by time, then tid.
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};
