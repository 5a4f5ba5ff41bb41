import { describe, expect, it } from "vitest";
import { createLiveVenue, type LiveNetwork, type LiveVenueDeps } from "#app/copy/live-venue.js";
import { fillTotals, resultOfOrderStatus } from "#app/copy/live-venue-fills.js";
import type { VenueOrder } from "#domain/copy/ports.js";
import type { AccountState, Fill } from "#domain/exchange.js";
import type { ExchangeActionClient, OrderActionAnswer } from "#hyperliquid/exchange/client.js";
import { AgentKey } from "#hyperliquid/exchange/keys.js";
import { nonceSource } from "#hyperliquid/exchange/nonce.js";
import { orderStatusResponseSchema } from "#hyperliquid/schemas.js";
import { TransportGaveUpError } from "#hyperliquid/transport.js";
import { loadFixture } from "../../../support/fixtures.js";
import { ethOrder, liveFollowerConfig } from "../../../support/live-follower.js";

/**
 * The live venue's answer mapping for what the simulator cannot produce (an IOC left resting, a
 * whole batch refused at pre-validation, transport failures), and the arithmetic of fills and
 * orderStatus answers. The exchange here is a stand-in that records what it was sent.
 */

const USER = "0x00000000000000000000000000000000000000aa";
const key = AgentKey.fromString(`0x${"22".repeat(32)}`, "test agent");

const config = liveFollowerConfig(USER, "UNUSED", { network: "testnet" });
const order = (n: number, o: Partial<VenueOrder> = {}): VenueOrder => ethOrder(n, o);

let nextTid = 1;
const fill = (oid: number, px: string, sz: string, fee: string, closedPnl: string): Fill => ({
  coin: "ETH",
  px,
  sz,
  side: "B",
  time: 1,
  startPosition: "0",
  dir: "Open Long",
  closedPnl,
  hash: "0x",
  oid,
  tid: nextTid++,
  fee,
  feeToken: "USDC",
  crossed: true,
});

const state = (accountValue: string, positions: { coin: string; szi: string; entryPx: string }[]): AccountState => ({
  accountValue,
  withdrawable: null,
  time: null,
  positions: positions.map((p) => ({ ...p, leverage: { type: "cross", value: 5 }, positionValue: null, unrealizedPnl: null, liquidationPx: null, marginUsed: null })),
});

/** A network whose answers a test sets, and which records the actions it was sent. */
const fakeNetwork = (answer: () => Promise<OrderActionAnswer>) => {
  const sent: { type: string; action: unknown }[] = [];
  const actions: ExchangeActionClient = {
    placeOrders: async (req) => {
      sent.push({ type: "order", action: req.action });
      return answer();
    },
    cancel: async (req) => {
      sent.push({ type: "cancel", action: req.action });
      return { ok: true, results: ["success"] };
    },
    stats: () => ({ requests: 0, retries: 0, http429: 0, http5xx: 0, timeouts: 0, connectionErrors: 0, schemaErrors: 0, weight: 0 }),
    close: async () => undefined,
  };
  const info = {
    info: async () => {
      throw new Error("not asked in this test");
    },
    clearinghouseState: async (_user: string, _o: unknown, dex?: string) =>
      dex === "xyz" ? state("250.5", [{ coin: "xyz:TSLA", szi: "-2", entryPx: "300" }]) : state("1000.25", [{ coin: "ETH", szi: "0.1", entryPx: "3003" }]),
    userFillsByTime: async () => [] as Fill[],
    perpDexs: async () => [{ name: "xyz", fullName: "XYZ" }],
    perpMeta: async () => [],
  } as unknown as LiveNetwork["info"];
  const network: LiveNetwork = { info, actions, assets: { assetOf: async (coin) => (coin === "ETH" ? 4 : null), builderDexes: async () => ["xyz"], szDecimalsOf: async (coin) => (coin === "ETH" ? 4 : null) } };
  return { network, sent };
};

const venueWith = (network: LiveNetwork) => {
  const deps: LiveVenueDeps = { networks: { mainnet: network, testnet: network }, keys: async () => key, nonces: nonceSource() };
  return createLiveVenue(deps, config);
};

describe("the live venue's answers", () => {
  it("cancels an IOC order the exchange left resting, and reports it rejected", async () => {
    const { network, sent } = fakeNetwork(async () => ({ ok: true, outcomes: [{ kind: "resting", oid: 991 }] }));
    const [result] = await venueWith(network).place([order(1)], {});
    expect(result).toEqual({ status: "rejected", error: "IOC order 991 rested on the book; cancelled", retryable: false });
    expect(sent.map((s) => s.type)).toEqual(["order", "cancel"]);
    expect(sent[1]?.action).toEqual({ type: "cancel", cancels: [{ a: 4, o: 991 }] });
  });

  it("applies one pre-validation error to every order of the batch", async () => {
    const { network } = fakeNetwork(async () => ({ ok: true, outcomes: [{ kind: "error", message: "Price must be divisible by tick size." }] }));
    const results = await venueWith(network).place([order(1), order(2)], {});
    expect(results).toEqual([
      { status: "rejected", error: "Price must be divisible by tick size.", retryable: false },
      { status: "rejected", error: "Price must be divisible by tick size.", retryable: false },
    ]);
  });

  it("reads the exchange's IocCancel as cancelled, the asset it appends or not; other errors stay rejected in its words", async () => {
    // The error strings of the docs' "Error responses" table; the exchange's IocCancel answers end in the asset.
    const { network } = fakeNetwork(async () => ({
      ok: true,
      outcomes: [
        { kind: "error", message: "Order could not immediately match against any resting orders. asset=4" },
        { kind: "error", message: "Order could not immediately match against any resting orders." },
        { kind: "error", message: "Price must be divisible by tick size." },
        { kind: "error", message: "Insufficient margin to place order." },
      ],
    }));
    const results = await venueWith(network).place([order(1), order(2), order(3), order(4)], {});
    expect(results).toEqual([
      { status: "cancelled", oid: null },
      { status: "cancelled", oid: null },
      { status: "rejected", error: "Price must be divisible by tick size.", retryable: false },
      { status: "rejected", error: "Insufficient margin to place order.", retryable: false },
    ]);
  });

  it("sends only listed coins; the others are rejected without a request", async () => {
    const { network, sent } = fakeNetwork(async () => ({ ok: true, outcomes: [{ kind: "filled", oid: 5, totalSz: "0.1", avgPx: "3003" }] }));
    const results = await venueWith(network).place([order(1, { coin: "NOPE" }), order(2)], {});
    expect(results[0]).toEqual({ status: "rejected", error: "NOPE is not listed on testnet", retryable: false });
    expect(results[1]).toMatchObject({ status: "filled", oid: 5, filledSize: "0.1", avgPrice: "3003" });
    expect((sent[0]?.action as { orders: unknown[] }).orders).toHaveLength(1);
  });

  it("rejects as retryable when every attempt was throttled (nothing reached the exchange)", async () => {
    const { network } = fakeNetwork(async () => {
      throw new TransportGaveUpError("exchange:order", 5, "HTTP 429", false);
    });
    const [result] = await venueWith(network).place([order(1)], {});
    expect(result).toMatchObject({ status: "rejected", retryable: true });
  });

  it("throws when an attempt may have reached the exchange, so the order stays pending and is resolved by cloid", async () => {
    const { network } = fakeNetwork(async () => {
      throw new TransportGaveUpError("exchange:order", 5, "no answer within 10000 ms", true);
    });
    await expect(venueWith(network).place([order(1)], {})).rejects.toThrow(TransportGaveUpError);
  });

  it("reads positions from every dex and sums their account values as equity", async () => {
    const { network } = fakeNetwork(async () => ({ ok: true, outcomes: [] }));
    // 1000.25 (main dex) + 250.5 (xyz) = 1250.75
    expect(await venueWith(network).account()).toEqual({
      positions: { ETH: { szi: "0.1", entryPx: "3003" }, "xyz:TSLA": { szi: "-2", entryPx: "300" } },
      equityUsd: "1250.75",
    });
  });
});

describe("the fee and closed PnL of filled orders (fillDetails)", () => {
  /** The fake network with its userFillsByTime answered by `fills`, each read's start time kept. */
  const withFills = (fills: () => Promise<Fill[]>) => {
    const fake = fakeNetwork(async () => ({ ok: true, outcomes: [{ kind: "filled", oid: 7, totalSz: "0.1", avgPx: "3003" }] }));
    const reads: number[] = [];
    const info = {
      ...fake.network.info,
      userFillsByTime: async (_user: string, startTime: number) => {
        reads.push(startTime);
        return fills();
      },
    } as unknown as LiveNetwork["info"];
    return { venue: venueWith({ ...fake.network, info }), reads };
  };

  it("place() answers a fill without reading the account's fills: fee and closed PnL unknown", async () => {
    const { venue, reads } = withFills(async () => [fill(7, "3003", "0.1", "0.135135", "0")]);
    expect(await venue.place([order(1)], {})).toEqual([{ status: "filled", oid: 7, filledSize: "0.1", avgPrice: "3003", feeUsd: null, closedPnlUsd: null }]);
    expect(reads).toEqual([]);
  });

  it("reads once, from a minute before the earliest was sent, and totals each order's fills; one without fills is absent", async () => {
    const fills = [fill(7, "3000", "0.01", "0.0135", "0"), fill(7, "3004", "0.03", "0.04055", "-0.12"), fill(8, "2997", "0.02", "0.026973", "0.5")];
    const { venue, reads } = withFills(async () => fills);
    const details = await venue.fillDetails!([
      { oid: 8, sentAt: 500_000 },
      { oid: 7, sentAt: 200_000 },
      { oid: 9, sentAt: 300_000 },
    ]);
    expect(reads).toEqual([140_000]); // 200,000 − 60,000
    // 7: 0.0135 + 0.04055 = 0.05405 fee, −0.12 closed; 8: its one fill; 9: none
    expect(details).toEqual(
      new Map([
        [8, { feeUsd: "0.026973", closedPnlUsd: "0.5" }],
        [7, { feeUsd: "0.05405", closedPnlUsd: "-0.12" }],
      ]),
    );
  });

  it("throws when the read fails, so the engine keeps the orders for a later read", async () => {
    const { venue } = withFills(async () => {
      throw new TransportGaveUpError("info:userFillsByTime", 5, "HTTP 429", false);
    });
    await expect(venue.fillDetails!([{ oid: 7, sentAt: 1 }])).rejects.toThrow(TransportGaveUpError);
  });
});

describe("fills and orderStatus answers", () => {
  it("totals an order's fills: size-weighted price, fees and closed PnL, exactly", () => {
    const fills = [fill(7, "3000", "0.01", "0.0135", "0"), fill(7, "3004", "0.03", "0.04055", "-0.12"), fill(8, "1", "1", "9", "9")];
    // (0.01 × 3000 + 0.03 × 3004) / 0.04 = (30 + 90.12) / 0.04 = 3003
    expect(fillTotals(fills, 7)).toEqual({ size: "0.04", avgPrice: "3003", feeUsd: "0.05405", closedPnlUsd: "-0.12" });
    expect(fillTotals(fills, 9)).toBeNull();
  });

  it("reads the recorded IOC that found nothing as cancelled", () => {
    const answer = orderStatusResponseSchema.parse(loadFixture("orderStatus.docs-shape.json").response);
    expect(resultOfOrderStatus(answer, [])).toEqual({ status: "cancelled", oid: 141682155424 });
  });

  const withStatus = (status: string, sz: string, origSz = "0.04") =>
    orderStatusResponseSchema.parse({
      status: "order",
      order: {
        status,
        statusTimestamp: 2,
        order: { coin: "ETH", side: "B", limitPx: "3015.0", sz, oid: 7, timestamp: 1, triggerCondition: "N/A", isTrigger: false, triggerPx: "0.0", children: [], isPositionTpsl: false, reduceOnly: false, orderType: "Limit", origSz, tif: "Ioc", cloid: null },
      },
    });

  it("reads a cancelled IOC that traded part of its size as partially filled, priced by its fills", () => {
    const fills = [fill(7, "3000", "0.01", "0.0135", "0")];
    expect(resultOfOrderStatus(withStatus("canceled", "0.03"), fills)).toEqual({
      status: "partially_filled",
      oid: 7,
      filledSize: "0.01",
      avgPrice: "3000",
      feeUsd: "0.0135",
      closedPnlUsd: "0",
    });
  });

  it("prices a filled order without fills at its limit (the worst it could have had), fee unknown", () => {
    expect(resultOfOrderStatus(withStatus("filled", "0.0"), [])).toEqual({
      status: "filled",
      oid: 7,
      filledSize: "0.04",
      avgPrice: "3015.0",
      feeUsd: null,
      closedPnlUsd: null,
    });
  });

  it("names the status of a rejected order, and says when an order is still open", () => {
    expect(resultOfOrderStatus(withStatus("perpMarginRejected", "0.04"), [])).toEqual({
      status: "rejected",
      error: "the exchange rejected the order (perpMarginRejected)",
      retryable: false,
    });
    expect(resultOfOrderStatus(withStatus("open", "0.04"), [])).toEqual({ status: "open", oid: 7 });
  });
});
