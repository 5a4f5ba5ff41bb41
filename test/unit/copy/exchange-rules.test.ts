import { describe, expect, it } from "vitest";
import { dec, decStr } from "#commons/decimal.js";
import { roundPrice, roundSizeDown, slippageLimitPrice } from "#domain/copy/exchange-rules.js";
import { midOf, recordedMeta, recordedMids, szDecimalsOf } from "./recorded-market.js";

const limit = (coin: string, isBuy: boolean, bps = 50, mid = midOf(coin)) => decStr(slippageLimitPrice(dec(mid), bps, isBuy, szDecimalsOf(coin)));

describe("prices on the exchange's grid, from the recorded meta's szDecimals", () => {
  it("reads the szDecimals the cases below rely on", () => {
    expect([szDecimalsOf("BTC"), szDecimalsOf("ETH"), szDecimalsOf("DOGE"), szDecimalsOf("kPEPE"), szDecimalsOf("LINK")]).toEqual([5, 4, 0, 0, 1]);
  });

  it("BTC (szDecimals 5, mid 30,135): 5 significant figures leave no decimals", () => {
    // buy: 30,135 × 1.005 = 30,285.675 → down to 30,285; sell: 30,135 × 0.995 = 29,984.325 → up to 29,985
    expect(limit("BTC", true)).toBe("30285");
    expect(limit("BTC", false)).toBe("29985");
  });

  it("ETH (szDecimals 4, mid 1,903.95): at most 2 decimals, then 5 figures", () => {
    // buy: 1,903.95 × 1.005 = 1,913.46975 → 1,913.46 (2 places) → 1,913.4 (5 figures)
    // sell: 1,903.95 × 0.995 = 1,894.43025 → 1,894.44 → 1,894.5 (up: never below the bound)
    expect(limit("ETH", true)).toBe("1913.4");
    expect(limit("ETH", false)).toBe("1894.5");
  });

  it("DOGE and kPEPE (szDecimals 0): at most 6 decimals bite before 5 figures do", () => {
    // DOGE buy: 0.069277 × 1.005 = 0.069623385 → 0.069623; sell: × 0.995 = 0.068930615 → 0.068931
    expect(limit("DOGE", true)).toBe("0.069623");
    expect(limit("DOGE", false)).toBe("0.068931");
    // kPEPE buy: 0.001565 × 1.005 = 0.001572825 → 0.001572 (6 places; 5 figures would allow 0.0015728)
    expect(limit("kPEPE", true)).toBe("0.001572");
    // sell: 0.001565 × 0.995 = 0.001557175 → 0.001558
    expect(limit("kPEPE", false)).toBe("0.001558");
  });

  it("szDecimals 1 above 10,000: 5 figures, not the 5 decimals, bite; an integer is valid whatever its figures", () => {
    // No recorded coin with szDecimals ≤ 1 trades above 10,000, so LINK's real szDecimals (1) meets
    // a price of our choosing. buy: 12,345.67 × 1.005 = 12,407.39835 → 12,407 (not 12,407.39835).
    expect(limit("LINK", true, 50, "12345.67")).toBe("12407");
    // sell: 12,345.67 × 0.995 = 12,283.94165 → 12,284
    expect(limit("LINK", false, 50, "12345.67")).toBe("12284");
    // 123,456.7 × 1.005 = 123,456.7 + 617.2835 = 124,073.9835 → 124,073: six figures, allowed as an integer.
    expect(limit("LINK", true, 50, "123456.7")).toBe("124073");
  });

  it("rounding up across a power of ten stays valid (9.99996 → 10)", () => {
    expect(decStr(roundPrice(dec("9.99996"), 2, "up"))).toBe("10");
    expect(decStr(roundPrice(dec("9.99996"), 2, "down"))).toBe("9.9999");
  });

  it("every recorded coin's limits are valid prices within the slippage bound, on the far side of the mid", () => {
    for (const { name, szDecimals } of recordedMeta.universe) {
      const mid = dec(midOf(name));
      for (const isBuy of [true, false]) {
        const px = slippageLimitPrice(mid, 50, isBuy, szDecimals);
        const text = decStr(px);
        const decimals = text.includes(".") ? text.split(".")[1]!.length : 0;
        const figures = text.replace(".", "").replace(/^0+/, "").length;
        expect(decimals, `${name} ${text}`).toBeLessThanOrEqual(6 - szDecimals);
        expect(decimals === 0 || figures <= 5, `${name} ${text}`).toBe(true);
        if (isBuy) expect(px.gt(mid) && px.lte(mid.times("1.005")), `${name} buy ${text}`).toBe(true);
        else expect(px.lt(mid) && px.gte(mid.times("0.995")), `${name} sell ${text}`).toBe(true);
      }
    }
    expect(Object.keys(recordedMids).length).toBeGreaterThanOrEqual(recordedMeta.universe.length);
  });
});

describe("sizes", () => {
  it("round down to szDecimals, never up", () => {
    expect(decStr(roundSizeDown(dec("0.123456789"), szDecimalsOf("BTC")))).toBe("0.12345");
    expect(decStr(roundSizeDown(dec("143.99"), szDecimalsOf("DOGE")))).toBe("143");
    expect(decStr(roundSizeDown(dec("2.49"), szDecimalsOf("LINK")))).toBe("2.4");
  });
});
