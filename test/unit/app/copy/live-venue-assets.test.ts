import { describe, expect, it } from "vitest";
import { createAssetDirectory } from "#app/copy/live-venue-assets.js";
import type { ExchangePort } from "#domain/exchange.js";
import { toPerpAssets, toPerpDexs } from "#hyperliquid/mappers.js";
import { metaSchema, perpDexsSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../../support/fixtures.js";

/**
 * The directory over the recorded mainnet `meta` and the docs' `perpDexs` (one builder dex, xyz),
 * as the client maps them. The expected ids and decimals are read off the recorded file: BTC is
 * universe[0] with szDecimals 5, SOL universe[5] with 2; xyz is the first builder dex (index 1),
 * so its coin at universe[1] is 100000 + 1 × 10000 + 1.
 */
const mainMeta = toPerpAssets(metaSchema.parse(loadFixture("meta.recorded.json").response));
const dexes = toPerpDexs(perpDexsSchema.parse(loadFixture("perpDexs.docs-example.json").response));
const xyzMeta = [
  { name: "xyz:GOLD", szDecimals: 4, maxLeverage: 20, isDelisted: false },
  { name: "xyz:AAPL", szDecimals: 3, maxLeverage: 10, isDelisted: false },
];

const exchange = () => {
  const reads: string[] = [];
  const info: Pick<ExchangePort, "perpDexs" | "perpMeta"> = {
    async perpDexs() {
      reads.push("perpDexs");
      return dexes;
    },
    async perpMeta(_o, dex) {
      reads.push(`meta ${dex ?? ""}`);
      return dex === "xyz" ? xyzMeta : mainMeta;
    },
  };
  return { info, reads };
};

describe("the perp directory (asset ids and size decimals from one meta read)", () => {
  it("answers a main-dex coin's asset id and szDecimals from one `meta` read, kept until it is due", async () => {
    const { info, reads } = exchange();
    const clock = { now: 0 };
    const perps = createAssetDirectory(info, { now: () => clock.now, maxAgeMs: 1_000 });
    const [btcDecimals, btcAsset, solDecimals, solAsset] = await Promise.all([
      perps.szDecimalsOf("BTC"),
      perps.assetOf("BTC"),
      perps.szDecimalsOf("SOL"),
      perps.assetOf("SOL"),
    ]);
    expect([btcDecimals, btcAsset, solDecimals, solAsset]).toEqual([5, 0, 2, 5]);
    // A main-dex coin needs no perpDexs; concurrent callers shared the one meta read.
    expect(reads).toEqual(["meta "]);
    clock.now = 999;
    await perps.szDecimalsOf("ETH");
    expect(reads).toEqual(["meta "]);
    clock.now = 1_000;
    expect(await perps.szDecimalsOf("ETH")).toBe(4);
    expect(reads).toEqual(["meta ", "meta "]);
  });

  it("answers a builder dex's coins from that dex's meta, and null for coins and dexes not listed", async () => {
    const { info, reads } = exchange();
    const perps = createAssetDirectory(info, { now: () => 0 });
    expect(await perps.assetOf("xyz:AAPL")).toBe(110_001);
    expect(await perps.szDecimalsOf("xyz:AAPL")).toBe(3);
    expect(await perps.szDecimalsOf("xyz:NOPE")).toBeNull();
    // A dex perpDexs does not list is not read (its coins would be taken for the main dex's).
    expect(await perps.szDecimalsOf("abc:BTC")).toBeNull();
    expect(await perps.assetOf("NOT_A_COIN")).toBeNull();
    expect(reads).toEqual(["perpDexs", "meta xyz", "meta "]);
  });
});
