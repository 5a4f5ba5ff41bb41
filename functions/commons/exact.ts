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

/** An amount as units × 10^-scale, for results whose scale is only known once computed. */
export interface Scaled {
  units: Units;
  scale: number;
}

/** a ÷ b rounded to an integer as big.js rounds quotients: to nearest, half away from zero. */
const divideRounded = (a: Units, b: Units): Units => {
  const n = BigInt(a);
  const d = BigInt(b);
  if (d === 0n) throw new RangeError("division by zero");
  const absN = n < 0n ? -n : n;
  const absD = d < 0n ? -d : d;
  let q = absN / absD;
  if (2n * (absN - q * absD) >= absD) q += 1n;
  return fromBig(n < 0n !== d < 0n ? -q : q);
};

// Long division in numbers stays exact while the divisor times 10 and the quotient's digits fit.
const DIVISOR_LIMIT = 2 ** 48;
const QUOTIENT_LIMIT = 9 * 10 ** 14;

/**
 * a ÷ b (two integers) as big.js's `div` gives it when `places` decimals are what it keeps: exact
 * if it ends by then, else rounded there half away from zero (Big.RM 1). Returned at the fewest
 * decimals that hold it, so a quotient like 0.5 stays a small number.
 */
export const divideToPlaces = (a: Units, b: Units, places: number): Scaled => {
  if (places < 0) {
    // Rounded to a multiple of 10^-places, which is an integer.
    return { units: rescaleUnits(divideRounded(a, rescaleUnits(b, -places)), -places), scale: 0 };
  }
  if (typeof a === "number" && typeof b === "number" && b !== 0) {
    const n = a < 0 ? -a : a;
    const d = b < 0 ? -b : b;
    if (n <= MAX / 2 && d < DIVISOR_LIMIT) {
      // A float quotient may land one off next to an integer; the remainder says which way.
      let q = Math.floor(n / d);
      let r = n - q * d;
      if (r < 0) (q -= 1), (r += d);
      else if (r >= d) (q += 1), (r -= d);
      let scale = 0;
      while (r !== 0 && scale < places && q < QUOTIENT_LIMIT) {
        r *= 10;
        let digit = Math.floor(r / d);
        r -= digit * d;
        if (r < 0) (digit -= 1), (r += d);
        else if (r >= d) (digit += 1), (r -= d);
        q = q * 10 + digit;
        scale++;
      }
      if (r === 0 || scale === places) {
        if (r !== 0 && 2 * r >= d) q += 1;
        return { units: a < 0 !== b < 0 ? 0 - q : q, scale };
      }
    }
  }
  return { units: divideRounded(rescaleUnits(a, places), b), scale: places };
};

/**
 * `s` (any decimal string big.js accepts) in units of 10^-scale, as a bigint is read. Throws
 * big.js's error on a string it refuses, and a RangeError if `s` has more than `scale` decimals.
 */
export const parseUnits = (s: string, scale: number): Units => {
  const places = decimalPlaces(s);
  if (places < 0) return parseUnits(dec(s).toFixed(), scale);
  if (places > scale) throw new RangeError(`${s} has more than ${scale} decimals`);
  const dot = s.indexOf(".");
  return fromBig(BigInt(dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1)) * pow10Big(scale - places));
};

/** Decimals of a plain decimal string ("-1.250" → 3, "7" → 0, "5." → 0, ".5" → 1); -1 for any other spelling. */
const decimalPlaces = (s: string): number => {
  let dot = -1;
  let digits = 0;
  for (let i = s.charCodeAt(0) === 45 ? 1 : 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dot < 0) dot = i;
    else return -1;
  }
  return digits === 0 ? -1 : dot < 0 ? 0 : s.length - dot - 1;
};

/**
 * Decimal strings read once, then taken as Units at a scale chosen after all were seen (the
 * largest `places`): what adding up a column of amounts exactly needs. Row i holds one string.
 */
export class DecimalColumn {
  /** The most decimals among the strings set so far. */
  places = 0;
  /** Each string's digits as a signed integer; NaN when a number cannot hold them all. */
  private readonly digits: Float64Array;
  private readonly decimals: Int32Array;
  /** The strings whose digits are NaN, read again (exactly, as bigints) when asked for. */
  private readonly texts: string[] = [];

  constructor(rows: number) {
    this.digits = new Float64Array(rows);
    this.decimals = new Int32Array(rows);
  }

  set(row: number, s: string): void {
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
      else return this.setOther(row, s);
    }
    if (digits === 0) return this.setOther(row, s);
    const places = dot < 0 ? 0 : n - dot - 1;
    if (digits > SAFE_DIGITS) {
      this.digits[row] = NaN;
      this.texts[row] = s;
    } else this.digits[row] = negative ? 0 - units : units;
    this.decimals[row] = places;
    if (places > this.places) this.places = places;
  }

  /** Exponents and such are spelled out first; a string big.js refuses throws when it is read. */
  private setOther(row: number, s: string): void {
    let plain: string;
    try {
      plain = dec(s).toFixed();
    } catch {
      this.digits[row] = NaN;
      this.texts[row] = s;
      return;
    }
    this.set(row, plain);
  }

  /** Row `row` in units of 10^-scale; `scale` must be at least `places`. */
  get(row: number, scale: number): Units {
    const digits = this.digits[row]!;
    if (digits !== digits) return parseUnits(this.texts[row]!, scale);
    const places = this.decimals[row]!;
    return places === scale ? digits : rescaleUnits(digits, scale - places);
  }
}

// A number's units are a safe integer (< 2^53, at most 16 digits): at scale ≤ 15 its leading
// digit's exponent is within ±15, which big.js prints plain under its settings.
const FAST_FORMAT = BIG_SETTINGS.ne < -SAFE_DIGITS && BIG_SETTINGS.pe > SAFE_DIGITS;

const isSmall = (units: Units, scale: number): units is number => typeof units === "number" && scale <= SAFE_DIGITS;

/** The decimal units × 10^-scale, spelled exactly as `decStr` spells it. */
export const formatUnits = (units: Units, scale: number): string => {
  const plain = formatUnitsPlain(units, scale);
  if (units === 0 || (FAST_FORMAT && isSmall(units, scale))) return plain;
  // Exponent of the leading digit: big.js switches to exponent notation outside (ne, pe).
  const exponent = String(absUnits(units)).length - scale - 1;
  return exponent <= BIG_SETTINGS.ne || exponent >= BIG_SETTINGS.pe ? decStr(dec(plain)) : plain;
};

/**
 * The decimal units × 10^-scale as `decStr` spells it but never with an exponent, however large or
 * small ("0.0000001" where decStr may say "1e-7"): for figures whose readers expect plain decimals.
 */
export const formatUnitsPlain = (units: Units, scale: number): string => {
  if (units === 0) return "0";
  if (isSmall(units, scale)) {
    // Integer and fraction parts as numbers (cheap to print), the fraction without trailing zeros.
    // Both are exact: the quotient is at least 1/unit below the next integer, more than half its
    // spacing while |units| < 2^53, so it cannot round up to it.
    const negative = units < 0;
    const abs = negative ? -units : units;
    const unit = POW10_NUMBER[scale]!;
    const int = Math.floor(abs / unit);
    let frac = abs - int * unit;
    const sign = negative ? "-" : "";
    if (frac === 0) return sign + String(int);
    let places = scale;
    while (frac % 10 === 0) {
      frac /= 10;
      places--;
    }
    return `${sign}${int}.${String(frac).padStart(places, "0")}`;
  }
  const negative = units < 0;
  const digits = String(negative ? negUnits(units) : units);
  const intLength = digits.length - scale;
  let end = digits.length;
  while (end > intLength && end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  const int = intLength > 0 ? digits.slice(0, intLength) : "0";
  const frac = intLength >= end ? "" : intLength >= 0 ? digits.slice(intLength, end) : "0".repeat(-intLength) + digits.slice(0, end);
  return (negative ? "-" : "") + int + (frac === "" ? "" : `.${frac}`);
};

/** Every power of ten up to 10^22 is a number exactly (parsed, as `10 ** n` need not be exact). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * units × 10^-scale as the nearest number, which is what big.js's `toNumber` gives (it parses its
 * own digits). A safe integer over an exact power of ten is one correctly rounded division;
 * anything else is parsed, which rounds correctly too.
 */
export const unitsToNumber = (units: Units, scale: number): number => {
  if (typeof units === "number" && scale < EXACT_POW10.length) return scale === 0 ? units : units / EXACT_POW10[scale]!;
  return Number(`${units}e-${scale}`);
};
