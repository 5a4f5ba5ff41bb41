import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { BudgetSnapshot, WeightBudget } from "#domain/budget.js";
import type { Lane } from "#domain/exchange.js";
import { createWeightBudget } from "#hyperliquid/budget.js";
import { createHyperliquidClient, type HyperliquidClientOptions } from "#hyperliquid/client.js";
import { ExchangeRequestError, ExchangeSchemaError, ExchangeUnavailableError } from "#hyperliquid/errors.js";
import { loadFixture } from "../../support/fixtures.js";

/**
 * The client against a real HTTP server on 127.0.0.1 (real sockets, real timeouts), which plays
 * the exchange: each test scripts its answers.
 */

interface Reply {
  status?: number;
  /** Raw body; `json` is serialised when absent. */
  raw?: string;
  json?: unknown;
  delayMs?: number;
}

interface Seen {
  path: string;
  body: Record<string, unknown>;
  contentType: string | undefined;
}

const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Answers the n-th request with replies[n] (the last one repeats). */
const exchange = async (...replies: Reply[]) => {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString()), contentType: req.headers["content-type"] });
    const reply = replies[Math.min(seen.length, replies.length) - 1] ?? { json: null };
    if (reply.delayMs) await delay(reply.delayMs);
    if (req.socket.destroyed) return; // the client gave up (timeout)
    res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
    res.end(reply.raw ?? JSON.stringify(reply.json ?? null));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
};

/** Records what the client pays; never makes it wait. */
const recordingBudget = () => {
  const paid: { op: "take" | "charge"; lane: Lane; weight: number }[] = [];
  let backoffs = 0;
  const budget: WeightBudget = {
    take: async (lane, weight) => void paid.push({ op: "take", lane, weight }),
    tryTake: () => true,
    charge: (lane, weight) => void paid.push({ op: "charge", lane, weight }),
    backoff: () => void backoffs++,
    snapshot: () => ({ backoffs }) as BudgetSnapshot,
  };
  return { budget, paid, backoffs: () => backoffs };
};

const client = (url: string, budget: WeightBudget, over: Partial<HyperliquidClientOptions> = {}) => {
  const delays: number[] = [];
  const c = createHyperliquidClient({
    baseUrl: url,
    budget,
    timeoutMs: 2_000,
    maxRetries: 3,
    random: () => 0.5,
    sleep: async (ms) => void delays.push(ms),
    retryBaseDelayMs: 100,
    retryMaxDelayMs: 300,
    ...over,
  });
  closers.push(() => c.close());
  return { c, delays };
};

const USER = "0x5e9ee1089755c3435139848e47e6635505d5a13a";
const state2023 = loadFixture("clearinghouseState.2023-recorded.json").response;
const tracking = { lane: "tracking" as const };

describe("hyperliquid client", () => {
  it("retries a 429 (body null), backs the budget off, pays again and succeeds", async () => {
    const ex = await exchange({ status: 429, raw: "null" }, { json: state2023 });
    const b = recordingBudget();
    const { c, delays } = client(ex.url, b.budget);
    const state = await c.clearinghouseState(USER, tracking);
    expect(state.positions[0]?.szi).toBe("-0.00785");
    expect(ex.seen).toHaveLength(2);
    expect(b.backoffs()).toBe(1);
    expect(b.paid).toEqual([
      { op: "take", lane: "tracking", weight: 2 },
      { op: "take", lane: "tracking", weight: 2 },
    ]);
    expect(delays).toEqual([50]); // full jitter: random() × 100 ms for the first retry
    expect(c.stats()).toMatchObject({ requests: 2, retries: 1, http429: 1, weightByLane: { tracking: 4, discovery: 0, history: 0 } });
  });

  it("asks perpDexs (20 weight) and a builder dex's state with `dex`; the main dex's requests stay as they were", async () => {
    const perpDexs = loadFixture("perpDexs.docs-example.json").response;
    const ex = await exchange({ json: perpDexs }, { json: state2023 }, { json: state2023 }, { json: { "xyz:NVDA": "181.5" } });
    const b = recordingBudget();
    const { c } = client(ex.url, b.budget);
    expect(await c.perpDexs({ lane: "discovery" })).toEqual([{ name: "xyz", fullName: "XYZ" }]);
    await c.clearinghouseState(USER, tracking, "xyz");
    await c.clearinghouseState(USER, tracking, "");
    expect(await c.allMids({ lane: "tracking" }, "xyz")).toEqual({ "xyz:NVDA": "181.5" });
    expect(ex.seen.map((s) => s.body)).toEqual([
      { type: "perpDexs" },
      { type: "clearinghouseState", user: USER, dex: "xyz" },
      { type: "clearinghouseState", user: USER },
      { type: "allMids", dex: "xyz" },
    ]);
    expect(b.paid.map((p) => p.weight)).toEqual([20, 2, 2, 2]);
  });

  it("refuses a perpDexs answer whose dex has no usable name", async () => {
    const ex = await exchange({ json: [null, { name: "x y", fullName: "X" }] });
    const { c } = client(ex.url, recordingBudget().budget);
    await expect(c.perpDexs({ lane: "discovery" })).rejects.toBeInstanceOf(ExchangeSchemaError);
  });

  it("reads a margin mode it does not know yet and passes it on, rather than failing the trader for good", async () => {
    const answer = structuredClone(state2023) as { assetPositions: { position: { leverage: { type: string } } }[] };
    answer.assetPositions[0]!.position.leverage.type = "strictIsolated";
    const ex = await exchange({ json: answer });
    const { c } = client(ex.url, recordingBudget().budget);
    const state = await c.clearinghouseState(USER, tracking);
    expect(state.positions[0]?.leverage.type).toBe("strictIsolated");
    expect(state.positions[0]?.szi).toBe("-0.00785");
  });

  it("retries 5xx with growing, capped backoff", async () => {
    const ex = await exchange({ status: 502, raw: "bad gateway" }, { status: 503, raw: "" }, { status: 500, raw: "" }, { json: state2023 });
    const { c, delays } = client(ex.url, recordingBudget().budget, { random: () => 1 });
    await c.clearinghouseState(USER, tracking);
    expect(ex.seen).toHaveLength(4);
    expect(delays).toEqual([100, 200, 300]);
    expect(c.stats().http5xx).toBe(3);
  });

  it("gives up on a slow answer after timeoutMs and retries", async () => {
    const ex = await exchange({ json: state2023, delayMs: 3_000 }, { json: state2023 });
    const { c } = client(ex.url, recordingBudget().budget, { timeoutMs: 150 });
    const started = Date.now();
    const state = await c.clearinghouseState(USER, tracking);
    expect(state.accountValue).toBe("1182.312496");
    // undici's request timers tick at 1 s resolution: given up within timeoutMs + 1 s, not after 3 s.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(c.stats()).toMatchObject({ timeouts: 1, retries: 1, requests: 2 });
  });

  it("bounds retries and says what went wrong last", async () => {
    const ex = await exchange({ status: 500, raw: "" });
    const b = recordingBudget();
    const { c } = client(ex.url, b.budget, { maxRetries: 2 });
    const error = await c.clearinghouseState(USER, tracking).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect((error as Error).message).toBe("clearinghouseState: gave up after 3 attempt(s); last: HTTP 500");
    expect(ex.seen).toHaveLength(3);
    expect(b.paid.filter((p) => p.op === "take")).toHaveLength(3);
  });

  it("retries refused connections, bounded", async () => {
    const ex = await exchange({ json: null });
    const dead = servers.pop()!;
    dead.closeAllConnections();
    await new Promise((r) => dead.close(r));
    const { c } = client(ex.url, recordingBudget().budget, { maxRetries: 1 });
    const error = await c.perpMeta(tracking).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect((error as Error).message).toContain("connection error ECONNREFUSED");
    expect(c.stats()).toMatchObject({ requests: 2, connectionErrors: 2 });
  });

  it("fails a malformed answer at once with ExchangeSchemaError, without retrying", async () => {
    const bad = structuredClone(state2023) as { assetPositions: { position: Record<string, unknown> }[] };
    bad.assetPositions[0]!.position.szi = -0.00785;
    const ex = await exchange({ json: bad }, { raw: "<html>oops</html>" });
    const { c } = client(ex.url, recordingBudget().budget);
    const first = await c.clearinghouseState(USER, tracking).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ExchangeSchemaError);
    expect((first as Error).message).toBe(
      `clearinghouseState for ${USER}: assetPositions.0.position.szi: expected decimal string, got number`,
    );
    const second = await c.clearinghouseState(USER, tracking).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ExchangeSchemaError);
    expect((second as Error).message).toContain("body is not JSON: <html>");
    expect(ex.seen).toHaveLength(2);
    expect(c.stats()).toMatchObject({ schemaErrors: 2, retries: 0 });
  });

  it("fails other 4xx at once with the exchange's words", async () => {
    const ex = await exchange({ status: 422, raw: "Failed to deserialize the JSON body" });
    const { c } = client(ex.url, recordingBudget().budget);
    const error = await c.recentTrades("BTC", { lane: "discovery" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeRequestError);
    expect((error as Error).message).toBe("recentTrades: HTTP 422: Failed to deserialize the JSON body");
    expect(ex.seen).toHaveLength(1);
  });

  it("pays the base weight before and the per-item surcharge after", async () => {
    const fill = { ...(loadFixture("userFills.recorded.json").response as Record<string, unknown>[])[0], feeToken: "USDC" };
    const fills = Array.from({ length: 45 }, (_, i) => ({ ...fill, tid: 1000 - i, time: 1_700_000_000_000 + (i % 3) }));
    const trade = { coin: "ETH", side: "B", px: "3000.1", sz: "0.5", time: 1, hash: "0x01", tid: 9, users: [USER, USER] };
    const ex = await exchange({ json: fills }, { json: Array(40).fill(trade) }, { json: state2023 });
    const b = recordingBudget();
    const { c } = client(ex.url, b.budget);
    const got = await c.userFillsByTime(USER, 1_700_000_000_000, undefined, { lane: "history" });
    await c.recentTrades("ETH", { lane: "discovery" });
    await c.clearinghouseState(USER, tracking);
    expect(b.paid).toEqual([
      { op: "take", lane: "history", weight: 20 },
      { op: "charge", lane: "history", weight: 2 },
      { op: "take", lane: "discovery", weight: 20 },
      { op: "charge", lane: "discovery", weight: 2 },
      { op: "take", lane: "tracking", weight: 2 },
    ]);
    expect(c.stats().weightByLane).toEqual({ tracking: 2, discovery: 22, history: 22 });
    // Oldest first, ties by tid; the request carried no endTime.
    expect(got.map((f) => [f.time, f.tid]).slice(0, 2)).toEqual([[1_700_000_000_000, 958], [1_700_000_000_000, 961]]);
    expect(ex.seen[0]!.body).toEqual({ type: "userFillsByTime", user: USER, startTime: 1_700_000_000_000 });
  });

  it("charges the real budget, whose snapshot then shows base weight plus surcharge", async () => {
    const ex = await exchange({ json: Array(60).fill({ time: 1, hash: "0x", delta: { type: "deposit", usdc: "1.5" } }) });
    const budget = createWeightBudget({ limitPerMinute: 1_000, discoveryShare: 0.25, historyShare: 0.25 });
    const { c } = client(ex.url, budget);
    await c.userNonFundingLedgerUpdates(USER, 0);
    expect(budget.snapshot().totalByLane.history).toBe(23);
  });

  it.each([
    ["/info", ""],
    ["/", ""],
    ["", ""],
    ["/hl/info", "/hl"],
  ])("posts JSON to …/info when the base ends with %j", async (suffix, prefix) => {
    const ex = await exchange({ json: { universe: [{ name: "BTC", szDecimals: 5, maxLeverage: 50, isDelisted: true }] } });
    const { c } = client(ex.url + suffix, recordingBudget().budget);
    const assets = await c.perpMeta(tracking);
    expect(assets).toEqual([{ name: "BTC", szDecimals: 5, maxLeverage: 50, isDelisted: true }]);
    expect(ex.seen).toEqual([{ path: `${prefix}/info`, body: { type: "meta" }, contentType: "application/json" }]);
  });

  it("stops at once when the caller aborts", async () => {
    const ex = await exchange({ json: state2023, delayMs: 1_000 });
    const { c } = client(ex.url, recordingBudget().budget);
    const ac = new AbortController();
    const pending = c.clearinghouseState(USER, { lane: "tracking", signal: ac.signal }).catch((e: unknown) => e);
    await delay(50);
    ac.abort(new Error("shutting down"));
    expect(((await pending) as Error).message).toBe("shutting down");
    expect(c.stats()).toMatchObject({ retries: 0, timeouts: 0 });
  });
});
