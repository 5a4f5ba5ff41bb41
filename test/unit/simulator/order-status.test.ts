import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iocOrderAction, type IocOrder } from "#hyperliquid/exchange/actions.js";
import { AgentKey } from "#hyperliquid/exchange/keys.js";
import { nonceSource } from "#hyperliquid/exchange/nonce.js";
import { signExchangeRequest } from "#hyperliquid/exchange/request.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { loadFixture } from "../../support/fixtures.js";
import { info, postInfo } from "./http.js";
import { shapeDiff } from "./shape.js";

/**
 * The simulator's `orderStatus` (by oid or by cloid), the refusal of a reused cloid, the optional
 * address-based limit and the fault knobs on POST /exchange. ETH's mark is 3000 and the desk
 * fills at the mid ± 5 bps: a buy at 3001.5, so a buy limited at 3010 fills and one at 2990 cannot.
 */

const user = privateKeyToAccount(generatePrivateKey());
const agent = AgentKey.fromString(generatePrivateKey(), "test agent");
const ETH = 1; // its index in the simulator's meta
const nonces = nonceSource();

const buy = (price: string, extra: Partial<IocOrder> = {}): IocOrder => ({ asset: ETH, isBuy: true, price, size: "0.01", reduceOnly: false, ...extra });

const send = async (sim: Simulator, orders: IocOrder[]): Promise<{ status: number; body: unknown }> => {
  const request = await signExchangeRequest({ key: agent, action: iocOrderAction(orders), nonce: nonces.next(agent.address), network: "mainnet" });
  const res = await fetch(`${sim.url}/exchange`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
  return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
};

const statusesOf = (body: unknown): unknown[] => (body as { response: { data: { statuses: unknown[] } } }).response.data.statuses;

const start = async (opts: Parameters<typeof createSimulator>[0] = {}): Promise<Simulator> => {
  const sim = createSimulator({ seed: 3, ...opts });
  await sim.start();
  sim.deposit(user.address, "10000");
  sim.setMark("ETH", "3000");
  sim.approveAgent(user.address, agent.address);
  return sim;
};

describe("the simulator's orderStatus", () => {
  let sim: Simulator;
  const CLOID = `0x${"ab".repeat(16)}`;

  beforeAll(async () => {
    sim = await start();
  });

  afterAll(async () => {
    await sim.stop();
  });

  it("answers unknownOid for an order it never saw", async () => {
    expect(await info(sim.url, { type: "orderStatus", user: user.address, oid: 12345 })).toEqual({ status: "unknownOid" });
    expect(await info(sim.url, { type: "orderStatus", user: user.address, oid: CLOID })).toEqual({ status: "unknownOid" });
  });

  it("refuses an oid that is neither an order id nor a cloid, as the API's 422", async () => {
    expect((await postInfo(sim.url, { type: "orderStatus", user: user.address, oid: "0x12" })).status).toBe(422);
  });

  it("has the recorded shape for an IOC that found nothing (iocCancelRejected, nothing traded)", async () => {
    const missed = `0x${"0c".repeat(16)}`;
    const { body } = await send(sim, [buy("2990", { cloid: missed })]);
    expect(statusesOf(body)).toEqual([{ error: "Order could not immediately match against any resting orders. asset=1" }]);
    type Answer = { status: string; order: { order: Record<string, unknown> & { oid: number }; status: string } };
    const answer = await info<Answer>(sim.url, { type: "orderStatus", user: user.address, oid: missed });
    expect(answer.order.status).toBe("iocCancelRejected");
    expect(answer.order.order).toMatchObject({ coin: "ETH", side: "B", limitPx: "2990.0", sz: "0.01", origSz: "0.01", tif: "Ioc", cloid: missed });
    // The same order by the oid the exchange gave it.
    expect(await info(sim.url, { type: "orderStatus", user: user.address, oid: answer.order.order.oid })).toEqual(answer);
    // Shape against the recorded element, whose order had no cloid (null there, the cloid string here).
    const recorded = loadFixture("orderStatus.docs-shape.json");
    const withoutCloid = { ...answer, order: { ...answer.order, order: { ...answer.order.order, cloid: null } } };
    expect(shapeDiff(withoutCloid, recorded.response)).toEqual([]);
  });

  it("finds a filled order by its cloid and by its oid: nothing left of it", async () => {
    const { body } = await send(sim, [buy("3010", { cloid: CLOID })]);
    const [status] = statusesOf(body) as [{ filled: { oid: number; totalSz: string; avgPx: string } }];
    expect(status.filled).toMatchObject({ totalSz: "0.01", avgPx: "3001.5" });
    const byCloid = await info(sim.url, { type: "orderStatus", user: user.address, oid: CLOID });
    const byOid = await info(sim.url, { type: "orderStatus", user: user.address, oid: status.filled.oid });
    expect(byCloid).toEqual(byOid);
    expect(byCloid).toMatchObject({ status: "order", order: { status: "filled", order: { oid: status.filled.oid, sz: "0.0", origSz: "0.01", cloid: CLOID } } });
  });

  it("refuses a second order with a cloid the account already used, and trades nothing", async () => {
    const before = sim.positionOf(user.address, "ETH")?.szi;
    const { body } = await send(sim, [buy("3010", { cloid: CLOID.toUpperCase().replace("0X", "0x") })]);
    expect(statusesOf(body)).toEqual([{ error: `Simulator: cloid ${CLOID} was already used by this account.` }]);
    expect(sim.positionOf(user.address, "ETH")?.szi).toBe(before);
  });

  it("answers /exchange with 429 when the fault knobs say so, acting on nothing", async () => {
    const before = sim.positionOf(user.address, "ETH")?.szi;
    sim.rateLimitNext(1);
    const refused = await send(sim, [buy("3010")]);
    expect(refused).toEqual({ status: 429, body: "null" });
    expect(sim.positionOf(user.address, "ETH")?.szi).toBe(before);
  });
});

describe("the simulator's address-based request limit", () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await start({ exchange: { requestsPerAddress: 2 } });
  });

  afterAll(async () => {
    await sim.stop();
  });

  it("counts each order; past the buffer plus 1 per USDC traded, refuses the whole action in the exchange's words", async () => {
    // Two orders of one action fit the buffer of 2. The first fills 0.01 at 3000 × 1.0005 = 3001.5
    // and moves the mark there; the second at 3001.5 × 1.0005 = 3003.00075, 3003.1 on the tick
    // (5 significant figures, rounded against the taker): 30.015 + 30.031 = $60.046 traded.
    const first = await send(sim, [buy("3010"), buy("3010")]);
    expect(statusesOf(first.body)).toHaveLength(2);
    // Cap now 2 + floor(60.046) = 62; 60 more orders make 62 used: still allowed.
    const second = await send(sim, Array.from({ length: 60 }, () => buy("2990")));
    expect((second.body as { status: string }).status).toBe("ok");
    // One more makes 63 > 62.
    const third = await send(sim, [buy("3010")]);
    expect(third.body).toEqual({
      status: "err",
      response: "Too many cumulative requests sent (63 > 62) for cumulative volume traded $60.04. Place taker orders to free up 1 request per USDC traded.",
    });
  });
});
