import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulator, type Simulator, type WireFill } from "#simulator/index.js";
import { info } from "./http.js";

/**
 * Every expected number below is derived by hand in the comment above it. Fees: taker (crossed)
 * 0.045% and maker 0.015% of the fill's notional, rounded to 6 decimals.
 */

const ALICE = "0x00000000000000000000000000000000000a11ce";
const BOB = "0x0000000000000000000000000000000000000b0b";

let sim: Simulator;
let url: string;

beforeAll(async () => {
  sim = createSimulator({ seed: 3 });
  url = await sim.start();
  sim.deposit(ALICE, "100000");
});

afterAll(async () => {
  await sim.stop();
});

const position = async (user: string, coin: string): Promise<Record<string, unknown> | undefined> => {
  const state = await info<{ assetPositions: { position: Record<string, unknown> }[] }>(url, {
    type: "clearinghouseState",
    user,
  });
  return state.assetPositions.find((p) => p.position.coin === coin)?.position;
};

describe("position math: open → add → reduce → flip → close", () => {
  const fills: WireFill[] = [];

  it("opens a long: entry is the price, no PnL, taker fee", async () => {
    // fee = 0.5 × 100000 × 0.00045 = 22.5
    const { fill } = sim.execute({ user: ALICE, coin: "BTC", size: "0.5", px: "100000", crossed: true });
    fills.push(fill);
    expect(fill).toMatchObject({ dir: "Open Long", side: "B", startPosition: "0.0", closedPnl: "0.0", fee: "22.5", crossed: true, feeToken: "USDC", sz: "0.5", px: "100000.0" });
    expect(await position(ALICE, "BTC")).toMatchObject({ szi: "0.5", entryPx: "100000.0" });
  });

  it("adds: entry becomes the size-weighted average, maker fee", async () => {
    // entry = (0.5 × 100000 + 0.25 × 103000) / 0.75 = 75750 / 0.75 = 101000
    // fee = 0.25 × 103000 × 0.00015 = 3.8625
    const { fill } = sim.execute({ user: ALICE, coin: "BTC", size: "0.25", px: "103000", crossed: false });
    fills.push(fill);
    expect(fill).toMatchObject({ dir: "Open Long", side: "B", startPosition: "0.5", closedPnl: "0.0", fee: "3.8625", crossed: false });
    expect(await position(ALICE, "BTC")).toMatchObject({ szi: "0.75", entryPx: "101000.0" });
  });

  it("reduces: PnL on the reduced part only, entry unchanged", async () => {
    // closedPnl = (102500 − 101000) × 0.3 = 450; fee = 0.3 × 102500 × 0.00045 = 13.8375
    const { fill } = sim.execute({ user: ALICE, coin: "BTC", size: "-0.3", px: "102500" });
    fills.push(fill);
    expect(fill).toMatchObject({ dir: "Close Long", side: "A", startPosition: "0.75", closedPnl: "450.0", fee: "13.8375" });
    expect(await position(ALICE, "BTC")).toMatchObject({ szi: "0.45", entryPx: "101000.0" });
  });

  it("flips: the whole long closes at a loss, the rest opens short at the price", async () => {
    // closes 0.45: closedPnl = (99000 − 101000) × 0.45 = −900; new szi = 0.45 − 0.65 = −0.2 at 99000
    // fee on the whole fill = 0.65 × 99000 × 0.00045 = 28.9575
    const { fill } = sim.execute({ user: ALICE, coin: "BTC", size: "-0.65", px: "99000" });
    fills.push(fill);
    expect(fill).toMatchObject({ dir: "Long > Short", side: "A", startPosition: "0.45", closedPnl: "-900.0", fee: "28.9575" });
    expect(await position(ALICE, "BTC")).toMatchObject({ szi: "-0.2", entryPx: "99000.0" });
  });

  it("closes the short: PnL is (entry − price) × size", async () => {
    // closedPnl = (99000 − 98000) × 0.2 = 200; maker fee = 0.2 × 98000 × 0.00015 = 2.94
    const { fill } = sim.execute({ user: ALICE, coin: "BTC", size: "0.2", px: "98000", crossed: false });
    fills.push(fill);
    expect(fill).toMatchObject({ dir: "Close Short", side: "B", startPosition: "-0.2", closedPnl: "200.0", fee: "2.94" });
    expect(await position(ALICE, "BTC")).toBeUndefined();
    expect(sim.positionOf(ALICE, "BTC")).toBeNull();
  });

  it("serves the same fills over userFills, newest first, with increasing tids", async () => {
    const served = await info<WireFill[]>(url, { type: "userFills", user: ALICE });
    expect(served).toEqual([...fills].reverse());
    const tids = fills.map((f) => f.tid);
    expect(tids).toEqual([...tids].sort((a, b) => a - b));
    expect(new Set(tids).size).toBe(tids.length);
  });

  it("credits cash with realised PnL minus fees", async () => {
    // 100000 + (450 − 900 + 200) − (22.5 + 3.8625 + 13.8375 + 28.9575 + 2.94) = 100000 − 250 − 72.0975
    const state = await info<{ marginSummary: { accountValue: string } }>(url, { type: "clearinghouseState", user: ALICE });
    expect(state.marginSummary.accountValue).toBe("99677.9025");
  });
});

describe("the counterparty and the public tape", () => {
  it("gives the counterparty the opposite fill and prints [buyer, seller] with the aggressor's side", async () => {
    // Bob sells 2 ETH to Alice; Alice rests (maker), so Bob is the aggressor: side "A".
    const { fill, counterpartyFill, trade } = sim.execute({ user: ALICE, coin: "ETH", size: "2", px: "3500", counterparty: BOB, crossed: false });
    expect(fill).toMatchObject({ dir: "Open Long", side: "B", crossed: false, fee: "1.05" }); // 7000 × 0.00015
    expect(counterpartyFill).toMatchObject({ dir: "Open Short", side: "A", crossed: true, fee: "3.15", startPosition: "0.0" }); // 7000 × 0.00045
    expect(counterpartyFill.tid).toBe(fill.tid);
    expect(counterpartyFill.hash).toBe(fill.hash);
    expect(trade).toMatchObject({ coin: "ETH", side: "A", px: "3500.0", sz: "2.0", users: [ALICE, BOB], tid: fill.tid });
    const tape = await info<unknown[]>(url, { type: "recentTrades", coin: "ETH" });
    expect(tape[0]).toEqual(trade);
    expect(await position(BOB, "ETH")).toMatchObject({ szi: "-2.0", entryPx: "3500.0" });
  });

  it("defaults the counterparty to the market maker", () => {
    const { counterpartyFill, trade } = sim.execute({ user: BOB, coin: "SOL", size: "1", px: "150" });
    expect(trade.users).toEqual([BOB, sim.marketMaker]);
    expect(counterpartyFill.dir).toBe("Open Short");
  });
});

describe("exactness", () => {
  it("keeps a tiny size exact through open, add and close", async () => {
    // fee = 0.00785 × 26951 × 0.00045 = 211.56535 × 0.00045 = 0.0952044075 → 0.095204
    const open = sim.execute({ user: BOB, coin: "BTC", size: "-0.00785", px: "26951" });
    expect(open.fill).toMatchObject({ sz: "0.00785", dir: "Open Short", fee: "0.095204" });
    expect(await position(BOB, "BTC")).toMatchObject({ szi: "-0.00785", entryPx: "26951.0" });
    // −0.00785 − 0.00785 = −0.0157 exactly (a float sum would give −0.015700000000000002).
    sim.execute({ user: BOB, coin: "BTC", size: "-0.00785", px: "26951" });
    expect(sim.positionOf(BOB, "BTC")).toMatchObject({ szi: "-0.0157" });
    const close = sim.execute({ user: BOB, coin: "BTC", size: "0.0157", px: "26951" });
    expect(close.fill).toMatchObject({ dir: "Close Short", startPosition: "-0.0157", closedPnl: "0.0" });
    expect(sim.positionOf(BOB, "BTC")).toBeNull();
  });

  it("rounds a non-terminating average entry to 6 significant figures and realises PnL from it", () => {
    // entry = (1 × 100 + 2 × 101) / 3 = 302 / 3 = 100.6666… → 100.667 (6 significant figures)
    sim.execute({ user: BOB, coin: "LINK", size: "1", px: "100" });
    sim.execute({ user: BOB, coin: "LINK", size: "2", px: "101" });
    expect(sim.positionOf(BOB, "LINK")).toMatchObject({ szi: "3.0", entryPx: "100.667" });
    // closedPnl = (102 − 100.667) × 3 = 3.999
    const { fill } = sim.execute({ user: BOB, coin: "LINK", size: "-3", px: "102" });
    expect(fill.closedPnl).toBe("3.999");
  });

  it("rejects sizes finer than the coin's lot and self-trades", () => {
    expect(() => sim.execute({ user: BOB, coin: "BTC", size: "0.000001", px: "100000" })).toThrow(/decimals/);
    expect(() => sim.execute({ user: BOB, coin: "BTC", size: "1", px: "100000", counterparty: BOB })).toThrow(/two different users/);
    expect(() => sim.execute({ user: BOB, coin: "MATIC", size: "1", px: "1" })).toThrow(/delisted/);
  });
});
