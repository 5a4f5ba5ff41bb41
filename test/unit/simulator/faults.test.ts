import { afterEach, describe, expect, it } from "vitest";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { info, postInfo } from "./http.js";

const ALICE = "0x00000000000000000000000000000000000a11ce";
const BOB = "0x0000000000000000000000000000000000000b0b";

const running: Simulator[] = [];
const started = async (seed: number): Promise<[Simulator, string]> => {
  const sim = createSimulator({ seed });
  running.push(sim);
  return [sim, await sim.start()];
};

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** The status of `n` sequential clearinghouseState requests. */
const statuses = async (url: string, n: number, user = ALICE): Promise<{ status: number; text: string }[]> => {
  const out: { status: number; text: string }[] = [];
  for (let i = 0; i < n; i++) out.push(await postInfo(url, { type: "clearinghouseState", user }));
  return out;
};

describe("fault injection", () => {
  // 600 requests over real sockets: seconds on a busy 2-core machine, beyond the unit default of 5 s.
  it("answers about 30% of requests with HTTP 429 and the body null, the same way for the same seed", { timeout: 30_000 }, async () => {
    const [sim, url] = await started(11);
    sim.setFaults({ rate429: 0.3 });
    const first = await statuses(url, 200);
    const limited = first.filter((a) => a.status === 429);
    // Binomial(200, 0.3): mean 60, sd ≈ 6.5; ±3 sd.
    expect(limited.length).toBeGreaterThanOrEqual(40);
    expect(limited.length).toBeLessThanOrEqual(80);
    for (const a of limited) expect(JSON.parse(a.text)).toBeNull();
    expect(first.filter((a) => a.status !== 429).every((a) => a.status === 200)).toBe(true);
    expect(sim.stats().faults.rateLimited).toBe(limited.length);

    const [twin, twinUrl] = await started(11);
    twin.setFaults({ rate429: 0.3 });
    expect((await statuses(twinUrl, 200)).map((a) => a.status)).toEqual(first.map((a) => a.status));

    const [other, otherUrl] = await started(12);
    other.setFaults({ rate429: 0.3 });
    expect((await statuses(otherUrl, 200)).map((a) => a.status)).not.toEqual(first.map((a) => a.status));
  });

  it("answers 500 or 502 at rate5xx", async () => {
    const [sim, url] = await started(5);
    sim.setFaults({ rate5xx: 0.5 });
    const answers = await statuses(url, 60);
    const failed = answers.filter((a) => a.status >= 500);
    expect(failed.length).toBeGreaterThan(10);
    for (const a of failed) expect([500, 502]).toContain(a.status);
    expect(sim.stats().faults.serverError).toBe(failed.length);
  });

  it("malforms only the listed users' answers", async () => {
    const [sim, url] = await started(2);
    sim.execute({ user: ALICE, coin: "BTC", size: "0.01", px: "100000" });
    sim.execute({ user: BOB, coin: "BTC", size: "0.01", px: "100000" });
    sim.setFaults({ malformedUsers: [ALICE.toUpperCase().replace("0X", "0x")] });

    for (let i = 0; i < 10; i++) {
      const alice = await info<{ assetPositions: { position: Record<string, unknown> }[] }>(url, {
        type: "clearinghouseState",
        user: ALICE,
      });
      const p = alice.assetPositions[0]?.position ?? {};
      // Either the size became a JSON number or the coin is gone: both are shapes a parser must reject.
      expect(typeof p.szi === "number" || !("coin" in p)).toBe(true);

      const bob = await info<{ assetPositions: { position: Record<string, unknown> }[] }>(url, {
        type: "clearinghouseState",
        user: BOB,
      });
      expect(bob.assetPositions[0]?.position).toMatchObject({ coin: "BTC", szi: "0.01" });
    }
    expect(sim.stats().faults.malformed).toBe(10);
  });

  it("delays slow answers by slowMs", async () => {
    const [sim, url] = await started(4);
    sim.setFaults({ slowRate: 1, slowMs: 150 });
    const t0 = performance.now();
    expect((await postInfo(url, { type: "allMids" })).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(sim.stats().faults.slow).toBe(1);
  });

  it("never changes the market: the same trades give the same fills with or without faults", async () => {
    const [calm] = await started(9);
    const [stormy, stormyUrl] = await started(9);
    stormy.setFaults({ rate429: 0.2, rate5xx: 0.2, malformedRate: 0.3 });
    calm.populate(5);
    stormy.populate(5);
    await statuses(stormyUrl, 20, stormy.traders()[0]);
    calm.randomActivity(50);
    stormy.randomActivity(50);
    const [trader] = calm.traders();
    const fills = async (s: Simulator) => JSON.parse((await s.info({ type: "userFills", user: trader })).body) as unknown;
    stormy.setFaults({});
    expect(await fills(stormy)).toEqual(await fills(calm));
  });
});

describe("weight accounting", () => {
  it("charges what the exchange would: 2 for light requests, 20 for the rest, +1 per 20 items", async () => {
    const [sim, url] = await started(8);
    for (let i = 0; i < 45; i++) {
      sim.execute({ user: ALICE, coin: "ETH", size: i % 2 === 0 ? "1" : "-1", px: "3500" });
      sim.advance(1_000);
    }
    sim.resetStats();

    await info(url, { type: "clearinghouseState", user: ALICE }); // 2
    await info(url, { type: "allMids" }); // 2
    await info(url, { type: "meta" }); // 20
    const trades = await info<unknown[]>(url, { type: "recentTrades", coin: "ETH" }); // 20 + floor(10 / 20) = 20
    const fills = await info<unknown[]>(url, { type: "userFills", user: ALICE }); // 20 + floor(45 / 20) = 22
    await info(url, { type: "userFillsByTime", user: ALICE, startTime: 0 }); // 22 again
    await info(url, { type: "portfolio", user: ALICE }); // 20 (no per-item surcharge)
    expect(trades).toHaveLength(10);
    expect(fills).toHaveLength(45);

    sim.setFaults({ rate429: 1 });
    expect((await postInfo(url, { type: "clearinghouseState", user: ALICE })).status).toBe(429); // 2: asked is charged
    expect((await postInfo(url, { type: "nonsense" })).status).toBe(429); // unknown type: not charged

    const stats = sim.stats();
    expect(stats.weightByType).toEqual({
      clearinghouseState: 4,
      allMids: 2,
      meta: 20,
      recentTrades: 20,
      userFills: 22,
      userFillsByTime: 22,
      portfolio: 20,
    });
    expect(stats.weight).toBe(110);
    expect(stats.requests).toMatchObject({ clearinghouseState: 2, userFills: 1, nonsense: 1 });
    expect(stats.totalRequests).toBe(9);

    sim.resetStats();
    expect(sim.stats()).toMatchObject({ totalRequests: 0, weight: 0, requests: {} });
  });
});
