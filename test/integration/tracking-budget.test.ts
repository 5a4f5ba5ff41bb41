import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { effectiveWeightPerMinute } from "#commons/config.js";
import type { Address } from "#domain/address.js";
import { trackBatchMessageSchema } from "#domain/messages.js";
import { trackTrader } from "#domain/traders.js";
import { createLambdaContext } from "#local/lambda-context.js";
import { baseWeight } from "#simulator/index.js";
import { EXCHANGE_WEIGHT_PER_MINUTE } from "#simulator/weight-limit.js";
import { atTheExchangeLimit, startPipeline, type Pipeline } from "../support/pipeline.js";
import { sleep, startTrackingLoop } from "../support/tracking-loop.js";

/**
 * Tracking when the weight budget, not the exchange, is the bottleneck: nothing fails for lack of
 * weight, the queue does not grow without end, and against the exchange's real rule the system
 * settles just below the limit without starving any lane.
 */

const addresses = (n: number, from = 0x100): Address[] =>
  Array.from({ length: n }, (_, i) => `0x${(from + i).toString(16).padStart(40, "0")}` as Address);

const hasBaseline = async (p: Pipeline, a: Address): Promise<boolean> => {
  const item = await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: a } }));
  return item.Item?.state_version !== undefined;
};

describe("a message the budget cannot finish in time", () => {
  let p: Pipeline;
  beforeAll(async () => {
    // 20 weight a minute (ten polls, spread over it) for fifteen traders. The message stays hidden
    // while "in flight", as under the event source.
    p = await startPipeline({ seed: 61, limitPerMinute: 20, visibilityTimeoutSeconds: 90 });
  });
  afterAll(async () => p.close());

  it("succeeds with the traders it polled and hands the rest back as a message of their own", async () => {
    const traders = addresses(15);
    for (const t of traders) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    await p.dispatch();
    const event = await p.receive();
    expect(event.Records).toHaveLength(1);
    // 17 s left in the invocation: 2 s to wait for weight, the rest kept for the work.
    const response = await p.worker(event, createLambdaContext({ functionName: "track-worker", timeoutSeconds: 17 }));
    expect(response.batchItemFailures).toEqual([]);

    const baselined = new Set<Address>();
    for (const t of traders) if (await hasBaseline(p, t)) baselined.add(t);
    expect(baselined.size).toBeGreaterThan(0);
    const handedBack = await p.receive();
    expect(handedBack.Records).toHaveLength(1);
    const message = trackBatchMessageSchema.parse(JSON.parse(handedBack.Records[0]!.body));
    const original = trackBatchMessageSchema.parse(JSON.parse(event.Records[0]!.body));
    expect(message).toMatchObject({ cycle_id: original.cycle_id, dispatched_at: original.dispatched_at, retries: 0 });
    // Exactly the traders not polled: none twice, none lost.
    expect(new Set(message.traders)).toEqual(new Set(traders.filter((t) => !baselined.has(t))));
  });
});

describe("a tick while the previous cycle is still queued", () => {
  let p: Pipeline;
  beforeAll(async () => {
    // The budget polls 10 traders an interval (as far as the dispatcher knows); 12 are tracked.
    p = await startPipeline({ seed: 62, batchSize: 5, pollsPerInterval: 10 });
  });
  afterAll(async () => p.close());

  it("is skipped while more is left than an interval's polls, so the queue does not grow without end", async () => {
    for (const t of addresses(12, 0x200)) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    expect(await p.dispatch()).toMatchObject({ messages: 3 });
    expect(await p.dispatch()).toMatchObject({ skipped: true, tradersLeft: 12 });
    await p.drain();
    expect(p.delivered()).toBe(3);
    expect(await p.dispatch()).toMatchObject({ messages: 3 });
  });
});

describe("more traders than the exchange's limit allows, against its real rule", () => {
  const LIMIT = effectiveWeightPerMinute({ HL_WEIGHT_PER_MINUTE: EXCHANGE_WEIGHT_PER_MINUTE, HL_WEIGHT_HEADROOM: 0.1 });
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline(atTheExchangeLimit(63, 30));
  });
  afterAll(async () => p.close());

  it("settles just below the limit with under 2% of requests refused, and no lane starves", { timeout: 150_000 }, async () => {
    // 600 traders every 30 s want 2,400 weight a minute: more than twice the 1,080 we plan with.
    const traders = addresses(600, 0x1000);
    for (const t of traders) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    const start = Date.now();
    const loop = startTrackingLoop(p, { intervalSeconds: 30, pollers: 4 });
    // Discovery and history ask all the time too, through the same client and budget.
    let stopLanes = false;
    const done = { discovery: 0, history: 0 };
    const lane = async (name: "discovery" | "history") => {
      while (!stopLanes) {
        await (name === "discovery" ? p.exchange.perpMeta({ lane: name }) : p.exchange.portfolio(traders[0]!, { lane: name }));
        done[name]++;
        await sleep(1_000);
      }
    };
    // They start once tracking has filled the window and has more waiting than the limit serves.
    await sleep(10_000);
    const lanes = Promise.all([lane("discovery"), lane("history")]);
    await sleep(60_000);
    stopLanes = true;
    await loop.stop();
    await lanes;

    const minute = loop.answers.filter((a) => a.at < start + 60_000);
    const refused = minute.filter((a) => a.status === 429).length;
    expect(refused / minute.length).toBeLessThan(0.02);
    const weight = (type: string | null) => (type === null ? 0 : baseWeight(type));
    const accepted = minute.filter((a) => a.status === 200);
    const spent = accepted.reduce((s, a) => s + weight(a.type), 0);
    // Just below the limit: at least 90% of what we plan with, never above the exchange's 1,200.
    expect(spent).toBeGreaterThanOrEqual(0.9 * LIMIT);
    expect(spent).toBeLessThanOrEqual(EXCHANGE_WEIGHT_PER_MINUTE);
    const tracking = accepted.filter((a) => a.type === "clearinghouseState").reduce((s, a) => s + weight(a.type), 0);
    expect(tracking / spent).toBeGreaterThanOrEqual(0.85);
    // Each lower lane got at least its floor in the minute it asked (5% of 1,080 = 54: two requests of 20).
    expect(done.discovery).toBeGreaterThanOrEqual(2);
    expect(done.history).toBeGreaterThanOrEqual(2);
  });
});
