import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import type { PositionEvent } from "#domain/events.js";
import { encodeTrackBatch } from "#domain/messages.js";
import { newStreamStatus } from "#domain/stream-status.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import { trackTrader } from "#domain/traders.js";
import { startListener, type RunningListener } from "../support/listener.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";
import { sleep } from "../support/tracking-loop.js";
import { eventually } from "../support/wait.js";

/**
 * The trades-stream listener against the simulator's WebSocket, on the local runtime's scheduler,
 * with real tables and queue. No scheduled poll runs in these tests after the baselines, so every
 * event recorded came from the stream (or, where a test says so, from one reconciliation cycle).
 */

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const [A, B, C, D] = [addr(0xa1), addr(0xb1), addr(0xc1), addr(0xd1)];
const makers = [addr(0xe1), addr(0xe2), addr(0xe3)];

const byVersion = (events: PositionEvent[]) => events.sort((a, b) => a.version - b.version);

const setUp = async (seed: number, traders: Address[]): Promise<Pipeline> => {
  const p = await startPipeline({ seed, simRealTime: true });
  for (const t of traders) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
  // Baselines by one ordinary poll each, as the sweep takes them.
  await p.cycle();
  return p;
};

const connected = (l: RunningListener) =>
  eventually(async () => (await l.status.read())?.state === "connected", { what: "the listener connected", timeoutMs: 15_000 });

/** Waits until `address` has `n` events; returns them in version order. */
const eventsOf = (p: Pipeline, address: Address, n: number) =>
  eventually(
    async () => {
      const events = await p.events(address);
      return events.length >= n ? byVersion(events) : undefined;
    },
    { what: `${n} events of ${address}`, timeoutMs: 15_000 },
  );

const fillOf = (trade: { coin: string; px: string; sz: string; time: number; tid: number; hash: string }, side: "B" | "A") => ({
  coin: trade.coin,
  px: trade.px,
  sz: trade.sz,
  side,
  time: trade.time,
  tid: trade.tid,
  hash: trade.hash,
});

describe("live tracking from the trades stream", () => {
  let p: Pipeline;
  let l: RunningListener;
  beforeAll(async () => {
    p = await setUp(61, [A, B, C, D]);
    l = startListener(p);
    await connected(l);
  });
  afterAll(async () => {
    await l.stop();
    await p.close();
  });

  it("records every change of a trader, once and in order, with the stream's trades behind each and no scheduled poll", async () => {
    const delivered = p.delivered();
    const steps = [
      { size: "2", type: "OPEN_POSITION", szi: "2" },
      { size: "1", type: "INCREASE_POSITION", szi: "3" },
      { size: "-1.5", type: "DECREASE_POSITION", szi: "1.5" },
      { size: "-3", type: "FLIP_POSITION", szi: "-1.5" },
      { size: "1.5", type: "CLOSE_POSITION", szi: "0" },
    ];
    const tids: number[] = [];
    for (const [i, step] of steps.entries()) {
      tids.push(p.sim.execute({ user: A, coin: "ETH", size: step.size, px: String(3000 + i) }).trade.tid);
      await eventsOf(p, A, i + 1);
    }
    const events = await eventsOf(p, A, steps.length);
    expect(events.map((e) => [e.event_type, e.details.szi])).toEqual(steps.map((s) => [s.type, s.szi]));
    expect(events.map((e) => e.details.tids)).toEqual(tids.map((t) => [t]));
    for (const e of events) {
      expect(e.details.fills_source).toBe("stream");
      expect(e.details.fill_count).toBe(1);
      expect(e.details.detection_delay_ms).toBeGreaterThanOrEqual(0);
      // The stream tells no fee: none is made up.
      expect(e.details.fees).toBeNull();
    }
    expect(events[2]!.details.execution_price).toBe("3002");
    // Nothing came through the tracking queue.
    expect(p.delivered()).toBe(delivered);
  });

  it("makes one poll of an order that fills against several makers", async () => {
    let polls = 0;
    const off = p.sim.onAnswer((a) => {
      if (a.type === "clearinghouseState" && a.user?.toLowerCase() === B) polls++;
    });
    const time = Date.now();
    const sizes = ["0.5", "0.25", "0.25"];
    for (const [i, size] of sizes.entries()) {
      p.sim.execute({ user: B, coin: "BTC", size, px: String(60_000 + i), counterparty: makers[i], time, oid: 77 });
    }
    const [event] = await eventsOf(p, B, 1);
    off();
    expect(event!.event_type).toBe("OPEN_POSITION");
    expect(event!.details.szi).toBe("1");
    expect(event!.details.fill_count).toBe(3);
    expect(event!.details.execution_price).toBe("60000.75");
    expect(polls).toBe(1);
  });

  it("catches up a change made while the stream was down from the trades the exchange sends on resubscribing", async () => {
    const reconnectsBefore = (await l.status.read())!.reconnects;
    p.sim.pauseStream(2_000);
    p.sim.dropStreamConnections();
    await sleep(300);
    const { trade } = p.sim.execute({ user: C, coin: "SOL", size: "-10", px: "150" });
    const [event] = await eventsOf(p, C, 1);
    expect(event!.event_type).toBe("OPEN_POSITION");
    expect(event!.details.side).toBe("SHORT");
    expect(event!.details.tids).toEqual([trade.tid]);
    await eventually(async () => (await l.status.read())!.reconnects > reconnectsBefore, { what: "the reconnect counted" });
  });

  it("leaves a change the resubscription cannot show to the next reconciliation cycle, which records it", async () => {
    p.sim.pauseStream(2_000);
    p.sim.dropStreamConnections();
    await sleep(300);
    p.sim.execute({ user: D, coin: "SOL", size: "4", px: "151" });
    // More trades in the coin than the snapshot holds push D's out of it.
    for (let i = 0; i < 15; i++) p.sim.execute({ user: makers[i % 3]!, coin: "SOL", size: "1", px: "151" });
    await connected(l);
    await sleep(1_500);
    expect(await p.events(D)).toHaveLength(0);
    await p.cycle();
    const [event] = await eventsOf(p, D, 1);
    expect(event!.event_type).toBe("OPEN_POSITION");
    expect(event!.details.fills_source).toBe("exchange");
  });
});

describe("hand-over between listeners", () => {
  let p: Pipeline;
  let l: RunningListener;
  beforeAll(async () => {
    p = await setUp(62, [A]);
  });
  afterAll(async () => {
    await l.stop();
    await p.close();
  });

  it("records every trade exactly once across overlapping listeners, each taking over from the last", { timeout: 60_000 }, async () => {
    // Listeners live 7 s; a run every second takes over when the holder has less than 4 s left.
    l = startListener(p, { timeoutSeconds: 7, checkEverySeconds: 1 });
    await connected(l);
    const tids: number[] = [];
    let szi = 0;
    const until = Date.now() + 16_000;
    for (let i = 0; Date.now() < until; i++) {
      const size = szi >= 3 ? -2 : 1;
      szi += size;
      tids.push(p.sim.execute({ user: A, coin: "ETH", size: String(size), px: String(3000 + (i % 7)) }).trade.tid);
      await sleep(400);
    }
    await eventually(async () => (await p.events(A)).flatMap((e) => e.details.tids).length >= tids.length, {
      what: "every trade behind an event",
      timeoutMs: 15_000,
    });
    const events = byVersion(await p.events(A));
    // Several listeners listened, each one after the other took over.
    expect(l.results.filter((r) => r.listened).length).toBeGreaterThanOrEqual(2);
    // Each trade behind exactly one event, versions without a hole (a commit's events share one:
    // trades added to and reduced back within one poll are two), the last state the exchange's.
    expect(events.flatMap((e) => e.details.tids).sort()).toEqual([...tids].sort());
    const versions = [...new Set(events.map((e) => e.version))];
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(events.at(-1)!.details.szi).toBe(String(szi));
  });
});

describe("a hand-over with trades still pending", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(65, [A]);
  });
  afterAll(async () => p.close());

  it("stores the trades the leaving listener had not polled, though its successor never saw them, each behind one event", { timeout: 60_000 }, async () => {
    // The first listener lives 7 s and waits a minute before polling: A's trades are pending when it leaves.
    const first = startListener(p, { timeoutSeconds: 7, checkEverySeconds: 600, coalesceMs: 60_000 });
    const second = { current: undefined as RunningListener | undefined };
    try {
      await connected(first);
      // Opened and closed: trades that net to nothing, which no snapshot shows.
      const open = p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3000" }).trade;
      const close = p.sim.execute({ user: A, coin: "ETH", size: "-1", px: "3001" }).trade;
      // More trades in the coin than subscribing sends: the successor never sees A's.
      for (let i = 0; i < 15; i++) p.sim.execute({ user: makers[i % 3]!, coin: "ETH", size: "1", px: "3002" });
      await eventually(async () => ((await first.status.read())?.trades ?? 0) >= 17, { what: "the first listener saw the trades" });
      // A run every second takes over once the first has less than 4 s left.
      second.current = startListener(p, { checkEverySeconds: 1 });
      await eventually(() => first.results.length === 1, { what: "the first listener left", timeoutMs: 20_000 });
      // A trade only the successor sees.
      const reopen = p.sim.execute({ user: A, coin: "ETH", size: "2", px: "3003" }).trade;
      await eventually(async () => (await p.events(A)).some((e) => e.details.tids.includes(reopen.tid)), { what: "the reopen's event" });
      await p.drain();
      const events = byVersion(await p.events(A));
      expect(events.map((e) => [e.event_type, e.details.szi, e.details.tids])).toEqual([
        ["OPEN_POSITION", "1", [open.tid]],
        ["CLOSE_POSITION", "0", [close.tid]],
        ["OPEN_POSITION", "2", [reopen.tid]],
      ]);
      // The first listener stored them itself: nothing went to the tracking queue.
      expect(first.results[0]).toMatchObject({ listened: true, handedOff: 0 });
    } finally {
      await first.stop();
      await second.current?.stop();
    }
  });
});

describe("a predecessor that dies during its hand-over", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(67, [A]);
  });
  afterAll(async () => p.close());

  it("holds its successor's polls only so long, then they catch up", async () => {
    // A holder alive by its heartbeat, 2 s from the end of its lease, that will never say it finished.
    const now = Date.now();
    const status = createDynamoStreamStatusStore(p.tables.doc, p.tables.names.state);
    expect(await status.claim({ ...newStreamStatus("died", now - 60_000, now + 2_000), state: "connected", heartbeatAt: now }, null)).toBe(true);
    const l = startListener(p, { deps: { predecessorWaitMs: 2_000 } });
    try {
      await eventually(async () => {
        const s = await l.status.read();
        return s !== null && s.listenerId !== "died" && s.state === "connected" ? s : undefined;
      }, { what: "the successor connected" });
      const { trade } = p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3000" });
      const [event] = await eventsOf(p, A, 1);
      expect(event!.details).toMatchObject({ szi: "1", tids: [trade.tid], fills_source: "stream" });
      // Polled once the wait for its predecessor was over, not before.
      const successor = (await l.status.read())!;
      expect(Date.parse(event!.timestamp) - successor.startedAt).toBeGreaterThanOrEqual(2_000);
      expect(await l.status.finished("died")).toBe(false);
    } finally {
      await l.stop();
    }
  });
});

describe("a trader handed off to the tracking queue", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(66, [B]);
  });
  afterAll(async () => p.close());

  const handOff = (tradedAt?: number) =>
    p.queuePort.sendAll([
      encodeTrackBatch({ cycle_id: "live-test", dispatched_at: Date.now(), traders: [B], ...(tradedAt !== undefined && { traded_at: new Map([[B, tradedAt]]) }) }),
    ]);

  it("has his fills fetched by the worker when the listener says when he traded, though his trades net to nothing", async () => {
    const open = p.sim.execute({ user: B, coin: "BTC", size: "0.1", px: "60000" }).trade;
    const close = p.sim.execute({ user: B, coin: "BTC", size: "-0.1", px: "60010" }).trade;
    await handOff(close.time);
    await p.drain();
    const events = byVersion(await p.events(B));
    expect(events.map((e) => [e.event_type, e.details.tids, e.details.fills_source])).toEqual([
      ["OPEN_POSITION", [open.tid], "exchange"],
      ["CLOSE_POSITION", [close.tid], "exchange"],
    ]);
    // Handed off again with the same time (a redelivery): already stored, nothing new.
    await handOff(close.time);
    await p.drain();
    expect(await p.events(B)).toHaveLength(2);
    // Without it, a poll sees the same flat account it stored, and has no reason to fetch fills.
    p.sim.execute({ user: B, coin: "BTC", size: "0.1", px: "60000" });
    p.sim.execute({ user: B, coin: "BTC", size: "-0.1", px: "60010" });
    await handOff();
    await p.drain();
    expect(await p.events(B)).toHaveLength(2);
  });
});

describe("a live poll that fails", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(67, [C]);
  });
  afterAll(async () => p.close());
  const hint = async () => (await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: C } }))).Item!.traded_at;
  const fillsAsked = () => p.sim.stats().requests.userFillsByTime ?? 0;

  it("keeps the time of the trades it was asked about, so that the next sweep fetches them though they net to nothing", async () => {
    const open = p.sim.execute({ user: C, coin: "ETH", size: "1", px: "3000" }).trade;
    const close = p.sim.execute({ user: C, coin: "ETH", size: "-1", px: "3002" }).trade;
    // The exchange answers his requests malformed: the poll fails for good, nothing is stored.
    p.sim.setFaults({ malformedUsers: [C] });
    const [failed] = await p.trackLive([C], { fills: new Map([[C, [fillOf(open, "B"), fillOf(close, "A")]]]), final: true });
    expect(failed!.status).toBe("invalid");
    expect(await p.events(C)).toHaveLength(0);
    expect(await hint()).toBe(close.time);
    // A failed poll that knew only of the older trade keeps the newer time.
    await p.trackLive([C], { fills: new Map([[C, [fillOf(open, "B")]]]), final: true });
    expect(await hint()).toBe(close.time);
    p.sim.setFaults({});
    // An ordinary sweep, told nothing of the trades: his account is as flat as stored.
    await p.cycle();
    const events = byVersion(await p.events(C));
    expect(events.map((e) => [e.event_type, e.details.tids, e.details.fills_source])).toEqual([
      ["OPEN_POSITION", [open.tid], "exchange"],
      ["CLOSE_POSITION", [close.tid], "exchange"],
    ]);
    // Served: the hint is gone, and the next sweep has nothing to fetch.
    expect(await hint()).toBeUndefined();
    const before = fillsAsked();
    await p.cycle();
    expect(await p.events(C)).toHaveLength(2);
    expect(fillsAsked()).toBe(before);
  });

  it("has its hint served once, though a later poll stored the same trades from the stream", async () => {
    const { trade } = p.sim.execute({ user: C, coin: "ETH", size: "1", px: "3000" });
    const shown = new Map([[C, [fillOf(trade, "B")]]]);
    p.sim.setFaults({ malformedUsers: [C] });
    expect((await p.trackLive([C], { fills: shown, final: false }))[0]!.status).toBe("invalid");
    p.sim.setFaults({});
    // Retried, it stores the trade from the stream: as of that trade's time, the hint's own.
    expect((await p.trackLive([C], { fills: shown, final: false }))[0]!.status).toBe("changed");
    expect(await hint()).toBe(trade.time);
    // The next sweep fetches his fills once (the state may lack some of that millisecond), finds
    // nothing new, and forgets the hint; the one after fetches nothing.
    const before = fillsAsked();
    await p.cycle();
    expect(fillsAsked()).toBe(before + 1);
    expect(await hint()).toBeUndefined();
    await p.cycle();
    expect(fillsAsked()).toBe(before + 1);
    expect(byVersion(await p.events(C)).map((e) => e.event_type)).toEqual(["OPEN_POSITION", "CLOSE_POSITION", "OPEN_POSITION"]);
  });
});

describe("a hand-off the queue refuses", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(68, [D]);
  });
  afterAll(async () => p.close());

  it("keeps each trader's newest trade on him, so that the sweep fetches his fills though they net to nothing", async () => {
    // Every live poll fails, and the queue is out of reach: the tracker must hand him off, and cannot.
    const l = startListener(p, {
      deps: {
        track: async (addresses) => addresses.map((address) => ({ address, status: "failed" as const, events: [], error: "DynamoDB throttled" })),
        requeue: { sendAll: async () => Promise.reject(new Error("SQS is unreachable")) },
      },
    });
    try {
      await connected(l);
      const open = p.sim.execute({ user: D, coin: "BTC", size: "0.1", px: "60000" }).trade;
      const close = p.sim.execute({ user: D, coin: "BTC", size: "-0.1", px: "60010" }).trade;
      const item = async () => (await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: D } }))).Item!;
      await eventually(async () => (await item()).traded_at === close.time, { what: "his newest trade's time kept on him", timeoutMs: 15_000 });
      await l.stop();
      // The sweep, told nothing else: his account is as flat as stored.
      await p.cycle();
      const events = byVersion(await p.events(D));
      expect(events.map((e) => [e.event_type, e.details.tids])).toEqual([
        ["OPEN_POSITION", [open.tid]],
        ["CLOSE_POSITION", [close.tid]],
      ]);
    } finally {
      await l.stop();
    }
  });
});

describe("a listener restart", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(64, [A, B]);
  });
  afterAll(async () => p.close());

  it("catches up, from what subscribing sends, a trade made while no listener ran", async () => {
    const first = startListener(p);
    await connected(first);
    p.sim.execute({ user: B, coin: "ETH", size: "1", px: "3000" });
    await eventsOf(p, B, 1);
    // A deploy: the listener stops (its successor is not up yet) and A trades meanwhile.
    await first.stop();
    expect((await first.status.read())!.state).toBe("stopped");
    const { trade } = p.sim.execute({ user: A, coin: "ETH", size: "-1", px: "3001" });
    await sleep(500);
    const second = startListener(p);
    try {
      const [event] = await eventsOf(p, A, 1);
      expect(event!.details).toMatchObject({ szi: "-1", fills_source: "stream", tids: [trade.tid] });
      expect(await p.events(B)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe("a live poll's fills", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await setUp(63, [A]);
  });
  afterAll(async () => p.close());

  it("answers lagging while the stream's fills do not account for the snapshot, and fetches the trader's fills on the last try", async () => {
    const { trade: first } = p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3000" });
    const { trade: second } = p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3001" });
    // The stream has shown only the first trade so far.
    const shown = new Map([[A, [fillOf(first, "B")]]]);
    const [lagging] = await p.trackLive([A], { fills: shown, final: false });
    expect(lagging!.status).toBe("lagging");
    expect(await p.events(A)).toHaveLength(0);
    const [final] = await p.trackLive([A], { fills: shown, final: true });
    expect(final!.status).toBe("changed");
    const [event] = await p.events(A);
    expect(event!.details).toMatchObject({ szi: "2", fills_source: "exchange", tids: [first.tid, second.tid] });
    expect(event!.details.fees).not.toBeNull();
  });

  it("leaves out fills already in the stored state, so a late copy of a trade changes nothing", async () => {
    const { trade } = p.sim.execute({ user: A, coin: "ETH", size: "-2", px: "3002" });
    const fills = new Map([[A, [fillOf(trade, "A")]]]);
    expect((await p.trackLive([A], { fills, final: false }))[0]!.status).toBe("changed");
    // The same trade again (another listener, a resubscription's snapshot): already in the state.
    expect((await p.trackLive([A], { fills, final: false }))[0]!.status).toBe("unchanged");
    const events = byVersion(await p.events(A));
    expect(events.map((e) => e.event_type)).toEqual(["OPEN_POSITION", "CLOSE_POSITION"]);
    expect(events[1]!.details.fills_source).toBe("stream");
  });

  it("fetches only the fills since the stored snapshot after a change stored from the stream, and keeps the fills cursor where stored fills end", async () => {
    const item = async () =>
      (await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: A } }))).Item!;
    const before = await item();
    // The stream's close was stored without its fills: the cursor is behind the snapshot.
    expect(before.fills_cursor).toBeLessThan(before.as_of);
    const { trade } = p.sim.execute({ user: A, coin: "BTC", size: "0.1", px: "60000" });
    const [outcome] = await p.trackLive([A], { fills: new Map(), final: true });
    expect(outcome!.status).toBe("changed");
    const event = byVersion(await p.events(A)).at(-1)!;
    expect(event.event_type).toBe("OPEN_POSITION");
    expect(event.details).toMatchObject({ coin: "BTC", fills_source: "exchange", tids: [trade.tid] });
    const after = await item();
    expect(after.fills_cursor).toBe(before.fills_cursor);
    expect(after.as_of).toBeGreaterThan(before.as_of);
  });

  it("fetches the fills on the last try when the stream's do not explain a snapshot that shows no change (added to and reduced back at the entry price)", async () => {
    const stored = (await p.traders.trackingStates([A])).get(A)!;
    expect(stored.positions.BTC).toMatchObject({ szi: "0.1", entryPx: "60000.0" });
    const { trade: add } = p.sim.execute({ user: A, coin: "BTC", size: "0.1", px: "60000" });
    const { trade: reduce } = p.sim.execute({ user: A, coin: "BTC", size: "-0.1", px: "60000" });
    // The stream showed the reduction only (the add was its predecessor's): size and entry as stored.
    const shown = new Map([[A, [fillOf(reduce, "A")]]]);
    expect((await p.trackLive([A], { fills: shown, final: false }))[0]!.status).toBe("lagging");
    const [final] = await p.trackLive([A], { fills: shown, final: true });
    expect(final!.status).toBe("changed");
    const events = byVersion(await p.events(A)).slice(-2);
    expect(events.map((e) => [e.event_type, e.details.szi, e.details.tids, e.details.fills_source])).toEqual([
      ["INCREASE_POSITION", "0.2", [add.tid], "exchange"],
      ["DECREASE_POSITION", "0.1", [reduce.tid], "exchange"],
    ]);
  });

  it("stores a state from the stream as of its newest fill, so trades the snapshot showed before the stream delivered them still count when they come", async () => {
    const { trade: first } = p.sim.execute({ user: A, coin: "SOL", size: "1", px: "150" });
    // Later blocks: added to and reduced back, netting to nothing.
    await sleep(5);
    const { trade: add } = p.sim.execute({ user: A, coin: "SOL", size: "1", px: "151" });
    await sleep(5);
    const { trade: back } = p.sim.execute({ user: A, coin: "SOL", size: "-1", px: "152" });
    // The stream has delivered the first trade only, which explains the snapshot on its own.
    const [opened] = await p.trackLive([A], { fills: new Map([[A, [fillOf(first, "B")]]]), final: false });
    expect(opened!.events.map((e) => e.event_type)).toEqual(["OPEN_POSITION"]);
    // Then the other two arrive.
    const [later] = await p.trackLive([A], { fills: new Map([[A, [fillOf(add, "B"), fillOf(back, "A")]]]), final: false });
    expect(later!.status).toBe("changed");
    const events = byVersion(await p.events(A)).filter((e) => e.details.coin === "SOL");
    expect(events.map((e) => [e.event_type, e.details.szi, e.details.tids, e.details.fills_source])).toEqual([
      ["OPEN_POSITION", "1", [first.tid], "stream"],
      ["INCREASE_POSITION", "2", [add.tid], "stream"],
      ["DECREASE_POSITION", "1", [back.tid], "stream"],
    ]);
    // A late copy of any of them changes nothing.
    const again = new Map([[A, [fillOf(first, "B"), fillOf(add, "B"), fillOf(back, "A")]]]);
    expect((await p.trackLive([A], { fills: again, final: false }))[0]!.status).toBe("unchanged");
  });

  /** One block: an ETH buy, and a position in `coin` opened and closed, all at one time. */
  const oneBlock = async (coin: string) => {
    const time = p.sim.now() + 5;
    const { trade: eth } = p.sim.execute({ user: A, coin: "ETH", size: "1", px: "3000", time });
    const { trade: add } = p.sim.execute({ user: A, coin, size: "10", px: "21", time });
    const { trade: back } = p.sim.execute({ user: A, coin, size: "-10", px: "22", time });
    await sleep(10);
    return { eth, add, back };
  };

  it("keeps a state from the stream as of its own trades of that millisecond, so the block's other trades, delivered apart, still count", async () => {
    const { eth, add, back } = await oneBlock("AVAX");
    // The ETH trade comes first (another coin's message) and explains the snapshot on its own.
    const [first] = await p.trackLive([A], { fills: new Map([[A, [fillOf(eth, "B")]]]), final: false });
    expect(first!.events.map((e) => [e.event_type, e.details.coin])).toEqual([["OPEN_POSITION", "ETH"]]);
    // Then the AVAX ones, of the same millisecond as the state just stored.
    const [later] = await p.trackLive([A], { fills: new Map([[A, [fillOf(add, "B"), fillOf(back, "A")]]]), final: false });
    expect(later!.events.map((e) => [e.event_type, e.details.coin, e.details.tids])).toEqual([
      ["OPEN_POSITION", "AVAX", [add.tid]],
      ["CLOSE_POSITION", "AVAX", [back.tid]],
    ]);
    // Any of them again changes nothing.
    const again = new Map([[A, [fillOf(eth, "B"), fillOf(add, "B"), fillOf(back, "A")]]]);
    expect((await p.trackLive([A], { fills: again, final: false }))[0]!.status).toBe("unchanged");
  });

  it("fetches a millisecond's trades a state from the stream lacks, on the last try", async () => {
    const { eth, add, back } = await oneBlock("LTC");
    expect((await p.trackLive([A], { fills: new Map([[A, [fillOf(eth, "B")]]]), final: false }))[0]!.status).toBe("changed");
    // A poll that knows only that he traded at that time (a listener's hand-off) fetches them.
    const [fetched] = await p.trackLive([A], { fills: new Map([[A, [fillOf(back, "A")]]]), final: true });
    expect(fetched!.events.map((e) => [e.event_type, e.details.coin, e.details.tids, e.details.fills_source])).toEqual([
      ["OPEN_POSITION", "LTC", [add.tid], "exchange"],
      ["CLOSE_POSITION", "LTC", [back.tid], "exchange"],
    ]);
  });
});
