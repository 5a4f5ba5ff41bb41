import { describe, expect, it } from "vitest";
import { ExchangeSchemaError } from "#hyperliquid/errors.js";
import { toAccountState, toFills, toPerpAssets, toRecentTrades } from "#hyperliquid/mappers.js";
import {
  clearinghouseStateSchema,
  fillsSchema,
  infoResponseSchemas,
  isInfoType,
  metaSchema,
  parseInfoResponse,
  recentTradesSchema,
} from "#hyperliquid/schemas.js";
import { fixtureFiles, loadFixture } from "../support/fixtures.js";

/**
 * Contract: the schemas the client validates with accept every answer the real API has given
 * (recorded), keep every amount as the exact string it was, and reject a changed shape with an
 * error naming the field.
 */

const NOT_INFO = new Set(["signing-vectors.python-sdk.json"]);
const infoFixtures = fixtureFiles().filter((f) => !NOT_INFO.has(f));

const requestOf = (file: string) => {
  const { request, response } = loadFixture(file);
  const type = request?.type;
  const subject = typeof request?.user === "string" ? request.user : typeof request?.coin === "string" ? request.coin : undefined;
  return { type, subject, response };
};

/** The thrown error, so tests can look at its message (expect(...).toThrow only sees the message). */
const caught = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};

describe("recorded Hyperliquid answers", () => {
  it("finds the fixtures", () => {
    expect(infoFixtures.length).toBeGreaterThanOrEqual(14);
  });

  it.each(infoFixtures)("%s parses with the schema for its request type, unchanged", (file) => {
    const { type, subject, response } = requestOf(file);
    expect(isInfoType(type), `no schema for request type ${String(type)}`).toBe(true);
    if (!isInfoType(type)) return;
    const parsed: unknown = parseInfoResponse(infoResponseSchemas[type], response, type, subject);
    // Loose objects and string amounts: what comes out is exactly what came in.
    expect(parsed).toEqual(response);
  });
});

describe("clearinghouseState, both shapes", () => {
  it("maps the 2023 shape (maxTradeSzs, no time) with exact strings", () => {
    const { response } = requestOf("clearinghouseState.2023-recorded.json");
    const state = toAccountState(parseInfoResponse(clearinghouseStateSchema, response, "clearinghouseState"));
    expect(state.time).toBeNull();
    expect(state.accountValue).toBe("1182.312496");
    expect(state.withdrawable).toBe("1010.57173");
    expect(state.positions[0]).toEqual({
      coin: "BTC",
      szi: "-0.00785",
      entryPx: "26951.0",
      leverage: { type: "cross", value: 20 },
      positionValue: "211.64542",
      unrealizedPnl: "-0.08007",
      liquidationPx: "173198.69592357",
      marginUsed: "10.582271",
    });
    expect(state.positions[1]).toMatchObject({ coin: "ETH", szi: "0.1334", liquidationPx: null });
  });

  it("maps the current docs shape (cumFunding, maxLeverage, time) with exact strings", () => {
    const { response } = requestOf("clearinghouseState.docs-example.json");
    const state = toAccountState(parseInfoResponse(clearinghouseStateSchema, response, "clearinghouseState"));
    expect(state).toEqual({
      positions: [
        {
          coin: "ETH",
          szi: "0.0335",
          entryPx: "2986.3",
          leverage: { type: "isolated", value: 20 },
          positionValue: "100.02765",
          unrealizedPnl: "-0.0134",
          liquidationPx: "2866.26936529",
          marginUsed: "4.967826",
        },
      ],
      accountValue: "13109.482328",
      withdrawable: "13104.514502",
      time: 1708622398623,
    });
  });

  const mutated = (edit: (position: Record<string, unknown>) => void) => {
    const { subject, response } = requestOf("clearinghouseState.2023-recorded.json");
    const copy = structuredClone(response) as { assetPositions: { position: Record<string, unknown> }[] };
    edit(copy.assetPositions[0]!.position);
    return caught(() => parseInfoResponse(clearinghouseStateSchema, copy, "clearinghouseState", subject));
  };

  it("rejects szi sent as a number, naming the request, the user and the field", () => {
    const error = mutated((p) => (p.szi = -0.00785));
    expect(error).toBeInstanceOf(ExchangeSchemaError);
    expect((error as ExchangeSchemaError).path).toBe("assetPositions.0.position.szi");
    expect((error as Error).message).toBe(
      "clearinghouseState for 0x5e9ee1089755c3435139848e47e6635505d5a13a: assetPositions.0.position.szi: expected decimal string, got number",
    );
  });

  it("rejects a position without coin", () => {
    const error = mutated((p) => delete p.coin);
    expect(error).toBeInstanceOf(ExchangeSchemaError);
    expect((error as ExchangeSchemaError).path).toBe("assetPositions.0.position.coin");
    expect((error as Error).message).toMatch(/^clearinghouseState for 0x5e9e\w+: assetPositions\.0\.position\.coin: /);
  });

  it("rejects an amount that is a string but not a decimal", () => {
    const error = mutated((p) => (p.entryPx = "1e3"));
    expect((error as Error).message).toContain('assetPositions.0.position.entryPx: expected decimal string, got "1e3"');
  });
});

describe("fills, trades and meta", () => {
  const fillsFile = requestOf("userFills.recorded.json");
  const fills = parseInfoResponse(fillsSchema, fillsFile.response, "userFills", fillsFile.subject);

  it("keeps fill amounts exact and tolerates fields the recording lacks or newer answers add", () => {
    expect(fills[0]).toMatchObject({ coin: "SUI", closedPnl: "-0.25686", startPosition: "4623.5", dir: "Close Long" });
    const current = { ...fills[0]!, tid: 118906512037719, feeToken: "USDC", builderFee: "0.01", twapId: null, liquidation: { markPx: "1.3" } };
    expect(toFills([current], "userFills", "0xb7")[0]).toMatchObject({ tid: 118906512037719, feeToken: "USDC", closedPnl: "-0.25686" });
    expect(toFills([{ ...current, feeToken: undefined }], "userFills", "0xb7")[0]?.feeToken).toBeNull();
  });

  it("refuses to map a fill without tid, which the store needs to deduplicate", () => {
    const error = caught(() => toFills(fills, "userFills", fillsFile.subject ?? ""));
    expect(error).toBeInstanceOf(ExchangeSchemaError);
    expect((error as ExchangeSchemaError).path).toBe("0.tid");
  });

  it("parses the documented recentTrades shape and lowercases both traders", () => {
    const buyer = "0xAbCdEf0000000000000000000000000000000001";
    const seller = "0x0000000000000000000000000000000000000002";
    const trades = [{ coin: "BTC", side: "A", px: "97000.5", sz: "0.0015", time: 1735689600000, hash: `0x${"0".repeat(64)}`, tid: 7, users: [buyer, seller] }];
    expect(toRecentTrades(parseInfoResponse(recentTradesSchema, trades, "recentTrades", "BTC"))).toEqual([
      { ...trades[0], users: [buyer.toLowerCase(), seller] },
    ]);
    const bad = caught(() => parseInfoResponse(recentTradesSchema, [{ ...trades[0], users: [buyer] }], "recentTrades", "BTC"));
    expect((bad as Error).message).toBe("recentTrades for BTC: 0.users: Too small: expected array to have >=2 items");
  });

  it("flags delisted perps", () => {
    const { response } = requestOf("meta.recorded.json");
    const copy = structuredClone(response) as { universe: Record<string, unknown>[] };
    copy.universe[1]!.isDelisted = true;
    const assets = toPerpAssets(parseInfoResponse(metaSchema, copy, "meta"));
    expect(assets[0]).toEqual({ name: "BTC", szDecimals: 5, maxLeverage: 50, isDelisted: false });
    expect(assets[1]).toMatchObject({ name: "ETH", isDelisted: true });
  });
});
