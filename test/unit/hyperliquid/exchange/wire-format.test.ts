import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { iocOrderAction } from "#hyperliquid/exchange/actions.js";
import { nonceSource } from "#hyperliquid/exchange/nonce.js";
import { AgentKey } from "#hyperliquid/exchange/keys.js";
import { signExchangeRequest } from "#hyperliquid/exchange/request.js";
import { l1ConnectionId } from "#hyperliquid/exchange/sign.js";
import { assetId, wireNumber } from "#hyperliquid/exchange/wire.js";
import { exchangeActionWeight } from "#hyperliquid/weights.js";
import { metaSchema, perpDexsSchema } from "#hyperliquid/schemas.js";
import { loadFixture, loadFixtureText } from "../../../support/fixtures.js";

const vectors = JSON.parse(loadFixtureText("signing-vectors.python-sdk.json")) as {
  privateKey: string;
  connectionId: { action: Record<string, unknown>; nonce: number; expected: `0x${string}` };
};

describe("wire numbers: the exchange's canonical decimal strings", () => {
  it.each([
    ["1670.10", "1670.1"],
    ["100.0", "100"],
    ["0.01470", "0.0147"],
    ["0.00000001", "0.00000001"], // 8 decimals: the most the wire carries
    ["123456", "123456"],
    ["-0", "0"],
    ["1e-7", "0.0000001"], // never an exponent
  ])("%s → %s", (input, expected) => {
    expect(wireNumber(input)).toBe(expected);
    expect(wireNumber(dec(input))).toBe(expected);
  });

  it("refuses a 9th decimal instead of rounding what will be signed", () => {
    expect(() => wireNumber("0.000000001")).toThrow(/more than 8 decimals/);
  });
});

describe("asset ids (docs: Asset IDs)", () => {
  const universe = metaSchema.parse(loadFixture("meta.recorded.json").response).universe;
  const dexes = perpDexsSchema.parse(loadFixture("perpDexs.docs-example.json").response);

  it("a main-dex perp is its index in the recorded meta: BTC 0, ETH 1", () => {
    expect(assetId(0, universe.findIndex((u) => u.name === "BTC"))).toBe(0);
    expect(assetId(0, universe.findIndex((u) => u.name === "ETH"))).toBe(1);
  });

  it("a builder dex's perp is 100000 + dex place × 10000 + index: the docs' test:ABC (dex 1, index 0) is 110000", () => {
    expect(assetId(1, 0)).toBe(110_000);
    // xyz is the first builder dex of the recorded perpDexs (place 1, after the main dex's null);
    // its 4th coin would be 100000 + 1 × 10000 + 3.
    const xyz = dexes.findIndex((d) => d?.name === "xyz");
    expect(xyz).toBe(1);
    expect(assetId(xyz, 3)).toBe(110_003);
    expect(assetId(2, 17)).toBe(120_017);
  });

  it("refuses an index that would spill into the next dex's ids", () => {
    expect(() => assetId(1, 10_000)).toThrow(/outside/);
    expect(() => assetId(-1, 0)).toThrow();
  });
});

describe("the IOC order action", () => {
  it("is byte for byte the Python SDK's: the same connectionId from decimals with trailing zeros", () => {
    const { action, nonce, expected } = vectors.connectionId;
    // The SDK's vector: asset 4, buy 0.0147 at 1670.1, IOC, not reduce-only, no cloid.
    const ours = iocOrderAction([{ asset: 4, isBuy: true, price: dec("1670.10"), size: "0.014700", reduceOnly: false }]);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(action)); // same keys, same order
    expect(l1ConnectionId({ action: ours, nonce })).toBe(expected);
  });

  it("carries the cloid last, lower case, and reduce-only as r", () => {
    const action = iocOrderAction([
      { asset: 110_000, isBuy: false, price: "25.5", size: "3", reduceOnly: true, cloid: "0x0000000000000000000000000000ABCD" },
    ]);
    expect(JSON.stringify(action)).toBe(
      '{"type":"order","orders":[{"a":110000,"b":false,"p":"25.5","s":"3","r":true,"t":{"limit":{"tif":"Ioc"}},' +
        '"c":"0x0000000000000000000000000000abcd"}],"grouping":"na"}',
    );
  });

  it("refuses an empty batch and a malformed cloid before anything is signed", () => {
    expect(() => iocOrderAction([])).toThrow(/at least one order/);
    expect(() =>
      iocOrderAction([{ asset: 0, isBuy: true, price: "1", size: "1", reduceOnly: false, cloid: "0x1234" }]),
    ).toThrow();
  });

  it("the request body: {action, nonce, signature}, vaultAddress only when trading for a vault", async () => {
    const key = AgentKey.fromString(vectors.privateKey, "test");
    const action = iocOrderAction([{ asset: 1, isBuy: true, price: "100", size: "100", reduceOnly: false }]);
    const own = await signExchangeRequest({ key, action, nonce: 7, network: "mainnet" });
    expect(Object.keys(own)).toEqual(["action", "nonce", "signature"]);
    expect(Object.keys(own.signature)).toEqual(["r", "s", "v"]);
    const vault = "0x1719884EB866CB12B2287399B15F7DB5E7D775EA";
    const forVault = await signExchangeRequest({ key, action, nonce: 7, network: "mainnet", vaultAddress: vault });
    expect(forVault.vaultAddress).toBe(vault.toLowerCase());
    expect(forVault.signature).not.toEqual(own.signature); // the vault is signed too
  });
});

describe("nonces: millisecond timestamps, strictly increasing per agent", () => {
  it("two calls in one millisecond, and a clock stepping back, never repeat or go back", () => {
    let clock = 1_765_000_000_000;
    const nonces = nonceSource(() => clock);
    const a = "0xAaAa000000000000000000000000000000000001";
    expect(nonces.next(a)).toBe(1_765_000_000_000);
    expect(nonces.next(a)).toBe(1_765_000_000_001); // same millisecond
    expect(nonces.next(a.toLowerCase())).toBe(1_765_000_000_002); // one agent, however it is spelled
    clock -= 5_000; // NTP steps the clock back 5 s
    expect(nonces.next(a)).toBe(1_765_000_000_003);
    clock += 60_000;
    expect(nonces.next(a)).toBe(1_765_000_055_000); // the clock again once it is ahead
  });

  it("agents do not share a sequence", () => {
    const nonces = nonceSource(() => 1_000);
    expect(nonces.next("0x01")).toBe(1_000);
    expect(nonces.next("0x02")).toBe(1_000);
    expect(nonces.next("0x01")).toBe(1_001);
  });
});

describe("exchange action weight (docs: Rate limits, 1 + floor(batch_length / 40))", () => {
  it.each([
    [1, 1],
    [39, 1],
    [40, 2],
    [79, 2],
    [80, 3],
  ])("%i orders weigh %i", (orders, weight) => {
    expect(exchangeActionWeight(orders)).toBe(weight);
  });
});
