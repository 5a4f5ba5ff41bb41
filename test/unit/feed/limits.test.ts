import { describe, expect, it } from "vitest";
import { loadConfig } from "#commons/config.js";
import { DEFAULT_FEED_LIMITS, feedLimitsFrom, takeMessage, type MessageRate } from "#domain/feed/limits.js";
import { DEFAULT_WS_LIMITS, gatewayLimitsFrom, messageBucket } from "#local/ws-limits.js";
import { shardCaps } from "#store/dynamo/connection-slots.js";

/** Sends at each of `times` (ms), carrying the bucket's state as the connection item would; which were accepted. */
const run = (times: readonly number[], rate: MessageRate): boolean[] => {
  let fullAt: number | undefined;
  return times.map((t) => {
    const r = takeMessage(fullAt, t, rate);
    if (r.accepted) fullAt = r.fullAt;
    return r.accepted;
  });
};

describe("the per-connection message rate (takeMessage)", () => {
  const rate = { messagesPerSecond: 10, burst: 20 };

  it("lets a burst through at once, then refuses", () => {
    const accepted = run(Array.from({ length: 30 }, () => 1_000), rate);
    expect(accepted.filter(Boolean)).toHaveLength(20);
    expect(accepted.slice(0, 20).every(Boolean)).toBe(true);
    expect(accepted.slice(20).some(Boolean)).toBe(false);
  });

  it("then accepts one message per interval, steadily", () => {
    const burst = Array.from({ length: 20 }, () => 0);
    // 100 ms apart after the burst: each is accepted; 50 ms apart: every other one.
    expect(run([...burst, 100, 200, 300], rate).slice(20)).toEqual([true, true, true]);
    expect(run([...burst, 100, 150, 200, 250], rate).slice(20)).toEqual([true, false, true, false]);
  });

  it("refills to the burst after idling, never beyond", () => {
    const times = [...Array.from({ length: 20 }, () => 0), ...Array.from({ length: 25 }, () => 60_000)];
    expect(run(times, rate).slice(20).filter(Boolean)).toHaveLength(20);
  });

  it("leaves the bucket as it was when it refuses", () => {
    const full = takeMessage(undefined, 0, { messagesPerSecond: 1, burst: 1 });
    expect(full).toEqual({ accepted: true, fullAt: 1_000 });
    expect(takeMessage(1_000, 500, { messagesPerSecond: 1, burst: 1 })).toEqual({ accepted: false });
    expect(takeMessage(1_000, 1_000, { messagesPerSecond: 1, burst: 1 })).toEqual({ accepted: true, fullAt: 2_000 });
  });

  it("accepts what the local gateway's in-process bucket accepts, for the same numbers", () => {
    // A client sending every 37 ms for 3 s, after a burst: both count the same messages.
    const times = [...Array.from({ length: 25 }, () => 0), ...Array.from({ length: 80 }, (_, i) => 37 * (i + 1))];
    let clock = 0;
    const bucket = messageBucket(rate, () => clock);
    const local = times.map((t) => ((clock = t), bucket.take()));
    expect(run(times, rate)).toEqual(local);
  });
});

describe("one set of limits", () => {
  it("is the settings' default, for the handlers and the local gateway alike", () => {
    expect(feedLimitsFrom(loadConfig({}))).toEqual(DEFAULT_FEED_LIMITS);
    expect(DEFAULT_WS_LIMITS).toMatchObject({ maxConnections: 10_000, maxConnectionsPerIp: 100, messagesPerSecond: 10, burst: 20 });
  });

  it("is overridden by validated settings; a cap of 0 is none", () => {
    const limits = feedLimitsFrom(loadConfig({ WS_MAX_CONNECTIONS: "0", WS_MAX_CONNECTIONS_PER_IP: "3", WS_MESSAGES_PER_SECOND: "2", WS_MESSAGE_BURST: "4" }));
    expect(limits).toMatchObject({ maxConnections: 0, maxConnectionsPerIp: 3, messagesPerSecond: 2, burst: 4 });
    expect(gatewayLimitsFrom(limits)).toEqual({ maxConnections: Number.POSITIVE_INFINITY, maxConnectionsPerIp: 3, messagesPerSecond: 2, burst: 4 });
    expect(() => loadConfig({ WS_MAX_CONNECTIONS_PER_IP: "5000" })).toThrow(/WS_MAX_CONNECTIONS_PER_IP/);
    expect(() => loadConfig({ WS_MESSAGES_PER_SECOND: "0" })).toThrow(/WS_MESSAGES_PER_SECOND/);
  });

  it("splits the total cap into shards that add up to it", () => {
    expect(shardCaps(1_000)).toEqual(Array.from({ length: 10 }, () => 100));
    expect(shardCaps(250)).toEqual([100, 100, 50]);
    expect(shardCaps(7, 3)).toEqual([3, 3, 1]);
    expect(shardCaps(5)).toEqual([5]);
  });
});
