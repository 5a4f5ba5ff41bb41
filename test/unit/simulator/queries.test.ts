import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulator, DEFAULT_EPOCH_MS, type Simulator, type WireFill } from "#simulator/index.js";
import { info, postInfo } from "./http.js";

const BUSY = "0x000000000000000000000000000000000000b005";
const FILLS = 2_100;

let sim: Simulator;
let url: string;
let t0: number;

beforeAll(async () => {
  sim = createSimulator({ seed: 21 });
  url = await sim.start();
  t0 = sim.now();
  // 2,100 fills one millisecond apart, alternating buys and sells of 1 DOGE.
  for (let i = 0; i < FILLS; i++) {
    sim.execute({ user: BUSY, coin: "DOGE", size: i % 2 === 0 ? "1" : "-1", px: "0.2" });
    sim.advance(1);
  }
});

afterAll(async () => {
  await sim.stop();
});

describe("fill history ordering and caps", () => {
  it("userFills: newest first, at most 2,000", async () => {
    const fills = await info<WireFill[]>(url, { type: "userFills", user: BUSY });
    expect(fills).toHaveLength(2_000);
    expect(fills[0]?.time).toBe(t0 + FILLS - 1);
    const times = fills.map((f) => f.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("userFillsByTime: oldest first from startTime, 2,000 per page, paged on by the last time", async () => {
    const first = await info<WireFill[]>(url, { type: "userFillsByTime", user: BUSY, startTime: t0 });
    expect(first).toHaveLength(2_000);
    expect(first[0]?.time).toBe(t0);
    const last = first[first.length - 1] as WireFill;
    const second = await info<WireFill[]>(url, { type: "userFillsByTime", user: BUSY, startTime: last.time + 1 });
    expect(second).toHaveLength(FILLS - 2_000);
    expect(second[second.length - 1]?.time).toBe(t0 + FILLS - 1);
  });

  it("userFillsByTime: endTime is inclusive", async () => {
    const fills = await info<WireFill[]>(url, { type: "userFillsByTime", user: BUSY, startTime: t0 + 10, endTime: t0 + 19 });
    expect(fills.map((f) => f.time)).toEqual(Array.from({ length: 10 }, (_, i) => t0 + 10 + i));
  });

  it("aggregateByTime merges the parts of one order filled at one time", async () => {
    const user = "0x00000000000000000000000000000000000a9900";
    const time = sim.now();
    // One buy order of 3 ETH crossing two resting asks: 1 @ 3000 and 2 @ 3003.
    sim.execute({ user, coin: "ETH", size: "1", px: "3000", oid: 777, time });
    sim.execute({ user, coin: "ETH", size: "2", px: "3003", oid: 777, time });
    const parts = await info<WireFill[]>(url, { type: "userFills", user });
    expect(parts).toHaveLength(2);
    const [merged] = await info<WireFill[]>(url, { type: "userFills", user, aggregateByTime: true });
    // px = (1 × 3000 + 2 × 3003) / 3 = 9006 / 3 = 3002; fees 1.35 + 2.7027 (taker 0.045%)
    expect(merged).toMatchObject({ sz: "3.0", px: "3002.0", startPosition: "0.0", dir: "Open Long", fee: "4.0527", oid: 777 });
  });

  it("unknown users get empty answers, not errors", async () => {
    const nobody = "0x1234567890123456789012345678901234567890";
    expect(await info(url, { type: "userFills", user: nobody })).toEqual([]);
    const state = await info<Record<string, unknown>>(url, { type: "clearinghouseState", user: nobody });
    expect(state).toMatchObject({ assetPositions: [], withdrawable: "0.0", time: sim.now() });
  });
});

describe("funding", () => {
  it("longs pay shorts at a positive rate; cumFunding counts what was paid", async () => {
    const long = "0x00000000000000000000000000000000000f0001";
    const short = "0x00000000000000000000000000000000000f0002";
    sim.execute({ user: long, coin: "AVAX", size: "2", px: "25", counterparty: short });
    const since = sim.now();
    // Payment = szi × mark × rate = 2 × 25 × 0.001 = 0.05, from the long to the short.
    expect(sim.payFunding("0.001", ["AVAX"])).toBe(2);
    const paid = await info<{ delta: Record<string, unknown> }[]>(url, { type: "userFunding", user: long, startTime: since });
    expect(paid.map((p) => p.delta)).toEqual([
      { type: "funding", coin: "AVAX", usdc: "-0.05", szi: "2.0", fundingRate: "0.001", nSamples: 1 },
    ]);
    const state = await info<{ assetPositions: { position: { cumFunding: unknown } }[] }>(url, {
      type: "clearinghouseState",
      user: short,
    });
    expect(state.assetPositions[0]?.position.cumFunding).toEqual({ allTime: "-0.05", sinceOpen: "-0.05", sinceChange: "-0.05" });
  });
});

describe("market data", () => {
  it("meta flags delisted assets; allMids only prices listed ones", async () => {
    const meta = await info<{ universe: { name: string; isDelisted?: boolean }[] }>(url, { type: "meta" });
    const delisted = meta.universe.filter((a) => a.isDelisted === true).map((a) => a.name);
    expect(delisted.length).toBeGreaterThan(0);
    const mids = await info<Record<string, string>>(url, { type: "allMids" });
    for (const name of delisted) expect(mids[name]).toBeUndefined();
    expect(mids.DOGE).toBe("0.2");
  });

  it("recentTrades: bounded, newest first", async () => {
    const trades = await info<{ time: number; users: string[] }[]>(url, { type: "recentTrades", coin: "DOGE" });
    expect(trades).toHaveLength(10);
    expect(trades[0]?.time).toBe(t0 + FILLS - 1);
    expect(trades.every((t) => t.users.includes(BUSY))).toBe(true);
  });
});

describe("request errors, as the API answers them", () => {
  it("400 for a body that is not JSON", async () => {
    expect((await postInfo(url, "{not json")).status).toBe(400);
  });

  it("422 for an unknown type or a body that does not fit the type", async () => {
    for (const body of [{ type: "nope" }, {}, [], { type: "clearinghouseState" }, { type: "clearinghouseState", user: "0x12" }, { type: "userFillsByTime", user: BUSY }]) {
      const answer = await postInfo(url, body);
      expect(answer.status).toBe(422);
      expect(answer.text).toMatch(/Failed to deserialize/);
    }
  });

  it("415 without a JSON content type, 404 elsewhere", async () => {
    const res = await fetch(`${url}/info`, { method: "POST", body: JSON.stringify({ type: "meta" }) });
    expect(res.status).toBe(415);
    expect((await fetch(`${url}/exchange`, { method: "POST", body: "{}" })).status).toBe(415); // /exchange exists now (copy trading)
    expect((await fetch(`${url}/trade`, { method: "POST" })).status).toBe(404);
  });
});

describe("the crowd", () => {
  it("is deterministic for a seed and different across seeds", async () => {
    const run = async (seed: number) => {
      const s = createSimulator({ seed });
      const traders = s.populate(10);
      s.randomActivity(200);
      const answers = await Promise.all(traders.map(async (user) => (await s.info({ type: "userFills", user })).body));
      return { traders, answers };
    };
    const a = await run(1);
    expect(a.traders.every((t) => /^0x[0-9a-f]{40}$/.test(t))).toBe(true);
    expect(new Set(a.traders).size).toBe(10);
    expect(await run(1)).toEqual(a);
    expect((await run(2)).traders).not.toEqual(a.traders);
  });

  it("random activity opens, adds, reduces, closes and flips", () => {
    const s = createSimulator({ seed: 5 });
    s.populate(30);
    const dirs = new Set(s.randomActivity(1_000).flatMap((r) => [r.fill.dir, r.counterpartyFill.dir]));
    expect([...dirs].sort()).toEqual(["Close Long", "Close Short", "Long > Short", "Open Long", "Open Short", "Short > Long"]);
    expect(s.traders()).toHaveLength(30);
  });
});

describe("the clock", () => {
  it("is simulated by default: a fixed epoch that only moves when told", async () => {
    const s = createSimulator();
    expect(s.now()).toBe(DEFAULT_EPOCH_MS);
    await new Promise((r) => setTimeout(r, 5));
    expect(s.now()).toBe(DEFAULT_EPOCH_MS);
    expect(s.advance(250)).toBe(DEFAULT_EPOCH_MS + 250);
  });

  it("follows wall time with realTime (the demo), and advance still jumps ahead", () => {
    const before = Date.now();
    const s = createSimulator({ realTime: true });
    expect(s.now()).toBeGreaterThanOrEqual(before);
    const ahead = s.advance(60_000);
    expect(ahead).toBeGreaterThanOrEqual(before + 60_000);
    expect(s.now()).toBeGreaterThanOrEqual(ahead);
  });

  it("keeps the crowd's trades at wall time with realTime: populating and trading do not run the clock ahead", () => {
    const s = createSimulator({ realTime: true, seed: 3 });
    s.populate(500);
    s.randomActivity(50);
    // Without realTime the same calls move the clock by minutes (1–200 ms a position, 50–3,000 ms a trade).
    expect(s.now() - Date.now()).toBeLessThan(1_000);
  });
});
