import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveVenueDepsFromConfig } from "#app/copy/live-venue-deps.js";
import { createLiveVenue, type LiveVenueDeps } from "#app/copy/live-venue.js";
import { loadConfig } from "#commons/config.js";
import { dec } from "#commons/decimal.js";
import type { LiveFollowerConfig } from "#domain/copy/follower.js";
import type { CopyVenue, VenueOrderResult } from "#domain/copy/ports.js";
import type { WeightBudget } from "#domain/budget.js";
import { createHyperliquidClientFromConfig, type HyperliquidClient } from "#hyperliquid/client.js";
import { createWeightBudgetFromConfig } from "#hyperliquid/from-config.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { ethOrder, liveFollowerConfig } from "../support/live-follower.js";

/**
 * The live venue against the simulator's real POST /exchange and /info, wired as a process wires
 * it (liveVenueDepsFromConfig): the agent key from the process environment (`env:`), orders signed
 * and sent through the shared weight budget. Keys are generated per run; none is real.
 *
 * Expected values, by hand: ETH's mark is set to 3000, the desk fills at the mid ± 10 bps on
 * ETH's grid (szDecimals 4: at most 2 decimals), so a buy fills at 3003 and a sell at 2997; the
 * taker fee is 0.045% of the notional (the simulator's TAKER_FEE_RATE, rounded to 6 decimals).
 */

const AGENT_VAR = "LIVE_VENUE_TEST_AGENT_KEY";
const user = privateKeyToAccount(generatePrivateKey());
const agentKey = generatePrivateKey();
const agent = privateKeyToAccount(agentKey);

let sim: Simulator;
let deps: LiveVenueDeps;
let info: HyperliquidClient;
let budget: WeightBudget;
let venue: CopyVenue;

const order = ethOrder;

type Filled = Extract<VenueOrderResult, { status: "filled" | "partially_filled" }>;

/** A fill's figures compared as numbers ("3003.0" is 3003): status, size, price, then fee and closed PnL when given. */
const expectFill = (
  result: VenueOrderResult | { status: "unknown" } | undefined,
  want: { status: "filled" | "partially_filled"; size: string; px: string; fee?: string; pnl?: string },
): Filled => {
  expect(result?.status).toBe(want.status);
  if (result?.status !== "filled" && result?.status !== "partially_filled") throw new Error(`not filled: ${JSON.stringify(result)}`);
  expect(result.oid).toEqual(expect.any(Number));
  expect(dec(result.filledSize).eq(want.size), `size ${result.filledSize}`).toBe(true);
  expect(dec(result.avgPrice).eq(want.px), `price ${result.avgPrice}`).toBe(true);
  if (want.fee !== undefined) expect(dec(result.feeUsd ?? "NaN").eq(want.fee), `fee ${result.feeUsd}`).toBe(true);
  if (want.pnl !== undefined) expect(dec(result.closedPnlUsd ?? "NaN").eq(want.pnl), `pnl ${result.closedPnlUsd}`).toBe(true);
  return result;
};

/** place()'s fills come without fee and closed PnL (read later, together, by fillDetails). */
const expectPlacedFill = (result: VenueOrderResult | undefined, want: { status: "filled" | "partially_filled"; size: string; px: string }): Filled => {
  const filled = expectFill(result, want);
  expect([filled.feeUsd, filled.closedPnlUsd]).toEqual([null, null]);
  return filled;
};

/** Fee and closed PnL compared as numbers. */
const expectDetails = (details: { feeUsd: string; closedPnlUsd: string } | undefined, fee: string, pnl: string): void => {
  expect(dec(details?.feeUsd ?? "NaN").eq(fee), `fee ${details?.feeUsd}`).toBe(true);
  expect(dec(details?.closedPnlUsd ?? "NaN").eq(pnl), `pnl ${details?.closedPnlUsd}`).toBe(true);
};

/** Fills placed by the tests, with when they were sent: fillDetails reads them all at the end. */
const placed: { oid: number; sentAt: number; fee: string; pnl: string }[] = [];

const followerConfig = (extra: Partial<LiveFollowerConfig> = {}): LiveFollowerConfig => liveFollowerConfig(user.address, AGENT_VAR, extra);

const wire = (sim: Simulator) => {
  const config = loadConfig({ HYPERLIQUID_API_URL: sim.url, HYPERLIQUID_TESTNET_API_URL: sim.url, HL_MAX_RETRIES: "4" });
  const b = createWeightBudgetFromConfig(config);
  const mainnetInfo = createHyperliquidClientFromConfig(config, b);
  return { budget: b, info: mainnetInfo, deps: liveVenueDepsFromConfig(config, { mainnetInfo, budget: b }) };
};

beforeAll(async () => {
  // Wall-clock time, so the venue finds the fills it just made by time (userFillsByTime).
  sim = createSimulator({ seed: 11, realTime: true, exchange: { spreadBps: 10 } });
  await sim.start();
  sim.deposit(user.address, "100000");
  sim.setMark("ETH", "3000");
  process.env[AGENT_VAR] = agentKey;
  ({ budget, info, deps } = wire(sim));
  venue = createLiveVenue(deps, followerConfig());
});

afterAll(async () => {
  delete process.env[AGENT_VAR];
  await deps?.close?.();
  await info?.close();
  await sim?.stop();
});

describe("the live venue against the simulator's /exchange", () => {
  it("is refused while the agent is not approved, in the exchange's words, for good", async () => {
    const [result] = await venue.place([order(1, {})], {});
    expect(result).toEqual({ status: "rejected", error: `User or API Wallet ${agent.address.toLowerCase()} does not exist.`, retryable: false });
    expect(sim.positionOf(user.address, "ETH")).toBeNull();
  });

  it("buys with an approved agent: filled at the mid + 10 bps; its fee and closed PnL read from the account's fills", async () => {
    sim.approveAgent(user.address, agent.address);
    const sentAt = Date.now();
    const [result] = await venue.place([order(2, {})], {});
    const filled = expectPlacedFill(result, { status: "filled", size: "0.1", px: "3003" });
    // 0.1 × 3003 = 300.3 notional; fee 300.3 × 0.00045 = 0.135135; opening: no closed PnL.
    const details = await venue.fillDetails!([{ oid: filled.oid!, sentAt }]);
    expectDetails(details.get(filled.oid!), "0.135135", "0");
    placed.push({ oid: filled.oid!, sentAt, fee: "0.135135", pnl: "0" });
  });

  it("reads the account: the position, and equity = deposit − fee + unrealized PnL", async () => {
    sim.setMark("ETH", "3000"); // the fill moved it to 3003
    const account = await venue.account();
    expect(account.positions).toEqual({ ETH: { szi: "0.1", entryPx: "3003.0" } });
    // 100000 − 0.135135 + (3000 − 3003) × 0.1 = 99999.564865
    expect(dec(account.equityUsd).eq("99999.564865")).toBe(true);
  });

  it("sells reduce-only at the mid − 10 bps, with the closed PnL of the part it closed", async () => {
    const sentAt = Date.now();
    const [result] = await venue.place([order(3, { isBuy: false, size: "0.04", limitPrice: "2985", reduceOnly: true })], {});
    const filled = expectPlacedFill(result, { status: "filled", size: "0.04", px: "2997" });
    // (2997 − 3003) × 0.04 = −0.24 closed; fee 0.04 × 2997 × 0.00045 = 0.053946
    placed.push({ oid: filled.oid!, sentAt, fee: "0.053946", pnl: "-0.24" });
  });

  it("maps a batch's statuses one by one: a tick error, an IOC that found nothing, a reduce-only shrunk to the position", async () => {
    sim.setMark("ETH", "3000");
    const sentAt = Date.now();
    const results = await venue.place(
      [
        order(4, { limitPrice: "3015.123" }),
        order(5, { limitPrice: "2990" }), // below the 3003 the desk sells at
        order(6, { isBuy: false, size: "0.1", limitPrice: "2985", reduceOnly: true }), // 0.06 held
      ],
      {},
    );
    expect(results[0]).toEqual({ status: "rejected", error: "Price must be divisible by tick size.", retryable: false });
    expect(results[1]).toEqual({ status: "cancelled", oid: null });
    // 0.1 asked, 0.06 held: the exchange fills 0.06; (2997 − 3003) × 0.06 = −0.36; fee 0.06 × 2997 × 0.00045 = 0.080919
    const partial = expectPlacedFill(results[2], { status: "partially_filled", size: "0.06", px: "2997" });
    placed.push({ oid: partial.oid!, sentAt, fee: "0.080919", pnl: "-0.36" });
    expect(sim.positionOf(user.address, "ETH")).toBeNull();
  });

  it("reads the fee and closed PnL of every fill so far in ONE userFillsByTime, each order's own", async () => {
    const reads = sim.stats().requests.userFillsByTime ?? 0;
    const details = await venue.fillDetails!([...placed.map(({ oid, sentAt }) => ({ oid, sentAt })), { oid: 123_456_789, sentAt: Date.now() }]);
    expect((sim.stats().requests.userFillsByTime ?? 0) - reads).toBe(1);
    for (const p of placed) expectDetails(details.get(p.oid), p.fee, p.pnl);
    expect(details.has(123_456_789)).toBe(false); // no such order: absent, not zero
    expect(details.size).toBe(placed.length);
  });

  it("answers a reused cloid with what the first order did, and never trades it twice", async () => {
    const before = await venue.resolve(order(2, {}));
    const [again] = await venue.place([order(2, {})], {});
    expect(again).toEqual(before);
    expectFill(again, { status: "filled", size: "0.1", px: "3003", fee: "0.135135", pnl: "0" });
    expect(sim.positionOf(user.address, "ETH")).toBeNull();
  });

  it("resolves orders by cloid: filled, cancelled, rejected, or unknown to the exchange", async () => {
    expectFill(await venue.resolve(order(2, {})), { status: "filled", size: "0.1", px: "3003", fee: "0.135135", pnl: "0" });
    expect(await venue.resolve(order(5, {}))).toMatchObject({ status: "cancelled" });
    expect(await venue.resolve(order(4, {}))).toEqual({ status: "rejected", error: "the exchange rejected the order (tickRejected)", retryable: false });
    expect(await venue.resolve(order(999, {}))).toEqual({ status: "unknown" });
  });

  it("rides out a 429 storm on /exchange through the shared budget and its retries", async () => {
    const actions = deps.networks.mainnet.actions;
    const before = { ...actions.stats() };
    const backoffs = budget.snapshot().backoffs;
    sim.setMark("ETH", "3000");
    sim.rateLimitNext(3);
    const [result] = await venue.place([order(7, { size: "0.01" })], {});
    expectFill(result, { status: "filled", size: "0.01", px: "3003" });
    const after = actions.stats();
    expect(after.http429 - before.http429).toBe(3);
    expect(after.retries - before.retries).toBe(3);
    // Every attempt was paid for (weight 1 each), and each 429 slowed the budget down.
    expect(after.weight - before.weight).toBe(4);
    expect(budget.snapshot().backoffs - backoffs).toBe(3);
  });

  it("refuses a secret outside COPY_AGENT_SECRET_PREFIX before sending anything", async () => {
    const sent = sim.stats().requests.exchange ?? 0;
    const other = createLiveVenue(deps, followerConfig({ agentKeyRef: { source: "secretsmanager", name: "prod/admin-api-key" } }));
    const [result] = await other.place([order(8, {})], {});
    expect(result).toMatchObject({ status: "rejected", retryable: false });
    if (result?.status !== "rejected") throw new Error("not rejected");
    expect(result.error).toContain("COPY_AGENT_SECRET_PREFIX");
    expect(sim.stats().requests.exchange ?? 0).toBe(sent);
  });
});

describe("the exchange's address-based request limit", () => {
  let limited: Simulator;
  let wired: ReturnType<typeof wire>;

  beforeAll(async () => {
    // No buffer at all: the first order is past the cap (0 + 1 per USDC traded, none traded).
    limited = createSimulator({ seed: 12, realTime: true, exchange: { requestsPerAddress: 0 } });
    await limited.start();
    limited.deposit(user.address, "1000");
    limited.setMark("ETH", "3000");
    limited.approveAgent(user.address, agent.address);
    wired = wire(limited);
  });

  afterAll(async () => {
    await wired?.deps.close?.();
    await wired?.info.close();
    await limited?.stop();
  });

  it("is reported in plain words, not retried, and trades nothing", async () => {
    const v = createLiveVenue(wired.deps, followerConfig());
    const [result] = await v.place([order(1, {})], {});
    expect(result).toMatchObject({ status: "rejected", retryable: false });
    if (result?.status !== "rejected") throw new Error("not rejected");
    expect(result.error).toMatch(/^the exchange's address-based request limit is used up for this account/);
    expect(result.error).toContain("Too many cumulative requests sent (1 > 0) for cumulative volume traded $0.00.");
    expect(wired.deps.networks.mainnet.actions.stats().retries).toBe(0);
    expect(limited.positionOf(user.address, "ETH")).toBeNull();
  });
});
