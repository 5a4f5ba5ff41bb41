import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { fixtureFiles, loadFixture } from "../../support/fixtures.js";
import { info } from "./http.js";
import { shapeDiff, type ShapeOptions } from "./shape.js";

/**
 * The simulator must be indistinguishable, shape-wise, from the real API: for every request type
 * with a recorded response, the simulator's answer has the same keys and JSON kinds.
 */

const ISOLATED_USER = "0x00000000000000000000000000000000000000e1";
const OLD_SHAPE_USER = "0x00000000000000000000000000000000000000e2";
const VAULT = "0x00000000000000000000000000000000000000e3";
const DEPOSITOR = "0x00000000000000000000000000000000000000e4";

let sim: Simulator;
let url: string;
let crowdTrader: string;

beforeAll(async () => {
  sim = createSimulator({ seed: 7, oldShapeUsers: [OLD_SHAPE_USER], builderDexes: true });
  url = await sim.start();

  // The docs example: one isolated 20x ETH long, marked slightly below entry.
  sim.deposit(ISOLATED_USER, "13109.48");
  sim.execute({ user: ISOLATED_USER, coin: "ETH", size: "0.0335", px: "2986.3", leverage: { type: "isolated", value: 20 } });
  // The 2023 recording: several cross positions, long and short.
  sim.deposit(OLD_SHAPE_USER, "1200");
  sim.execute({ user: OLD_SHAPE_USER, coin: "BTC", size: "-0.00785", px: "26951" });
  sim.execute({ user: OLD_SHAPE_USER, coin: "ETH", size: "0.1334", px: "1705.8" });
  sim.execute({ user: OLD_SHAPE_USER, coin: "SOL", size: "7.39", px: "19.678" });

  // A vault whose leader trades and whose depositors pay in.
  sim.createVault(VAULT);
  sim.deposit(VAULT, "10000");
  sim.execute({ user: VAULT, coin: "BTC", size: "0.01", px: "60000" });
  sim.deposit(DEPOSITOR, "5000");
  sim.vaultDeposit(VAULT, DEPOSITOR, "2500");

  const traders = sim.populate(20);
  sim.randomActivity(400);
  sim.payFunding("0.0000125");
  sim.setMark("ETH", "2985.9");
  // A trader still holding something has fills, a deposit and funding payments to show.
  const holder = traders.find((t) => sim.coins().some((coin) => sim.positionOf(t, coin) !== null));
  if (!holder) throw new Error("the crowd should hold positions after random activity");
  crowdTrader = holder;
});

afterAll(async () => {
  await sim.stop();
});

interface Case {
  fixture: string;
  request: () => Record<string, unknown>;
  options?: ShapeOptions;
}

const CASES: Case[] = [
  { fixture: "clearinghouseState.docs-example.json", request: () => ({ type: "clearinghouseState", user: ISOLATED_USER }) },
  { fixture: "clearinghouseState.2023-recorded.json", request: () => ({ type: "clearinghouseState", user: OLD_SHAPE_USER }) },
  // The current `meta` flags delisted assets with `isDelisted: true` (absent otherwise).
  { fixture: "meta.recorded.json", request: () => ({ type: "meta" }), options: { allowExtraKeys: ["isDelisted"] } },
  { fixture: "allMids.recorded.json", request: () => ({ type: "allMids" }), options: { mapPaths: ["$"] } },
  { fixture: "perpDexs.docs-example.json", request: () => ({ type: "perpDexs" }) },
  // Recorded in 2023, before fills carried `tid` and `feeToken`; the docs list both today.
  {
    fixture: "userFills.recorded.json",
    request: () => ({ type: "userFills", user: crowdTrader }),
    options: { allowExtraKeys: ["tid", "feeToken"] },
  },
  { fixture: "portfolio.recorded.json", request: () => ({ type: "portfolio", user: crowdTrader }) },
  {
    fixture: "userNonFundingLedgerUpdates.recorded.json",
    request: () => ({ type: "userNonFundingLedgerUpdates", user: crowdTrader, startTime: 0, endTime: null }),
  },
  { fixture: "userFunding.recorded.json", request: () => ({ type: "userFunding", user: crowdTrader, startTime: 0 }) },
  { fixture: "userRole.recorded.json", request: () => ({ type: "userRole", user: VAULT }) },
  { fixture: "userRateLimit.recorded.json", request: () => ({ type: "userRateLimit", user: crowdTrader }) },
];

describe("simulator wire shapes match the recorded API responses", () => {
  it("has a fixture for every case", () => {
    const files = fixtureFiles();
    for (const c of CASES) expect(files).toContain(c.fixture);
  });

  for (const c of CASES) {
    it(`${c.fixture}: same keys and JSON types`, async () => {
      const fixture = loadFixture(c.fixture);
      const request = c.request();
      expect(request.type).toBe(fixture.request?.type);
      const answer = await info(url, request);
      expect(shapeDiff(answer, fixture.response, c.options)).toEqual([]);
    });
  }

  it("userRole: vault for a vault, user for a known account, missing for an address never seen", async () => {
    expect(await info(url, { type: "userRole", user: VAULT })).toEqual({ role: "vault" });
    expect(await info(url, { type: "userRole", user: crowdTrader })).toEqual({ role: "user" });
    expect(await info(url, { type: "userRole", user: "0x00000000000000000000000000000000000000ff" })).toEqual({ role: "missing" });
    // An approved agent names the account it trades for (the exchange's `agent` role, with `data`).
    const agent = "0x00000000000000000000000000000000000a9e17";
    sim.approveAgent(DEPOSITOR, agent);
    expect(await info(url, { type: "userRole", user: agent })).toEqual({ role: "agent", data: { user: DEPOSITOR.toLowerCase() } });
  });

  it("a vault's depositors raise its account value and not its pnlHistory", async () => {
    const answer = await info<[string, { accountValueHistory: [number, string][]; pnlHistory: [number, string][] }][]>(url, { type: "portfolio", user: VAULT });
    const allTime = new Map(answer).get("perpAllTime")!;
    // Some step of the curve is the deposit: value exactly +2,500, PnL unchanged.
    const values = allTime.accountValueHistory.map(([, v]) => dec(v));
    const pnl = allTime.pnlHistory.map(([, v]) => dec(v));
    const step = values.findIndex((v, i) => i > 0 && v.minus(values[i - 1]!).eq(2500));
    expect(step).toBeGreaterThan(0);
    expect(pnl[step]!.eq(pnl[step - 1]!)).toBe(true);
    // And the vault's own PnL did move elsewhere (its trade), so this is not a flat series.
    expect(pnl.some((p) => !p.eq(0))).toBe(true);
    const ledger = await info<{ delta: Record<string, unknown> }[]>(url, { type: "userNonFundingLedgerUpdates", user: DEPOSITOR, startTime: 0 });
    expect(ledger.map((e) => e.delta)).toEqual([
      { type: "deposit", usdc: "5000.0" },
      { type: "vaultDeposit", vault: VAULT, usdc: "2500.0" },
    ]);
  });

  it("portfolio: the same windows in the same order", async () => {
    const fixture = loadFixture("portfolio.recorded.json").response as [string, unknown][];
    const answer = await info<[string, unknown][]>(url, { type: "portfolio", user: crowdTrader });
    expect(answer.map(([name]) => name)).toEqual(fixture.map(([name]) => name));
  });

  it("recentTrades: the documented shape, newest first, users are [buyer, seller]", async () => {
    const documented = {
      coin: "BTC",
      side: "B",
      px: "104320.0",
      sz: "0.015",
      time: 1769916002000,
      hash: "0x0000000000000000000000000000000000000000000000000000000000000003",
      tid: 300003,
      users: ["0xbuyer", "0xseller"],
    };
    const trades = await info<Record<string, unknown>[]>(url, { type: "recentTrades", coin: "ETH" });
    expect(trades.length).toBeGreaterThan(0);
    expect(shapeDiff(trades, [documented])).toEqual([]);
    const times = trades.map((t) => t.time as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const t of trades) expect(["B", "A"]).toContain(t.side);
  });

  it("writes every amount as a decimal string with a fractional part, like the API", async () => {
    const state = await info<{ assetPositions: { position: Record<string, unknown> }[] }>(url, {
      type: "clearinghouseState",
      user: ISOLATED_USER,
    });
    const position = state.assetPositions[0]?.position ?? {};
    // 0.0335 ETH long from 2986.3, marked at 2985.9: value 0.0335 × 2985.9, PnL 0.0335 × −0.4.
    expect(position).toMatchObject({
      coin: "ETH",
      szi: "0.0335",
      entryPx: "2986.3",
      positionValue: "100.02765",
      unrealizedPnl: "-0.0134",
      leverage: { type: "isolated", value: 20 },
      maxLeverage: 25,
    });
    expect(typeof position.liquidationPx).toBe("string");
  });
});
