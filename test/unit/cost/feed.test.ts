import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { estimateMonthlyCost, type CostEstimate, type CostLine } from "../../../cost/model.js";
import { PRICES } from "../../../cost/prices.js";

const byWhat = (e: CostEstimate, what: RegExp): CostLine => {
  const found = e.lines.find((l) => what.test(l.what));
  if (found === undefined) throw new Error(`no line ${String(what)}`);
  return found;
};
const fifo = (e: CostEstimate) => e.lines.filter((l) => l.price === PRICES.sqsFifoRequest);

describe("the live feed's fan-out in the cost model", () => {
  it("prices the fan-out queue at SQS's FIFO rate, apart from the tracking queue", () => {
    const e = estimateMonthlyCost({ traders: 500 });
    expect(PRICES.sqsFifoRequest).toMatchObject({ usd: "0.50", per: 1_000_000 });
    expect(fifo(e).map((l) => l.what)).toEqual([
      expect.stringMatching(/^fan-out queue \(FIFO\): SendMessageBatch per occupied shard/),
      "fan-out queue (FIFO): receive + delete per fan-out worker invocation",
      "fan-out queue (FIFO): empty long polls (5 x 3/min)",
      // Copy trading's queue is FIFO too (cost/copy.ts).
      expect.stringMatching(/^copy queue \(FIFO\): sends/),
      "copy queue (FIFO): receive + delete per copy-worker invocation",
      "copy queue (FIFO): empty long polls (5 x 3/min)",
    ]);
    for (const l of fifo(e)) expect(l.service).toBe("SQS");
  });

  it("hand check: 10 clients over 32 shards at 500 traders", () => {
    // 10 connections hashed over 32 shards occupy 32 × (1 − (31/32)^10) = 8.70 of them on average.
    const occupied = dec(32).times(dec(1).minus(dec(31).div(32).pow(10)));
    expect(Number(occupied.toFixed(2))).toBe(8.7);
    // Batches of events: one per worker message that committed a change, 20 messages a cycle of
    // 25 traders, 1 − 0.95^25 of them: 43,800 × 20 × 0.722610 = 633,006.7 → 633,007; 1,095,000 events, 1.73 a batch,
    // so one SendMessageBatch per occupied shard and batch, and one worker invocation to receive it.
    const batches = dec(43_800 * 20).times(dec(1).minus(dec("0.95").pow(25))).round(0, 1);
    expect(batches.toString()).toBe("633007");
    const e = estimateMonthlyCost({ traders: 500 });
    const perShard = batches.times(occupied);
    // Retries: 0.1% of 10,950,000 deliveries, each a send, a receive and delete, an invocation.
    const sends = byWhat(e, /^fan-out queue \(FIFO\): SendMessageBatch/).quantity;
    expect(Number(sends.minus(perShard).toFixed(0))).toBe(10_950);
    const receives = byWhat(e, /^fan-out queue \(FIFO\): receive/).quantity;
    expect(Number(receives.toFixed(0))).toBe(Number(perShard.plus(10_950).times(2).toFixed(0)));
    // The broadcaster asks every shard (32 key-only Queries, half a unit each) per batch of events,
    // whether or not it holds anyone.
    expect(byWhat(e, /^reads: broadcaster's occupied-shard Queries \(32 per batch of events\)/).quantity.toString()).toBe(String(633_007 * 16));
    // A worker invocation lists its shard: 1.15 clients of 200 bytes, half a unit.
    expect(Number(byWhat(e, /^reads: fan-out worker shard listings/).quantity.toFixed(0))).toBe(Number(perShard.div(2).toFixed(0)));
  });

  it("counts each connection's writes: the item, its welcome, and both cap slots taken and given back", () => {
    // API Gateway closes a WebSocket after 2 hours: 10 clients connect 3,650 times in 730 hours, 8 writes each.
    const e = estimateMonthlyCost({ traders: 500 });
    expect(byWhat(e, /^writes: feed connections \(3,650 a month/).quantity.toString()).toBe("29200");
    expect(byWhat(estimateMonthlyCost({ traders: 500, wsClients: 1_000 }), /^writes: feed connections/).quantity.toString()).toBe("2920000");
  });

  it("grows with the shards clients occupy, and queues nothing to a feed nobody is connected to", () => {
    const sendsWith = (input: Parameters<typeof estimateMonthlyCost>[0]) => byWhat(estimateMonthlyCost(input), /^fan-out queue \(FIFO\): SendMessageBatch/).quantity;
    const ten = sendsWith({ traders: 500 });
    // 1,000 clients fill all 32 shards: 32 / 8.70 times the messages (plus their retries).
    const many = sendsWith({ traders: 500, wsClients: 1_000, feedRetryShare: "0" });
    expect(Number(many.div(ten.minus(10_950)).toFixed(2))).toBeCloseTo(32 / 8.7, 1);
    // 64 shards: more occupied ones, and twice the broadcaster's shard Queries.
    const reads = (shards: number) => byWhat(estimateMonthlyCost({ traders: 500, feedShards: shards }), /^reads: broadcaster's/).quantity;
    expect(reads(64).div(reads(32)).toString()).toBe("2");
    const none = estimateMonthlyCost({ traders: 500, wsClients: 0 });
    expect(byWhat(none, /^fan-out queue \(FIFO\): SendMessageBatch/).quantity.toString()).toBe("0");
    expect(byWhat(none, /^fan-out worker compute/).quantity.toString()).toBe("0");
  });

  it("reads the http-api's two secrets at each cold start", () => {
    const e = estimateMonthlyCost({ traders: 500 });
    expect(byWhat(e, /^GetSecretValue at http-api cold starts/).quantity.toString()).toBe("6000");
    expect(byWhat(e, /^secrets$/).quantity.toString()).toBe("2");
  });
});
