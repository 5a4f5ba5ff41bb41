import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toFills } from "#hyperliquid/mappers.js";
import { fillsSchema } from "#hyperliquid/schemas.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { info } from "./http.js";

/**
 * A liquidation as the exchange reports it (the liquidated trader's fill says `Liquidated Cross
 * Long` etc.; both sides carry `liquidation: {liquidatedUser, markPx, method}`), and a leverage
 * change of an open position, both read back through our schema and mapper.
 */
const TRADER = "0x00000000000000000000000000000000000000f1";
const TAKER = "0x00000000000000000000000000000000000000f2";

let sim: Simulator;
let url: string;

beforeAll(async () => {
  sim = createSimulator({ seed: 9 });
  url = await sim.start();
  sim.deposit(TRADER, "10000");
  sim.execute({ user: TRADER, coin: "ETH", size: "2", px: "3000", leverage: { type: "isolated", value: 10 } });
  sim.setMark("ETH", "2750");
});
afterAll(async () => sim.stop());

const fillsOf = async (user: string) => toFills(fillsSchema.parse(await info(url, { type: "userFills", user })), "userFills", user);

describe("the simulator's liquidation", () => {
  it("closes the whole position at the mark, with the liquidated dir and the liquidation object on both sides", async () => {
    const { fill, counterpartyFill } = sim.liquidate(TRADER, "ETH", { counterparty: TAKER });
    expect(sim.positionOf(TRADER, "ETH")).toBeNull();
    expect(fill).toMatchObject({ dir: "Liquidated Isolated Long", side: "A", sz: "2.0", px: "2750.0", startPosition: "2.0" });
    const object = { liquidatedUser: TRADER, markPx: "2750.0", method: "market" };
    expect(fill.liquidation).toEqual(object);
    // The taker's own fill: an ordinary open, naming the liquidated trader.
    expect(counterpartyFill).toMatchObject({ dir: "Open Long", liquidation: object });

    const [own] = await fillsOf(TRADER).then((f) => f.filter((x) => x.dir.startsWith("Liquidated")));
    expect(own?.liquidation).toEqual({ liquidatedUser: TRADER, markPx: "2750.0", method: "market" });
    const [taker] = await fillsOf(TAKER);
    expect(taker?.liquidation?.liquidatedUser).toBe(TRADER);
  });

  it("refuses to liquidate what is not there, and never opens or flips a position", () => {
    expect(() => sim.liquidate(TRADER, "ETH")).toThrow(/no ETH position/);
    sim.execute({ user: TRADER, coin: "BTC", size: "0.1", px: "60000" });
    expect(() => sim.execute({ user: TRADER, coin: "BTC", size: "-0.2", px: "60000", liquidation: { method: "market" } })).toThrow(/must reduce/);
  });

  it("changes an open position's leverage and margin mode, as clearinghouseState then shows", async () => {
    sim.setLeverage(TRADER, "BTC", { type: "isolated", value: 3 });
    const state = await info<{ assetPositions: { position: { coin: string; leverage: { type: string; value: number } } }[] }>(url, {
      type: "clearinghouseState",
      user: TRADER,
    });
    expect(state.assetPositions.find((p) => p.position.coin === "BTC")?.position.leverage).toMatchObject({ type: "isolated", value: 3 });
  });

  it("happens to the demo's crowd now and then (randomIncident)", () => {
    const crowd = createSimulator({ seed: 3 });
    crowd.populate(10);
    const kinds = new Set(Array.from({ length: 20 }, () => crowd.randomIncident()?.kind));
    expect(kinds).toEqual(new Set(["liquidation", "leverage"]));
  });
});
