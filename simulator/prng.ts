import { createHash } from "node:crypto";

/**
 * Seeded randomness. Everything the simulator invents (traders, trades, faults) comes from one of
 * these streams so a run is reproducible from its seed. Market and fault streams are separate:
 * injecting a fault must never shift the numbers the market draws next.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** sfc32 seeded through splitmix32: tiny, fast, and good enough for simulations (not crypto). */
export const createPrng = (seed: number, stream = 0): Prng => {
  let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // The first outputs of a freshly seeded sfc32 are correlated with the seed; discard them.
  for (let i = 0; i < 12; i++) next();
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[int(items.length)] as T;
    },
    chance: (p) => next() < p,
  };
};

const sha256Hex = (input: string): string => createHash("sha256").update(input).digest("hex");

/** A deterministic address (0x + 40 lowercase hex) for `label` under `seed`. */
export const deriveAddress = (seed: number, label: string): string =>
  `0x${sha256Hex(`address:${seed}:${label}`).slice(0, 40)}`;

/** A deterministic 32-byte transaction hash (0x + 64 hex), like the L1 hashes the API returns. */
export const deriveHash = (seed: number, label: string): string =>
  `0x${sha256Hex(`hash:${seed}:${label}`)}`;
