import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulator, type Simulator, type WireFill } from "#simulator/index.js";
import { info, postInfo } from "./http.js";

/**
 * The simulator's builder-deployed (HIP-3) dex, as the exchange answers for one: each dex is its own
 * clearinghouse (`dex` scopes meta, allMids and clearinghouseState), coins carry the dex's name,
 * and the fills endpoints return every dex's fills and non-perp fills alike.
 */
const U = "0x00000000000000000000000000000000000000c7";

let sim: Simulator;
let url: string;

beforeAll(async () => {
  sim = createSimulator({ seed: 3, builderDexes: true });
  url = await sim.start();
  sim.deposit(U, "10000");
  sim.execute({ user: U, coin: "BTC", size: "0.01", px: "100000" });
  sim.execute({ user: U, coin: "xyz:TSLA", size: "2", px: "430" });
  sim.nonPerpFill({ user: U, kind: "settlement", coin: "#118440", px: "1.0", sz: "100", closedPnl: "40" });
});

afterAll(async () => {
  await sim.stop();
});

type State = { assetPositions: { position: { coin: string; szi: string } }[]; marginSummary: { accountValue: string } };
const coinsOf = (s: State) => s.assetPositions.map((a) => [a.position.coin, a.position.szi]);

describe("a builder-deployed dex in the simulator", () => {
  it("perpDexs lists it after the main dex's null", async () => {
    const dexes = await info<({ name: string } | null)[]>(url, { type: "perpDexs" });
    expect(dexes.map((d) => d?.name ?? null)).toEqual([null, "xyz"]);
  });

  it("meta and allMids answer per dex; an unknown dex's meta is null", async () => {
    const main = await info<{ universe: { name: string }[] }>(url, { type: "meta" });
    const xyz = await info<{ universe: { name: string }[] }>(url, { type: "meta", dex: "xyz" });
    expect(main.universe.some((a) => a.name.includes(":"))).toBe(false);
    expect(xyz.universe.map((a) => a.name)).toEqual(["xyz:TSLA", "xyz:NVDA"]);
    expect(await info(url, { type: "meta", dex: "nope" })).toBeNull();
    expect(Object.keys(await info<Record<string, string>>(url, { type: "allMids", dex: "xyz" }))).toEqual(["xyz:TSLA", "xyz:NVDA"]);
    expect(Object.keys(await info<Record<string, string>>(url, { type: "allMids" }))).not.toContain("xyz:TSLA");
    expect((await postInfo(url, { type: "allMids", dex: "nope" })).status).toBe(422);
  });

  it("clearinghouseState without dex shows only the main dex's positions; with dex, that dex's", async () => {
    expect(coinsOf(await info<State>(url, { type: "clearinghouseState", user: U }))).toEqual([["BTC", "0.01"]]);
    expect(coinsOf(await info<State>(url, { type: "clearinghouseState", user: U, dex: "" }))).toEqual([["BTC", "0.01"]]);
    const xyz = await info<State>(url, { type: "clearinghouseState", user: U, dex: "xyz" });
    expect(coinsOf(xyz)).toEqual([["xyz:TSLA", "2.0"]]);
  });

  it("userFills returns every dex's fills and the settlement, as the exchange does", async () => {
    const fills = await info<WireFill[]>(url, { type: "userFills", user: U });
    expect(fills.map((f) => [f.coin, f.dir])).toEqual([
      ["#118440", "Settlement"],
      ["xyz:TSLA", "Open Long"],
      ["BTC", "Open Long"],
    ]);
  });
});
