import { describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import {
  absUnits,
  addUnits,
  DecimalColumn,
  divideToPlaces,
  formatUnits,
  formatUnitsPlain,
  mulUnits,
  negUnits,
  rescaleUnits,
  subUnits,
  unitsToNumber,
  type Units,
} from "#commons/exact.js";
import { createPrng, type Prng } from "#simulator/prng.js";

/** Scaled integers must give what big.js gives, to the last digit and the last character. */

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The Units spelling of an integer: a number when safe, else a bigint. */
const units = (x: bigint): Units => (x <= SAFE && x >= -SAFE ? Number(x) : x);

/** x × 10^-scale as big.js reads it. */
const big = (x: Units, scale: number) => dec(`${x}e-${scale}`);

/** A random integer of 1 to `maxDigits` digits, either sign, leaning to the edges (0, 2^53). */
const randomInt = (rng: Prng, maxDigits: number): bigint => {
  const r = rng.int(10);
  if (r === 0) return 0n;
  if (r === 1) return (rng.chance(0.5) ? 1n : -1n) * (SAFE + BigInt(rng.int(5) - 2));
  let s = String(1 + rng.int(9));
  const digits = 1 + rng.int(maxDigits);
  while (s.length < digits) s += String(rng.int(10));
  if (rng.chance(0.3)) s = s.slice(0, Math.max(1, s.length - 1 - rng.int(6))) + "0".repeat(1 + rng.int(6));
  return (rng.chance(0.5) ? 1n : -1n) * BigInt(s);
};

const expectUnits = (actual: Units, expected: bigint): void => {
  expect(actual).toBe(units(expected));
  expect(Object.is(actual, -0)).toBe(false);
};

describe("Units arithmetic", () => {
  it("is exact and keeps numbers for safe integers only", () => {
    const rng = createPrng(7);
    for (let i = 0; i < 5_000; i++) {
      const a = randomInt(rng, 24);
      const b = randomInt(rng, 24);
      expectUnits(addUnits(units(a), units(b)), a + b);
      expectUnits(subUnits(units(a), units(b)), a - b);
      expectUnits(mulUnits(units(a), units(b)), a * b);
      expectUnits(negUnits(units(a)), -a);
      expectUnits(absUnits(units(a)), a < 0n ? -a : a);
      const by = rng.int(30);
      expectUnits(rescaleUnits(units(a), by), a * 10n ** BigInt(by));
    }
  });

  it("never makes −0", () => {
    expect(Object.is(mulUnits(0, -5), 0)).toBe(true);
    expect(Object.is(negUnits(0), 0)).toBe(true);
    expect(Object.is(rescaleUnits(0, 3), 0)).toBe(true);
  });
});

describe("divideToPlaces", () => {
  // The flip fee split: fee × part / whole as big.js's div gives it (20 places, half up), with the
  // fee at `feeScale` decimals, so the quotient keeps 20 − feeScale places of fee units.
  const expectSameAsBig = (fee: bigint, feeScale: number, part: bigint, whole: bigint): void => {
    const q = divideToPlaces(mulUnits(units(fee), units(part)), units(whole), 20 - feeScale);
    expect(formatUnits(q.units, feeScale + q.scale)).toBe(decStr(big(units(fee), feeScale).times(part.toString()).div(whole.toString())));
  };

  it("matches big.js on random quotients, from exact to rounded, numbers to bigints", () => {
    const rng = createPrng(11);
    for (let i = 0; i < 5_000; i++) {
      const whole = randomInt(rng, 1 + rng.int(18)) || 3n;
      const part = randomInt(rng, 18);
      expectSameAsBig(randomInt(rng, 1 + rng.int(20)), rng.int(26), part, whole);
    }
  });

  it("rounds half away from zero at the 20th place, and stops early when exact", () => {
    expectSameAsBig(1n, 20, 1n, 2n); // 0.5e-20 → 1e-20
    expectSameAsBig(-1n, 20, 1n, 2n);
    expectSameAsBig(3n, 20, 1n, 2n); // 1.5e-20 → 2e-20
    expectSameAsBig(12345600000000000000000001n, 20, 1n, 2n); // the same tie, in bigints
    expectSameAsBig(1n, 0, 1n, 3n);
    expectSameAsBig(2n, 0, 1n, 3n);
    expectSameAsBig(7n, 25, 1n, 3n); // finer than 20 places: rounded to 0
    // Past what long division in numbers can do exactly: a dividend near 2^53, a divisor past 2^48.
    expectSameAsBig(9007199254740991n, 0, 1n, 4503599627370497n);
    expectSameAsBig(9007199254740991n, 6, 1n, 7n);
    expect(divideToPlaces(5, 10, 14)).toEqual({ units: 5, scale: 1 });
    expect(divideToPlaces(-1, 8, 14)).toEqual({ units: -125, scale: 3 });
  });
});

describe("DecimalColumn", () => {
  it("reads every spelling big.js reads, at any scale from its most decimals", () => {
    const rng = createPrng(3);
    const strings: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const value = randomInt(rng, 30);
      const scale = rng.int(25);
      const plain = decStr(big(units(value), scale));
      const spellings = [plain, `${value}e-${scale}`, `${value * 10n}E-${scale + 1}`, plain.replace(/^(-?)0\./, "$1."), `${plain}${plain.includes(".") ? "" : "."}00`];
      strings.push(rng.pick(spellings));
    }
    strings.push("-0", "-0.000", "0", "5.", ".5", "-.25", "1e+3");
    const column = new DecimalColumn(strings.length);
    strings.forEach((s, i) => column.set(i, s));
    // A plain string counts the decimals it is written with ("1.500": 3); other spellings their value's.
    const placesOf = (s: string): number =>
      /^-?\d*\.?\d*$/.test(s) ? (s.includes(".") ? s.length - s.indexOf(".") - 1 : 0) : Math.max(0, dec(s).c.length - dec(s).e - 1);
    const places = Math.max(...strings.map(placesOf));
    expect(column.places).toBe(places);
    for (const scale of [places, places + 1, places + 17]) {
      strings.forEach((s, i) => expectUnits(column.get(i, scale), BigInt(dec(s).times(dec(10).pow(scale)).toFixed())));
    }
  });

  it("throws big.js's error for a string it refuses, when that string is read", () => {
    const column = new DecimalColumn(3);
    column.set(0, "1.5");
    column.set(1, "abc");
    column.set(2, "");
    expect(column.get(0, 1)).toBe(15);
    expect(() => column.get(1, 1)).toThrow(/Invalid number/);
    expect(() => column.get(2, 1)).toThrow(/Invalid number/);
  });
});

describe("formatUnits", () => {
  it("spells every value as decStr does", () => {
    const rng = createPrng(5);
    for (let i = 0; i < 20_000; i++) {
      const value = randomInt(rng, 1 + rng.int(40));
      const scale = rng.int(60);
      expect(formatUnits(units(value), scale)).toBe(decStr(big(units(value), scale)));
    }
  });

  it("switches to exponents exactly where big.js does (1e-40 and below, 1e60 and above)", () => {
    for (const [value, scale] of [
      [1n, 39],
      [1n, 40],
      [-15n, 41],
      [10n ** 59n, 0],
      [10n ** 60n, 0],
      [-(10n ** 61n) + 1n, 1],
      [123n, 0],
      [-5n, 3],
      [1200n, 2],
    ] as const) {
      expect(formatUnits(units(value), scale)).toBe(decStr(big(units(value), scale)));
    }
    expect(formatUnits(1n * 10n ** 60n, 0)).toBe("1e+60");
    expect(formatUnits(1, 40)).toBe("1e-40");
  });
});

describe("formatUnitsPlain", () => {
  it("spells every value as big.js's toFixed() does: decStr's digits, never an exponent", () => {
    const rng = createPrng(13);
    for (let i = 0; i < 20_000; i++) {
      const value = randomInt(rng, 1 + rng.int(70));
      const scale = rng.int(80);
      expect(formatUnitsPlain(units(value), scale)).toBe(big(units(value), scale).toFixed());
    }
    expect(formatUnitsPlain(1, 40)).toBe(`0.${"0".repeat(39)}1`);
    expect(formatUnitsPlain(10n ** 60n, 0)).toBe(`1${"0".repeat(60)}`);
    expect(formatUnitsPlain(0, 7)).toBe("0");
  });

  it("prints the largest safe integers exactly at every scale a number is printed from", () => {
    for (const value of [SAFE, SAFE - 1n, -SAFE, 10n ** 15n - 1n, 10n ** 15n, 4503599627370497n]) {
      for (let scale = 0; scale <= 16; scale++) {
        expect(formatUnitsPlain(units(value), scale)).toBe(big(units(value), scale).toFixed());
        expect(formatUnits(units(value), scale)).toBe(decStr(big(units(value), scale)));
      }
    }
  });
});

describe("unitsToNumber", () => {
  it("gives the number big.js's toNumber gives: the nearest to the exact value", () => {
    const rng = createPrng(17);
    for (let i = 0; i < 20_000; i++) {
      const value = randomInt(rng, 1 + rng.int(40));
      const scale = rng.int(60);
      expect(unitsToNumber(units(value), scale)).toBe(big(units(value), scale).toNumber());
    }
    for (let scale = 0; scale <= 24; scale++) {
      for (const value of [SAFE, -SAFE, SAFE - 1n, 1n, 5n, 3n]) expect(unitsToNumber(units(value), scale)).toBe(big(units(value), scale).toNumber());
    }
  });
});
