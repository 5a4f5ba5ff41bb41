import { BIG_SETTINGS, dec, decStr } from "#commons/decimal.js";

/**
 * Exact decimal arithmetic on scaled integers, for loops where big.js costs too much (it parses
 * and allocates digit arrays on every operation). An amount is `units × 10^-scale`; the caller
 * picks the scale (e.g. the most decimals among the strings it will add up) and keeps amounts of
 * one kind at one scale. Results are the same values big.js computes, and `formatUnits` prints
 * them as `decStr` does.
 *
 * Units are plain numbers while they are safe integers and bigints beyond, so everyday amounts
 * cost float instructions and nothing ever rounds: every function here returns a number exactly
 * when the value is a safe integer. That invariant makes `===` a valid equality test between two
 * Units of one scale, and `x > 0` / `x < 0` their sign.
 */
export type Units = number | bigint;

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_BIG = BigInt(MAX);
/** Digits a number may carry and still be exact: every integer below 10^15 is safe. */
const SAFE_DIGITS = 15;
const POW10_NUMBER = Array.from({ length: SAFE_DIGITS + 1 }, (_, i) => 10 ** i);
const POW10_BIG = Array.from({ length: 48 }, (_, i) => 10n ** BigInt(i));
const pow10Big = (n: number): bigint => POW10_BIG[n] ?? 10n ** BigInt(n);

const fromBig = (x: bigint): Units => (x <= MAX_BIG && x >= -MAX_BIG ? Number(x) : x);

// A float result r of safe integers is exact when |r| <= MAX: were the exact result larger, it
// would round to 2^53 or more. `+ 0` turns −0 (0 × −5) into 0.
export const addUnits = (a: Units, b: Units): Units => {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (r <= MAX && r >= -MAX) return r;
  }
  return fromBig(BigInt(a) + BigInt(b));
};

export const subUnits = (a: Units, b: Units): Units => {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (r <= MAX && r >= -MAX) return r;
  }
  return fromBig(BigInt(a) - BigInt(b));
};

export const mulUnits = (a: Units, b: Units): Units => {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r <= MAX && r >= -MAX) return r + 0;
  }
  return fromBig(BigInt(a) * BigInt(b));
};

export const negUnits = (a: Units): Units => (typeof a === "number" ? 0 - a : -a);

export const absUnits = (a: Units): Units => (a < 0 ? negUnits(a) : a);

/** The same amount at a scale `by` places finer: units × 10^by. */
export const rescaleUnits = (a: Units, by: number): Units => {
  if (by === 0 || a === 0) return a;
  return by <= SAFE_DIGITS ? mulUnits(a, POW10_NUMBER[by]!) : fromBig(BigInt(a) * pow10Big(by));
};

/** a ÷ b rounded to an integer as big.js rounds quotients: to nearest, half away from zero. */
export const divideUnits = (a: Units, b: Units): Units => {
  const n = BigInt(a);
  const d = BigInt(b);
  if (d === 0n) throw new RangeError("division by zero");
  const absN = n < 0n ? -n : n;
  const absD = d < 0n ? -d : d;
  let q = absN / absD;
  if (2n * (absN - q * absD) >= absD) q += 1n;
  return fromBig(n < 0n !== d < 0n ? -q : q);
};

/**
 * How many decimals `s` has ("1.250" → 3, "7" → 0): the smallest scale that holds it exactly.
 * Spellings other than plain ("1e-7", ".5") count as big.js reads them; a string big.js refuses
 * counts 0 (parseUnits throws on it where the value is needed).
 */
export const decimalPlaces = (s: string): number => {
  const n = s.length;
  let dot = -1;
  let digits = 0;
  for (let i = s.charCodeAt(0) === 45 ? 1 : 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dot < 0) dot = i;
    else return decimalPlacesOfOther(s);
  }
  if (digits === 0) return decimalPlacesOfOther(s);
  return dot < 0 ? 0 : n - dot - 1;
};

const decimalPlacesOfOther = (s: string): number => {
  let plain: string;
  try {
    plain = dec(s).toFixed();
  } catch {
    return 0;
  }
  return decimalPlaces(plain);
};

/**
 * `s` (any decimal string big.js accepts) in units of 10^-scale. Throws big.js's error on a string
 * it refuses, and a RangeError if `s` has more than `scale` decimals (it would not be exact).
 */
export const parseUnits = (s: string, scale: number): Units => {
  const n = s.length;
  const negative = s.charCodeAt(0) === 45;
  let units = 0;
  let dot = -1;
  let digits = 0;
  for (let i = negative ? 1 : 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      units = units * 10 + (c - 48);
      digits++;
    } else if (c === 46 && dot < 0) dot = i;
    else return parseUnits(dec(s).toFixed(), scale);
  }
  if (digits === 0) return parseUnits(dec(s).toFixed(), scale);
  const places = dot < 0 ? 0 : n - dot - 1;
  if (places > scale) throw new RangeError(`${s} has more than ${scale} decimals`);
  const pad = scale - places;
  if (digits + pad <= SAFE_DIGITS) {
    const value = units * POW10_NUMBER[pad]!;
    return negative ? 0 - value : value;
  }
  return fromBig(BigInt(dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1)) * pow10Big(pad));
};

/** The decimal units × 10^-scale, spelled exactly as `decStr` spells it. */
export const formatUnits = (units: Units, scale: number): string => {
  if (units === 0) return "0";
  const negative = units < 0;
  const digits = String(negative ? negUnits(units) : units);
  const intLength = digits.length - scale;
  let end = digits.length;
  while (end > intLength && end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  const int = intLength > 0 ? digits.slice(0, intLength) : "0";
  const frac = intLength >= end ? "" : intLength >= 0 ? digits.slice(intLength, end) : "0".repeat(-intLength) + digits.slice(0, end);
  const plain = (negative ? "-" : "") + int + (frac === "" ? "" : `.${frac}`);
  // Exponent of the leading digit: big.js switches to exponent notation outside (ne, pe).
  const exponent = intLength - 1;
  return exponent <= BIG_SETTINGS.ne || exponent >= BIG_SETTINGS.pe ? decStr(dec(plain)) : plain;
};
