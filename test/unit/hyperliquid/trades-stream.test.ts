import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { RecentTrade } from "#domain/exchange.js";
import { ConfigError } from "#commons/errors.js";
import { StreamSubscriptionLimitError } from "#hyperliquid/errors.js";
import {
  type StreamGap,
  type StreamState,
  type TradesStream,
  type TradesStreamOptions,
  openTradesStream,
  streamUrlFrom,
} from "#hyperliquid/trades-stream.js";
import { recordingLogger } from "../../support/logger.js";
import { eventually } from "../../support/wait.js";
import { type FakeVenue, type VenueOptions, startFakeVenue, trade } from "./fake-venue-ws.js";

/**
 * The trades stream against a venue on a real socket (fake-venue-ws.ts), with its timers shrunk to
 * tens of milliseconds: what the listener relies on is that trades arrive validated, the
 * connection survives the venue's idle rule and its drops, and a drop is reported as a gap.
 */

const venues: FakeVenue[] = [];
const streams: TradesStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
  await Promise.all(venues.splice(0).map((v) => v.close()));
});

interface Opened {
  venue: FakeVenue;
  stream: TradesStream;
  batches: RecentTrade[][];
  states: StreamState[];
  gaps: StreamGap[];
  log: ReturnType<typeof recordingLogger>;
}

const open = async (
  venueOptions: VenueOptions,
  options: Partial<TradesStreamOptions> & Pick<TradesStreamOptions, "coins">,
): Promise<Opened> => {
  const venue = await startFakeVenue(venueOptions);
  venues.push(venue);
  const batches: RecentTrade[][] = [];
  const states: StreamState[] = [];
  const gaps: StreamGap[] = [];
  const log = recordingLogger();
  const stream = openTradesStream({
    url: venue.url,
    onTrades: (t) => batches.push(t),
    onState: (s) => states.push(s),
    onGap: (g) => gaps.push(g),
    logger: log.logger,
    pingAfterMs: 10_000,
    staleAfterMs: 20_000,
    ...options,
  });
  streams.push(stream);
  return { venue, stream, batches, states, gaps, log };
};

const sent = (venue: FakeVenue, method: string, connection?: number): string[] =>
  (connection === undefined ? venue.received() : (venue.connections[connection]?.received ?? []))
    .filter((r) => r.msg.method === method)
    .map((r) => r.msg.subscription?.coin ?? "");

describe("trades stream", () => {
  it("subscribes each coin once and is ready when every one is acknowledged", async () => {
    const { venue, stream, states } = await open({ ackDelayMs: 30 }, { coins: ["BTC", "ETH", "SOL"] });
    await eventually(() => sent(venue, "subscribe").length === 3, { intervalMs: 5 });
    expect(stream.stats().pending).toBe(3);
    await stream.ready();
    expect(sent(venue, "subscribe").sort()).toEqual(["BTC", "ETH", "SOL"]);
    expect(stream.stats()).toMatchObject({ state: "connected", subscribed: 3, pending: 0, reconnects: 0 });
    expect(states.map((s) => s.state)).toEqual(["connected"]);
  });

  it("hands over validated trades and skips what does not read, on the same connection", async () => {
    const { venue, stream, batches, log } = await open({}, { coins: ["BTC"] });
    await stream.ready();
    venue.sendRaw("not json");
    venue.send({ channel: "trades", data: "nope" });
    venue.send({ channel: "trades", data: [trade({ tid: 1 }), trade({ tid: 2, px: 65000.5 }), trade({ tid: 3, users: ["0x1", "0x2"] })] });
    venue.send({ channel: "somethingNew", data: {} });
    venue.send({ channel: "trades", data: [trade({ tid: 4, side: "A" })] });
    await eventually(() => stream.stats().trades === 2, { intervalMs: 5 });

    expect(batches.map((b) => b.map((t) => t.tid))).toEqual([[1], [4]]);
    expect(batches[0]?.[0]).toEqual({ ...trade({ tid: 1 }), users: ["0x" + "a".repeat(40), "0x" + "b".repeat(40)] });
    expect(stream.stats()).toMatchObject({ malformed: 4, messages: 6, reconnects: 0 });
    expect(venue.connections).toHaveLength(1);
    expect(log.entries.filter((e) => e.level === "warn").length).toBeGreaterThan(0);
  });

  it("pings when quiet, so a venue that closes silent connections keeps this one", async () => {
    const { venue, stream } = await open({ closeAfterSilenceMs: 200 }, { coins: ["BTC"], pingAfterMs: 60, staleAfterMs: 500 });
    await stream.ready();
    await sleep(700);
    expect(venue.connections).toHaveLength(1);
    expect(venue.connections[0]?.closedForSilence).toBe(false);
    expect(sent(venue, "ping").length).toBeGreaterThanOrEqual(5);
    expect(stream.stats()).toMatchObject({ state: "connected", reconnects: 0 });
  });

  it("without pings that venue does close it, and the stream connects and subscribes again", async () => {
    const { venue, stream, states } = await open(
      { closeAfterSilenceMs: 100 },
      { coins: ["BTC"], pingAfterMs: 5_000, backoff: { initialMs: 20, maxMs: 20 } },
    );
    await eventually(() => venue.connections.length === 2 && sent(venue, "subscribe", 1).length === 1, { intervalMs: 5 });
    expect(venue.connections[0]?.closedForSilence).toBe(true);
    expect(states.find((s) => s.state === "reconnecting")?.reason).toBe("closed by the server (code 1000: idle)");
    await stream.ready();
  });

  it("treats a venue that has gone silent as dead and reconnects", async () => {
    const { venue, states } = await open(
      { pong: false },
      { coins: ["BTC"], pingAfterMs: 40, staleAfterMs: 150, backoff: { initialMs: 10, maxMs: 10 } },
    );
    await eventually(() => venue.connections.length >= 2, { intervalMs: 5 });
    const [first, second] = venue.connections;
    expect(sent(venue, "ping", 0).length).toBeGreaterThanOrEqual(2);
    // Dead 150 ms after the last frame it had (the ack), not before.
    const lastAck = first?.received.find((r) => r.msg.method === "subscribe")?.at ?? 0;
    expect((second?.openedAt ?? 0) - lastAck).toBeGreaterThanOrEqual(145);
    expect(states.find((s) => s.state === "reconnecting")?.reason).toMatch(/^stale: nothing received for \d+ ms$/);
    await eventually(() => sent(venue, "subscribe", 1).length === 1, { intervalMs: 5 });
  });

  it("backs off exponentially up to the cap, with the injected jitter", async () => {
    const draws = [0.99, 0.99, 0.99, 0.99, 0.5];
    let n = 0;
    const { venue, stream, states } = await open(
      { onConnection: (c) => ++n <= 5 && c.ws.terminate() },
      { coins: ["BTC"], random: () => draws.shift() ?? 0, backoff: { initialMs: 40, maxMs: 200 } },
    );
    await stream.ready();
    const waits = states.filter((s) => s.state === "reconnecting").map((s) => s.retryInMs ?? -1);
    // Caps 40, 80, 160, 200, 200 times the draws.
    expect(waits).toEqual([39, 79, 158, 198, 100]);
    expect(states.filter((s) => s.state === "reconnecting").map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5]);
    const opened = venue.connections.map((c) => c.openedAt);
    waits.forEach((w, i) => expect((opened[i + 1] ?? 0) - (opened[i] ?? 0)).toBeGreaterThanOrEqual(w - 2));
    expect(stream.stats().reconnects).toBe(5);
  });

  it("starts the backoff over after a connection that held", async () => {
    let n = 0;
    const { venue, states } = await open(
      // The first connection dropped at once, the second after it held 150 ms.
      { onConnection: (c) => (++n === 1 ? c.ws.terminate() : n === 2 && setTimeout(() => c.ws.terminate(), 150)) },
      { coins: ["BTC"], random: () => 0.99, backoff: { initialMs: 40, maxMs: 1_000, stableAfterMs: 100 } },
    );
    await eventually(() => venue.connections.length === 3, { intervalMs: 5 });
    expect(states.filter((s) => s.state === "reconnecting").map((s) => s.retryInMs)).toEqual([39, 39]);
  });

  it("after a drop it subscribes everything again and reports the gap from the last frame to the last ack", async () => {
    let n = 0;
    const { venue, stream, batches, gaps } = await open(
      // The first reconnect sends a frame but no acks and is dropped too: the gap still starts
      // before the first drop, and ends on the next connection.
      {
        onConnection: (c) => {
          if (++n !== 2) return;
          c.mute = true;
          c.ws.send(JSON.stringify({ channel: "pong" }));
          setTimeout(() => c.ws.terminate(), 40);
        },
      },
      { coins: ["BTC", "ETH"], backoff: { initialMs: 20, maxMs: 20 } },
    );
    await stream.ready();
    venue.send({ channel: "trades", data: [trade({ tid: 7 })] });
    await eventually(() => batches.length === 1, { intervalMs: 5 });
    const lastBefore = stream.stats().lastMessageAt;
    venue.connections[0]?.ws.terminate();

    await eventually(() => gaps.length === 1, { intervalMs: 5 });
    const reacked = Math.max(...(venue.connections[2]?.received.map((r) => r.at) ?? []));
    expect(sent(venue, "subscribe", 1).sort()).toEqual(["BTC", "ETH"]);
    expect(sent(venue, "subscribe", 2).sort()).toEqual(["BTC", "ETH"]);
    expect(gaps[0]?.from).toBe(lastBefore);
    expect(gaps[0]?.to).toBeGreaterThanOrEqual(reacked);
    expect(gaps[0]?.to).toBeLessThanOrEqual(Date.now());
    expect(gaps[0]?.reason).toMatch(/^closed by the server \(code 1006/);
    await stream.ready();
    venue.send({ channel: "trades", data: [trade({ tid: 8 })] });
    await eventually(() => batches.length === 2, { intervalMs: 5 });
    expect(stream.stats()).toMatchObject({ reconnects: 2, subscribed: 2 });
  });

  it("setCoins subscribes new coins and unsubscribes removed ones on the live connection", async () => {
    const { venue, stream } = await open({ ackDelayMs: 30 }, { coins: ["BTC", "ETH"], limits: { subscriptions: 3 } });
    await stream.ready();
    stream.setCoins(["ETH", "SOL"]);
    await stream.ready();
    expect(sent(venue, "unsubscribe")).toEqual(["BTC"]);
    expect([...(venue.connections[0]?.subscribed ?? [])].sort()).toEqual(["ETH", "SOL"]);

    // DOGE is dropped again before the venue answers: once it does, the stream gives it up.
    stream.setCoins(["ETH", "SOL", "DOGE"]);
    stream.setCoins(["ETH", "SOL"]);
    await eventually(() => sent(venue, "unsubscribe").includes("DOGE") && venue.connections[0]?.subscribed.size === 2, {
      intervalMs: 5,
    });
    expect(() => stream.setCoins(["A", "B", "C", "D"])).toThrow(StreamSubscriptionLimitError);
    expect(venue.connections).toHaveLength(1);
  });

  it("refuses more coins than the venue allows subscriptions", () => {
    const coins = Array.from({ length: 1_001 }, (_, i) => `C${i}`);
    expect(() => openTradesStream({ url: "ws://127.0.0.1:9/ws", coins, onTrades: () => {} })).toThrow(/1001 coins.*1000 subscriptions/);
  });

  it("drops a coin the venue refuses, says so once, and keeps the others", async () => {
    const refusal = `Invalid subscription: ${JSON.stringify({ type: "trades", coin: "NOPE" })}`;
    const { venue, stream, log } = await open({ refuse: (c) => (c === "NOPE" ? refusal : undefined) }, { coins: ["BTC", "NOPE"] });
    await stream.ready();
    stream.setCoins(["BTC", "NOPE"]);
    await stream.ready();
    expect(stream.stats()).toMatchObject({ refused: ["NOPE"], subscribed: 1, errors: 1 });
    expect(sent(venue, "subscribe")).toEqual(["BTC", "NOPE"]);
    expect(log.entries.filter((e) => e.message.includes("refused"))).toHaveLength(1);
    expect(venue.connections).toHaveLength(1);
  });

  it("close() ends the connection for good", async () => {
    const { venue, stream, states } = await open({}, { coins: ["BTC"], backoff: { initialMs: 10, maxMs: 10 } });
    await stream.ready();
    await stream.close();
    await sleep(100);
    expect(venue.connections).toHaveLength(1);
    expect(states.at(-1)?.state).toBe("closed");
    await expect(stream.ready()).rejects.toThrow(/closed/);
  });

  it("close() during a reconnect wait cancels the reconnect", async () => {
    const { venue, stream, states } = await open(
      { onConnection: (c) => c.ws.terminate() },
      { coins: ["BTC"], random: () => 0.99, backoff: { initialMs: 100, maxMs: 100 } },
    );
    const ready = stream.ready();
    await eventually(() => states.some((s) => s.state === "reconnecting"), { intervalMs: 5 });
    await stream.close();
    await expect(ready).rejects.toThrow(/closed/);
    await sleep(200);
    expect(venue.connections).toHaveLength(1);
  });

  it("never sends more messages in a window than the limit, however many coins", async () => {
    const coins = Array.from({ length: 12 }, (_, i) => `C${i}`);
    const started = Date.now();
    const { venue, stream } = await open({}, { coins, limits: { messagesPerWindow: 5, windowMs: 300 } });
    const peak = { n: 0 };
    const watch = setInterval(() => (peak.n = Math.max(peak.n, stream.stats().sentInWindow)), 5);
    await stream.ready();
    clearInterval(watch);
    // 5 at once, 5 a window later, the last 2 a window after that.
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    expect(peak.n).toBeLessThanOrEqual(5);
    const at = venue.received().map((r) => r.at);
    expect(at).toHaveLength(12);
    // Any 6 consecutive sends span a window (less what the shared event loop may shift).
    for (let i = 0; i + 5 < at.length; i++) expect((at[i + 5] ?? 0) - (at[i] ?? 0)).toBeGreaterThanOrEqual(250);
  });
});

describe("streamUrlFrom", () => {
  it("derives the venue's /ws from the API URL, keeping the host and port only", () => {
    expect(streamUrlFrom("https://api.hyperliquid.xyz")).toBe("wss://api.hyperliquid.xyz/ws");
    expect(streamUrlFrom("https://api.hyperliquid.xyz/info?x=1")).toBe("wss://api.hyperliquid.xyz/ws");
    expect(streamUrlFrom("http://127.0.0.1:8787/some/path")).toBe("ws://127.0.0.1:8787/ws");
    expect(streamUrlFrom("https://api.example.com:443/")).toBe("wss://api.example.com/ws");
  });

  it("takes a ws:// or wss:// override as given, and refuses anything else", () => {
    expect(streamUrlFrom("https://api.hyperliquid.xyz", "ws://localhost:9000/feed")).toBe("ws://localhost:9000/feed");
    expect(streamUrlFrom("https://api.hyperliquid.xyz", " wss://stream.example.com/ws ")).toBe("wss://stream.example.com/ws");
    expect(streamUrlFrom("https://api.hyperliquid.xyz", "  ")).toBe("wss://api.hyperliquid.xyz/ws");
    expect(() => streamUrlFrom("https://api.hyperliquid.xyz", "https://api.hyperliquid.xyz/ws")).toThrow(ConfigError);
    expect(() => streamUrlFrom("ftp://api.hyperliquid.xyz")).toThrow(ConfigError);
    expect(() => streamUrlFrom("not a url")).toThrow(ConfigError);
  });
});
