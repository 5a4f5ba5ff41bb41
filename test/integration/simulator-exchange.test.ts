import { ApproveAgentTypes } from "@nktkas/hyperliquid/api/exchange";
import { signUserSignedAction } from "@nktkas/hyperliquid/signing";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iocOrderAction, type IocOrder } from "#hyperliquid/exchange/actions.js";
import { AgentKey } from "#hyperliquid/exchange/keys.js";
import { nonceSource } from "#hyperliquid/exchange/nonce.js";
import { signExchangeRequest } from "#hyperliquid/exchange/request.js";
import { parseOrderAnswer, type OrderActionResult } from "#hyperliquid/exchange/responses.js";
import { assetId } from "#hyperliquid/exchange/wire.js";
import { createSimulator, type Simulator } from "#simulator/index.js";

/**
 * The simulator's POST /exchange through its real HTTP server, driven by our own signing and wire
 * format: the user approves an agent with a signed approveAgent, the agent's IOC orders fill at the
 * mid ± the spread (10 bps here) or come back with the exchange's error strings.
 */

// Throwaway keys, for this test only.
const user = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const agent = AgentKey.fromString("0x0dbbe8e4ae425a6d2687f1a7e3ba17bc98c673636790f1b8ad91193c05875ef1", "test agent");
const ETH = 1; // index in the simulator's meta, as in the recorded one
const TSLA = assetId(1, 0); // xyz, the first builder dex; TSLA its first coin: 110000

let sim: Simulator;
let url: string;
const nonces = nonceSource();

const post = async (body: unknown): Promise<Response> =>
  fetch(`${url}/exchange`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const order = async (orders: IocOrder[], network: "mainnet" | "testnet" = "mainnet"): Promise<OrderActionResult> => {
  const request = await signExchangeRequest({ key: agent, action: iocOrderAction(orders), nonce: nonces.next(agent.address), network });
  const res = await post(request);
  expect(res.status).toBe(200);
  return parseOrderAnswer(await res.json());
};

const positionOf = async (coin: string, dex?: string): Promise<string | undefined> => {
  const res = await fetch(`${url}/info`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "clearinghouseState", user: user.address, ...(dex && { dex }) }),
  });
  const state = (await res.json()) as { assetPositions: { position: { coin: string; szi: string } }[] };
  return state.assetPositions.find((p) => p.position.coin === coin)?.position.szi;
};

const buy = (asset: number, price: string, size: string, extra: Partial<IocOrder> = {}): IocOrder => ({
  asset,
  isBuy: true,
  price,
  size,
  reduceOnly: false,
  ...extra,
});

beforeAll(async () => {
  sim = createSimulator({ seed: 5, builderDexes: true, exchange: { spreadBps: 10 } });
  url = await sim.start();
  sim.deposit(user.address, "10000");
});

afterAll(async () => {
  await sim.stop();
});

describe("the simulator's POST /exchange", () => {
  it("refuses an agent nobody approved, as the exchange does", async () => {
    expect(await order([buy(ETH, "3600", "0.01")])).toEqual({
      ok: false,
      message: `User or API Wallet ${agent.address.toLowerCase()} does not exist.`,
    });
  });

  it("approves the agent from the user's signed approveAgent", async () => {
    const action = {
      type: "approveAgent",
      signatureChainId: "0x66eee" as const,
      hyperliquidChain: "Mainnet",
      agentAddress: agent.address.toLowerCase(),
      agentName: "copy",
      nonce: Date.now(),
    };
    const signature = await signUserSignedAction({ wallet: user, action, types: ApproveAgentTypes });
    const res = await post({ action, nonce: action.nonce, signature });
    expect(await res.json()).toEqual({ status: "ok", response: { type: "default" } });
  });

  it("fills an IOC buy at the mid + 10 bps, rounded up onto the tick (an order with a cloid)", async () => {
    sim.setMark("ETH", "3521.4");
    // 3521.4 × 1.001 = 3524.9214; ETH (szDecimals 4) prices carry ≤ 5 significant figures → 1 decimal, up: 3525.0
    const result = await order([buy(ETH, "3530", "0.0100", { cloid: "0x000000000000000000000000000000c1" })]);
    expect(result).toEqual({ ok: true, outcomes: [{ kind: "filled", oid: expect.any(Number), totalSz: "0.01", avgPx: "3525.0" }] });
    expect(await positionOf("ETH")).toBe("0.01");
  });

  it("shrinks a reduce-only sell to the position and fills it at the mid − 10 bps, rounded down", async () => {
    sim.setMark("ETH", "3500");
    // 3500 × 0.999 = 3496.5, already on the tick; 0.05 asked, 0.01 held
    const result = await order([{ asset: ETH, isBuy: false, price: "3400", size: "0.05", reduceOnly: true }]);
    expect(result).toEqual({ ok: true, outcomes: [{ kind: "filled", oid: expect.any(Number), totalSz: "0.01", avgPx: "3496.5" }] });
    expect(await positionOf("ETH")).toBeUndefined();
  });

  it("closes a whole position worth under $10 reduce-only, but holds a partial reduction to the minimum", async () => {
    sim.setMark("ETH", "3500"); // ask 3503.5, bid 3496.5
    // 0.005 ETH = $17.52: opened; then 0.003 ($10.49) sold, leaving 0.002 ($6.99).
    await order([buy(ETH, "3510", "0.005")]);
    await order([{ asset: ETH, isBuy: false, price: "3400", size: "0.003", reduceOnly: false }]);
    expect(await positionOf("ETH")).toBe("0.002");
    // Reducing 0.001 of it ($3.50) is not a close: refused like an opening.
    const partial = await order([{ asset: ETH, isBuy: false, price: "3400", size: "0.001", reduceOnly: true }]);
    expect(partial).toEqual({ ok: true, outcomes: [{ kind: "error", message: "Order must have minimum value of $10." }] });
    // Selling all 0.002 reduce-only ($6.99) closes it (the mark put back where the fills moved it from).
    sim.setMark("ETH", "3500");
    const close = await order([{ asset: ETH, isBuy: false, price: "3400", size: "0.002", reduceOnly: true }]);
    expect(close).toEqual({ ok: true, outcomes: [{ kind: "filled", oid: expect.any(Number), totalSz: "0.002", avgPx: "3496.5" }] });
    expect(await positionOf("ETH")).toBeUndefined();
  });

  it("answers each order of a batch in order, with the exchange's error strings", async () => {
    sim.setMark("ETH", "3500"); // ask 3503.5
    const result = await order([
      buy(ETH, "3500.55", "0.01"), // 6 significant figures
      buy(ETH, "3510", "0.00001"), // ETH sizes have 4 decimals
      buy(ETH, "3510", "0.002"), // 3510 × 0.002 = $7.02
      buy(ETH, "3503.4", "0.01"), // below the ask: nothing to take
      { asset: ETH, isBuy: false, price: "3400", size: "0.01", reduceOnly: true }, // no position to reduce
    ]);
    expect(result).toEqual({
      ok: true,
      outcomes: [
        { kind: "error", message: "Price must be divisible by tick size." },
        { kind: "error", message: "Order has invalid size." },
        { kind: "error", message: "Order must have minimum value of $10." },
        { kind: "error", message: "Order could not immediately match against any resting orders. asset=1" },
        { kind: "error", message: "Reduce only order would increase position." },
      ],
    });
    expect(await positionOf("ETH")).toBeUndefined();
  });

  it("numbers a builder dex's assets 100000 + dex place × 10000 + index: 110000 is xyz:TSLA", async () => {
    sim.setMark("xyz:TSLA", "431.25");
    // 431.25 × 1.001 = 431.68125; 3 integer digits leave 2 decimals, up: 431.69
    const result = await order([buy(TSLA, "440", "0.1")]);
    expect(result).toEqual({ ok: true, outcomes: [{ kind: "filled", oid: expect.any(Number), totalSz: "0.1", avgPx: "431.69" }] });
    expect(await positionOf("xyz:TSLA", "xyz")).toBe("0.1");
  });

  it("below $1 the tick is 5 significant figures: DOGE and kPEPE (szDecimals 0) fill at the mid + 10 bps, rounded up", async () => {
    const meta = (await (
      await fetch(`${url}/info`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"type":"meta"}' })
    ).json()) as { universe: { name: string }[] };
    const index = (coin: string) => meta.universe.findIndex((a) => a.name === coin);
    sim.setMark("DOGE", "0.20456");
    sim.setMark("kPEPE", "0.011734");
    // 0.20456 × 1.001 = 0.20476456 → 5 significant figures, up: 0.20477 (100 × 0.21 = $21)
    // 0.011734 × 1.001 = 0.011745734 → 5 significant figures is 6 decimals, the most 6 − 0 allows, up: 0.011746
    const result = await order([buy(assetId(0, index("DOGE")), "0.21", "100"), buy(assetId(0, index("kPEPE")), "0.012", "1000")]);
    expect(result).toEqual({
      ok: true,
      outcomes: [
        { kind: "filled", oid: expect.any(Number), totalSz: "100.0", avgPx: "0.20477" },
        { kind: "filled", oid: expect.any(Number), totalSz: "1000.0", avgPx: "0.011746" },
      ],
    });
    // And a 6th significant figure is off the tick there too.
    expect(await order([buy(assetId(0, index("DOGE")), "0.204771", "100")])).toEqual({
      ok: true,
      outcomes: [{ kind: "error", message: "Price must be divisible by tick size." }],
    });
  });

  it("an order signed for testnet recovers to another address on this mainnet desk, and trades nothing", async () => {
    sim.setMark("ETH", "3500");
    const result = await order([buy(ETH, "3600", "0.01")], "testnet");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(/^User or API Wallet 0x[0-9a-f]{40} does not exist\.$/);
      expect(result.message).not.toContain(agent.address.toLowerCase());
    }
    expect(await positionOf("ETH")).toBeUndefined();
  });

  it("a body that is not an action is a 422, as the exchange's HTTP layer answers", async () => {
    const res = await post({ action: { type: "order", orders: "all" }, nonce: 1, signature: { r: "0x1", s: "0x2", v: 27 } });
    expect(res.status).toBe(422);
    expect(await res.text()).toBe("Failed to deserialize the JSON body into the target type");
  });
});
