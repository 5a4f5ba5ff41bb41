import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import type { PositionEvent } from "#domain/events.js";
import { syncTraderHistory } from "#domain/history/sync.js";
import { trackTrader } from "#domain/traders.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLiquidationMarker } from "#store/dynamo/liquidations.js";
import { startListener, type RunningListener } from "../support/listener.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { eventually } from "../support/wait.js";

/**
 * Events told by the fills behind a change (functions/domain/fill-sequence.ts), end to end:
 * dispatcher → SQS → worker → DynamoDB Local against the simulator, and live tracking from the
 * simulator's trades stream. What happens between two polls is scripted on the simulator.
 */
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

const shape = (events: PositionEvent[]) => events.map((e) => [e.event_type, e.details.coin, e.details.previous_szi, e.details.szi]);

describe("events between two polls, from the fills behind them", () => {
  let p: Pipeline;
  const [A, B, C, D, E] = [addr(0xa5), addr(0xb5), addr(0xc5), addr(0xd5), addr(0xe5)];
  beforeAll(async () => {
    p = await startPipeline({ seed: 15 });
    for (const [t, coin, size] of [[A, "BTC", "1"], [B, "ETH", "-2"], [C, "SOL", "10"], [D, "BTC", "0.5"], [E, "ETH", "3"]] as const) {
      p.sim.execute({ user: t, coin, size, px: coin === "BTC" ? "60000" : coin === "ETH" ? "3000" : "150" });
      await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    }
    await p.cycle(); // baselines
  });
  afterAll(async () => p.close());

  it("a close and a reopen at the same size are CLOSE then OPEN, in order, each with its own fill", async () => {
    p.sim.advance(1_000);
    const close = p.sim.execute({ user: A, coin: "BTC", size: "-1", px: "61000" });
    p.sim.advance(1_000);
    const reopen = p.sim.execute({ user: A, coin: "BTC", size: "1", px: "62000" });
    await p.cycle();
    const events = await p.events(A);
    expect(shape(events)).toEqual([
      ["CLOSE_POSITION", "BTC", "1", "0"],
      ["OPEN_POSITION", "BTC", "0", "1"],
    ]);
    const [closed, opened] = events as [PositionEvent, PositionEvent];
    // The close's own fill (its PnL is the exchange's closedPnl, 1 × (61000 − 60000)); the reopen's.
    expect(closed.details).toMatchObject({ tids: [close.fill.tid], execution_price: "61000", entry_price: "60000.0", liquidation: false });
    expect(dec(closed.details.realized_pnl!).eq(close.fill.closedPnl) && dec(close.fill.closedPnl).eq(1000)).toBe(true);
    expect(opened.details).toMatchObject({ tids: [reopen.fill.tid], execution_price: "62000", entry_price: "62000.0", realized_pnl: "0" });
    // One transition, two events with distinct ids; the first keeps the id a single event has.
    expect(closed.version).toBe(opened.version);
    expect(closed.id).toBe(`${A}-${closed.version}-BTC`);
    expect(opened.id).not.toBe(closed.id);
  });

  it("a close and a reopen on the same side are CLOSE then OPEN, not an INCREASE", async () => {
    p.sim.advance(1_000);
    p.sim.execute({ user: B, coin: "ETH", size: "2", px: "2900" });
    p.sim.advance(1_000);
    p.sim.execute({ user: B, coin: "ETH", size: "-5", px: "2950" });
    await p.cycle();
    expect(shape(await p.events(B))).toEqual([
      ["CLOSE_POSITION", "ETH", "-2", "0"],
      ["OPEN_POSITION", "ETH", "0", "-5"],
    ]);
  });

  it("a liquidation is a CLOSE marked liquidation: true; its counterparty's close is not", async () => {
    p.sim.advance(1_000);
    const { fill } = p.sim.liquidate(C, "SOL", { px: "120", counterparty: E });
    expect(fill.dir).toBe("Liquidated Cross Long");
    // E's ETH long is untouched; E bought the SOL: E's event is an ordinary OPEN.
    await p.cycle();
    const [event] = await p.events(C);
    expect(event).toMatchObject({ event_type: "CLOSE_POSITION" });
    expect(event!.details).toMatchObject({ liquidation: true, execution_price: "120", fills_source: "exchange" });
    const forE = await p.events(E);
    expect(forE.map((e) => [e.event_type, e.details.coin, e.details.liquidation])).toEqual([["OPEN_POSITION", "SOL", false]]);
  });

  it("a leverage change is stored without an event, once, and a later CLOSE reports it", async () => {
    const stored = async () => (await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: D } }))).Item!;
    const before = await stored();
    expect(before.positions.BTC.leverage).toEqual({ type: "cross", value: 20 });
    p.sim.setLeverage(D, "BTC", { type: "isolated", value: 5 });
    await p.cycle();
    const after = await stored();
    expect(after.positions.BTC.leverage).toEqual({ type: "isolated", value: 5 });
    expect(after.state_version).toBe(before.state_version + 1);
    expect(await p.events(D)).toEqual([]);
    // Nothing new: no write at all.
    await p.cycle();
    expect(await stored()).toEqual(after);

    p.sim.advance(1_000);
    p.sim.execute({ user: D, coin: "BTC", size: "-0.5", px: "61000" });
    await p.cycle();
    const [close] = await p.events(D);
    expect(close).toMatchObject({ event_type: "CLOSE_POSITION" });
    expect(close!.details).toMatchObject({ leverage: 5, leverage_type: "isolated" });
  });
});

describe("a close and a reopen delivered twice", () => {
  let p: Pipeline;
  const A = addr(0xa6);
  beforeAll(async () => {
    p = await startPipeline({ seed: 16 });
  });
  afterAll(async () => p.close());

  it("are stored once: the same message to two workers and again yields one CLOSE and one OPEN", async () => {
    p.sim.execute({ user: A, coin: "SOL", size: "10", px: "150" });
    await trackTrader(p.traders, A, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline
    p.sim.advance(1_000);
    p.sim.execute({ user: A, coin: "SOL", size: "-10", px: "151" });
    p.sim.advance(1_000);
    p.sim.execute({ user: A, coin: "SOL", size: "10", px: "152" });

    await p.dispatch();
    const message = await p.receive();
    const [r1, r2] = await Promise.all([p.worker(message), p.worker(message)]);
    const r3 = await p.worker(message);
    for (const r of [r1, r2, r3]) expect(r.batchItemFailures).toEqual([]);
    expect(shape(await p.events(A))).toEqual([
      ["CLOSE_POSITION", "SOL", "10", "0"],
      ["OPEN_POSITION", "SOL", "0", "10"],
    ]);
  });
});

describe("a close and a reopen seen on the trades stream", () => {
  let p: Pipeline;
  let l: RunningListener;
  const A = addr(0xa7);
  beforeAll(async () => {
    p = await startPipeline({ seed: 17, simRealTime: true });
    p.sim.execute({ user: A, coin: "ETH", size: "2", px: "3000" });
    await trackTrader(p.traders, A, { source: "manual", at: Date.now() });
    await p.cycle(); // baseline
    l = startListener(p);
    await eventually(async () => (await l.status.read())?.state === "connected", { what: "the listener connected", timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await l.stop();
    await p.close();
  });

  it("are CLOSE then OPEN from the stream's trades, though the one poll they make finds the same size", async () => {
    let polls = 0;
    const off = p.sim.onAnswer((a) => {
      if (a.type === "clearinghouseState" && a.user?.toLowerCase() === A) polls++;
    });
    const delivered = p.delivered();
    // Within one coalescing window: one targeted poll sees both trades.
    const close = p.sim.execute({ user: A, coin: "ETH", size: "-2", px: "3010" });
    const reopen = p.sim.execute({ user: A, coin: "ETH", size: "2", px: "3020" });
    const events = await eventually(
      async () => {
        const found = await p.events(A);
        return found.length >= 2 ? found : undefined;
      },
      { what: "two events", timeoutMs: 15_000 },
    );
    off();
    expect(shape(events)).toEqual([
      ["CLOSE_POSITION", "ETH", "2", "0"],
      ["OPEN_POSITION", "ETH", "0", "2"],
    ]);
    expect(events.map((e) => e.details.tids)).toEqual([[close.trade.tid], [reopen.trade.tid]]);
    for (const e of events) expect(e.details.fills_source).toBe("stream");
    // The stream cannot tell a liquidation from a close: said, not guessed.
    expect(events.map((e) => e.details.liquidation)).toEqual([null, false]);
    expect(polls).toBe(1);
    expect(p.delivered()).toBe(delivered);
  });

  it("a liquidation told by the stream says null, and is marked once the history sync has his own fills", async () => {
    const liquidator = addr(0x11d);
    p.sim.execute({ user: A, coin: "SOL", size: "5", px: "150" });
    const opened = await eventually(async () => ((await p.events(A)).some((e) => e.details.coin === "SOL") ? true : undefined), {
      what: "the SOL open",
      timeoutMs: 15_000,
    });
    expect(opened).toBe(true);
    const { fill } = p.sim.liquidate(A, "SOL", { px: "120", counterparty: liquidator });
    const closeOf = async () => (await p.events(A)).find((e) => e.details.coin === "SOL" && e.event_type === "CLOSE_POSITION");
    const told = await eventually(closeOf, { what: "the SOL close", timeoutMs: 15_000 });
    expect(told.details).toMatchObject({ fills_source: "stream", liquidation: null, tids: [fill.tid] });

    // The leaderboard job's history sync fetches his fills, with the exchange's dir: the event is marked.
    const store = createDynamoHistoryStore(p.tables.doc, { fills: p.tables.names.fills, state: p.tables.names.state });
    const deps = {
      exchange: p.exchange,
      store,
      fills: createDynamoFillStore(p.tables.doc, p.tables.names.fills),
      events: createDynamoLiquidationMarker(p.tables.doc, p.tables.names.events),
      now: Date.now,
    };
    await syncTraderHistory(deps, A);
    expect((await closeOf())?.details.liquidation).toBe(true);
    // Every other event is left as it was, and a second sync marks nothing again.
    expect((await p.events(A)).filter((e) => e.details.liquidation === true)).toHaveLength(1);
    await syncTraderHistory(deps, A);
    expect((await p.events(A)).filter((e) => e.details.liquidation === true)).toHaveLength(1);
  });
});
