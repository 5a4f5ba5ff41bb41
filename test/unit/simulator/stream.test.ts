import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createSimulator, type Simulator, type SimulatorOptions, type WireTrade } from "#simulator/index.js";
import { eventually } from "../../support/wait.js";
import { info } from "./http.js";
import { openFeed, refusal, subscribe, subscribeMessage, unsubscribeMessage, type FeedClient } from "./ws.js";

/**
 * The simulator's WebSocket, spoken to over real sockets as the exchange's own: `trades`
 * subscriptions, trades pushed as they happen, heartbeats, the per-IP rules, and the controls
 * tests use to cut the feed.
 */

const TAKER = "0x00000000000000000000000000000000000000a1";
const MAKERS = [
  "0x00000000000000000000000000000000000000b1",
  "0x00000000000000000000000000000000000000b2",
  "0x00000000000000000000000000000000000000b3",
];

let sim: Simulator;
const feeds: FeedClient[] = [];

const start = async (opts: SimulatorOptions = {}): Promise<Simulator> => {
  sim = createSimulator({ seed: 3, ...opts });
  await sim.start();
  return sim;
};

const feed = async (): Promise<FeedClient> => {
  const f = await openFeed(sim.wsUrl);
  feeds.push(f);
  return f;
};

/** Once the server has seen connections open or close (it hears of a close after the client may). */
const connections = (n: number) =>
  eventually(() => sim.streamStats().connections === n, { timeoutMs: 2_000, intervalMs: 10, what: `${n} connections` });

/** Everything the server sent before this returns has been read: it answers in order. */
const pong = async (f: FeedClient): Promise<void> => {
  f.send({ method: "ping" });
  expect(await f.next()).toEqual({ channel: "pong" });
};

afterEach(async () => {
  for (const f of feeds.splice(0)) f.ws.terminate();
  await sim.stop();
});

describe("subscribing to trades", () => {
  it("acks with the request echoed, then sends the coin's recent trades as recentTrades has them", async () => {
    await start();
    sim.execute({ user: TAKER, coin: "BTC", size: "0.01", px: "104000" });
    sim.advance(1_000);
    sim.execute({ user: TAKER, coin: "BTC", size: "-0.02", px: "104100" });
    const f = await feed();
    f.send(subscribeMessage("BTC"));
    expect(await f.next()).toEqual({
      channel: "subscriptionResponse",
      data: { method: "subscribe", subscription: { type: "trades", coin: "BTC" } },
    });
    const snapshot = await f.next();
    expect(snapshot.channel).toBe("trades");
    expect(JSON.stringify(snapshot.data)).toBe(JSON.stringify(await info(sim.url, { type: "recentTrades", coin: "BTC" })));
    expect(sim.streamStats()).toMatchObject({ connections: 1, subscriptions: 1, snapshots: 1 });
  });

  it("pushes a trade executed through sim.execute at once, in recentTrades' exact wire form", async () => {
    await start();
    const f = await feed();
    expect(await subscribe(f, "ETH")).toEqual([]);
    sim.execute({ user: TAKER, coin: "ETH", size: "0.5", px: "3521.4" });
    // Sent before anything else runs: by the next microtask the message has left.
    await Promise.resolve();
    expect(sim.streamStats()).toMatchObject({ messagesPushed: 1, tradesPushed: 1 });
    const pushed = await f.next();
    expect(pushed.channel).toBe("trades");
    const [recent] = await info<WireTrade[]>(sim.url, { type: "recentTrades", coin: "ETH" });
    expect(JSON.stringify(pushed.data)).toBe(JSON.stringify([recent]));
    expect(recent?.users).toEqual([TAKER, sim.marketMaker]);
  });

  it("sends one order's fills against several makers in one message, in the order they happened", async () => {
    await start();
    const f = await feed();
    await subscribe(f, "SOL");
    const time = sim.now();
    const fills = MAKERS.map((maker, i) =>
      sim.execute({ user: TAKER, coin: "SOL", size: "1", px: String(171 + i), counterparty: maker, oid: 42, time }),
    );
    const pushed = await f.next();
    expect(pushed.data).toEqual(fills.map((r) => r.trade));
    await pong(f); // and nothing else came
    expect(sim.streamStats()).toMatchObject({ messagesPushed: 1, tradesPushed: 3 });
  });

  it("sends trades of other times and other coins as messages of their own, only to their subscribers", async () => {
    await start();
    const both = await feed();
    const onlyEth = await feed();
    await subscribe(both, "BTC");
    await subscribe(both, "ETH");
    await subscribe(onlyEth, "ETH");
    const btc = sim.execute({ user: TAKER, coin: "BTC", size: "0.01", px: "104000" });
    const eth1 = sim.execute({ user: TAKER, coin: "ETH", size: "0.1", px: "3500" });
    sim.advance(1);
    const eth2 = sim.execute({ user: TAKER, coin: "ETH", size: "0.1", px: "3501" });
    expect([await both.next(), await both.next(), await both.next()]).toEqual([
      { channel: "trades", data: [btc.trade] },
      { channel: "trades", data: [eth1.trade] },
      { channel: "trades", data: [eth2.trade] },
    ]);
    expect([await onlyEth.next(), await onlyEth.next()]).toEqual([
      { channel: "trades", data: [eth1.trade] },
      { channel: "trades", data: [eth2.trade] },
    ]);
    await pong(onlyEth);
  });

  it("sends what happened at one time as one message per coin, however the coins interleave", async () => {
    await start();
    const f = await feed();
    await subscribe(f, "BTC");
    await subscribe(f, "ETH");
    const time = sim.now();
    const btc1 = sim.execute({ user: TAKER, coin: "BTC", size: "0.01", px: "104000", time });
    const eth = sim.execute({ user: TAKER, coin: "ETH", size: "0.1", px: "3500", time });
    const btc2 = sim.execute({ user: TAKER, coin: "BTC", size: "0.01", px: "104001", time });
    expect([await f.next(), await f.next()]).toEqual([
      { channel: "trades", data: [btc1.trade, btc2.trade] },
      { channel: "trades", data: [eth.trade] },
    ]);
    await pong(f);
  });

  it("pushes the crowd's trades too", async () => {
    await start();
    sim.populate(5);
    const f = await feed();
    for (const coin of sim.coins()) await subscribe(f, coin);
    const results = sim.randomActivity(8);
    const pushed: unknown[] = [];
    while (pushed.length < results.length) pushed.push(...((await f.next()).data as unknown[]));
    expect(pushed).toEqual(results.map((r) => r.trade));
  });

  it("stops pushing a coin once unsubscribed", async () => {
    await start();
    const f = await feed();
    await subscribe(f, "BTC");
    f.send(unsubscribeMessage("BTC"));
    expect(await f.next()).toEqual({
      channel: "subscriptionResponse",
      data: { method: "unsubscribe", subscription: { type: "trades", coin: "BTC" } },
    });
    sim.execute({ user: TAKER, coin: "BTC", size: "0.01", px: "104000" });
    await pong(f);
    expect(sim.streamStats()).toMatchObject({ subscriptions: 0, messagesPushed: 0 });
  });
});

describe("answers on the error channel, the connection kept", () => {
  it("bad JSON, an unknown type, an unknown coin, a duplicate and a needless unsubscribe", async () => {
    await start();
    const f = await feed();
    const asked = ['{"method":"subscribe"', '{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}'];
    for (const text of asked) {
      f.send(text);
      expect(await f.next()).toEqual({ channel: "error", data: `Error parsing JSON into valid websocket request: ${text}` });
    }
    f.send(subscribeMessage("NOPE"));
    expect(await f.next()).toEqual({ channel: "error", data: 'Invalid subscription: {"type":"trades","coin":"NOPE"}' });
    await subscribe(f, "BTC");
    f.send(subscribeMessage("BTC"));
    expect(await f.next()).toEqual({ channel: "error", data: 'Already subscribed: {"type":"trades","coin":"BTC"}' });
    f.send(unsubscribeMessage("ETH"));
    expect(await f.next()).toEqual({ channel: "error", data: 'Already unsubscribed: {"type":"trades","coin":"ETH"}' });
    await pong(f);
    expect(sim.streamStats()).toMatchObject({ connections: 1, subscriptions: 1, errors: 5 });
  });

  it("refuses an upgrade on any path but /ws with 404", async () => {
    await start();
    expect(await refusal(`${sim.url.replace("http", "ws")}/info`)).toEqual({ status: 404 });
  });
});

describe("heartbeats and idle connections", () => {
  it("closes a connection that sent nothing for streamIdleTimeoutMs, keeps one that pings", async () => {
    await start({ streamIdleTimeoutMs: 300 });
    const quiet = await feed();
    const pinging = await feed();
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      await pong(pinging);
    }
    const { code } = await quiet.closed;
    expect(code).toBe(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(pinging.ws.readyState).toBe(pinging.ws.OPEN);
    await connections(1);
    expect(sim.streamStats()).toMatchObject({ connections: 1, idleCloses: 1 });
  });
});

describe("controls for tests", () => {
  it("dropStreamConnections cuts every connection with no close frame", async () => {
    await start();
    const a = await feed();
    const b = await feed();
    await subscribe(a, "BTC");
    expect(sim.dropStreamConnections()).toBe(2);
    expect((await a.closed).code).toBe(1006);
    expect((await b.closed).code).toBe(1006);
    await connections(0);
    expect(sim.streamStats()).toMatchObject({ connections: 0, subscriptions: 0, drops: 2 });
  });

  it("pauseStream refuses new connections for a while, then lets them in", async () => {
    await start();
    sim.pauseStream(300);
    expect((await refusal(sim.wsUrl)).error).toBeDefined();
    await sleep(350);
    const f = await feed();
    await pong(f);
    expect(sim.streamStats()).toMatchObject({ connections: 1, refusedWhilePaused: 1 });
  });

  it("stop() ends the open connections", async () => {
    await start();
    const f = await feed();
    await sim.stop();
    expect((await f.closed).code).toBe(1006);
    await start(); // afterEach stops this one
  });
});

describe("the exchange's per-IP rules", () => {
  it("answers the 11th connection from one IP with 429", async () => {
    await start();
    for (let i = 0; i < 10; i++) await feed();
    expect(await refusal(sim.wsUrl)).toEqual({ status: 429 });
    expect(sim.streamStats()).toMatchObject({ connections: 10, limitRefusals: { connections: 1 } });
  });

  it("answers the 31st new connection within a minute with 429, open ones or not", async () => {
    await start();
    for (let i = 0; i < 30; i++) (await feed()).ws.terminate();
    expect(await refusal(sim.wsUrl)).toEqual({ status: 429 });
    expect(sim.streamStats().limitRefusals.newConnections).toBe(1);
  });

  it("refuses a subscription past the IP's limit, counted across its connections", async () => {
    await start({ streamLimits: { subscriptionsPerIp: 3 } });
    const a = await feed();
    const b = await feed();
    await subscribe(a, "BTC");
    await subscribe(a, "ETH");
    await subscribe(b, "SOL");
    b.send(subscribeMessage("DOGE"));
    expect(await b.next()).toEqual({ channel: "error", data: "Cannot subscribe to more than 3 channels." });
    a.ws.terminate(); // its two subscriptions go with it
    await connections(1);
    expect(await subscribe(b, "DOGE")).toEqual([]);
    expect(sim.streamStats()).toMatchObject({ subscriptions: 2, limitRefusals: { subscriptions: 1 } });
  });

  it("answers messages past the IP's rate on the error channel and ignores them", async () => {
    await start({ streamLimits: { messagesPerMinute: 4 } });
    const f = await feed();
    for (let i = 0; i < 4; i++) await pong(f);
    f.send(subscribeMessage("BTC"));
    expect(await f.next()).toEqual({ channel: "error", data: "Cannot send more than 4 messages per minute." });
    expect(sim.streamStats()).toMatchObject({ subscriptions: 0, received: 5, limitRefusals: { messages: 1 } });
  });
});
