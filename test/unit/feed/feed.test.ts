import { describe, expect, it } from "vitest";
import { fanOut, MAX_FAN_OUT_CONCURRENCY } from "#domain/feed/fan-out.js";
import { matchesFilters } from "#domain/feed/filters.js";
import { filtersOf, parseClientMessage, serverMessages, type EncodedServerMessage, type ServerMessage } from "#domain/feed/messages.js";
import { ConnectionGoneError, type FeedConnection } from "#domain/feed/ports.js";
import { tokenMatches } from "#app/feed/connections.js";
import { retryFrom } from "#local/stream-source.js";
import type { DynamoDBStreamEvent } from "aws-lambda";

const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";
const event = (over: Partial<{ trader_address: string; event_type: string; coin: string }> = {}) => ({
  trader_address: over.trader_address ?? A,
  event_type: over.event_type ?? "OPEN_POSITION",
  details: { coin: over.coin ?? "BTC" },
});

describe("client messages", () => {
  it("accepts subscribe with validated, lowercased, deduplicated filters", () => {
    const parsed = parseClientMessage(
      JSON.stringify({ action: "subscribe", traders: [A.toUpperCase().replace("0X", "0x"), A], coins: ["BTC"], event_types: ["FLIP_POSITION"] }),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.message.action !== "subscribe") throw new Error("unreachable");
    expect(filtersOf(parsed.message)).toEqual({ traders: [A], coins: ["BTC"], event_types: ["FLIP_POSITION"] });
  });

  it("drops empty lists: an empty subscribe means everything", () => {
    const parsed = parseClientMessage(JSON.stringify({ action: "subscribe", traders: [] }));
    if (!parsed.ok || parsed.message.action !== "subscribe") throw new Error("expected subscribe");
    expect(filtersOf(parsed.message)).toEqual({});
  });

  it.each([
    ["", /Empty/],
    ["not json", /not valid JSON/],
    ['{"action":"dance"}', /Invalid message/],
    ['{"action":"subscribe","traders":["0x123"]}', /traders\.0/],
    ['{"action":"subscribe","event_types":["BUY"]}', /event_types\.0/],
    ["[1,2]", /Invalid message/],
  ])("rejects %j with a message saying why", (body, why) => {
    const parsed = parseClientMessage(body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatch(why);
  });

  it("accepts ping and unsubscribe", () => {
    expect(parseClientMessage('{"action":"ping"}')).toEqual({ ok: true, message: { action: "ping" } });
    expect(parseClientMessage('{"action":"unsubscribe"}')).toEqual({ ok: true, message: { action: "unsubscribe" } });
  });

  it("server messages carry their type and an ISO-8601 timestamp", () => {
    expect(serverMessages.connection(0)).toEqual({
      type: "connection",
      message: "Connected to real-time trade feed",
      timestamp: "1970-01-01T00:00:00.000Z",
    });
    expect(serverMessages.pong(0)).toEqual({ type: "pong", timestamp: "1970-01-01T00:00:00.000Z" });
  });
});

describe("filters", () => {
  it("no filters match everything", () => {
    expect(matchesFilters(undefined, event())).toBe(true);
    expect(matchesFilters({}, event())).toBe(true);
  });
  it("combine dimensions with AND, values with OR; coins ignore case", () => {
    const f = { traders: [A, B], coins: ["btc", "ETH"], event_types: ["OPEN_POSITION" as const] };
    expect(matchesFilters(f, event())).toBe(true);
    expect(matchesFilters(f, event({ trader_address: B, coin: "ETH" }))).toBe(true);
    expect(matchesFilters(f, event({ coin: "SOL" }))).toBe(false);
    expect(matchesFilters(f, event({ event_type: "CLOSE_POSITION" }))).toBe(false);
    expect(matchesFilters({ traders: [B] }, event())).toBe(false);
  });
});

describe("fan-out", () => {
  const conns = (n: number): FeedConnection[] => Array.from({ length: n }, (_, i) => ({ connectionId: `c${i}`, connectedAt: 0 }));

  it("sends to everyone with bounded concurrency; one failure stops no one; gone ones are removed", async () => {
    let inFlight = 0;
    let peak = 0;
    const sent: string[] = [];
    const removed: string[] = [];
    const result = await fanOut(conns(120), serverMessages.pong(0), {
      concurrency: 50,
      onGone: async (id) => void removed.push(id),
      sender: {
        send: async (id: string, _m: ServerMessage) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          if (id === "c3") throw new ConnectionGoneError(id);
          if (id === "c7") throw new Error("boom");
          sent.push(id);
        },
      },
    });
    expect(peak).toBe(50);
    expect(result.sent).toBe(118);
    expect(sent).toHaveLength(118);
    expect(result.gone).toEqual(["c3"]);
    expect(removed).toEqual(["c3"]);
    expect(result.failed.map((f) => f.connectionId)).toEqual(["c7"]);
  });

  it("serializes the message once and posts the same bytes to every client", async () => {
    const message = serverMessages.tradeEvent(
      { id: "e1", trader_id: A, trader_address: A as never, timestamp: "t", event_type: "OPEN_POSITION", details: { coin: "BTC" } },
      0,
    );
    const payloads: (ServerMessage | EncodedServerMessage)[] = [];
    await fanOut(conns(5), message, { onGone: async () => undefined, sender: { send: async (_id, m) => void payloads.push(m) } });
    expect(payloads).toHaveLength(5);
    const first = payloads[0] as EncodedServerMessage;
    expect(payloads.every((p) => p === first)).toBe(true);
    expect(first.type).toBe("trade_event");
    expect(JSON.parse(new TextDecoder().decode(first.bytes))).toEqual(message);
  });

  it("caps the concurrency a caller asks for", async () => {
    let inFlight = 0;
    let peak = 0;
    await fanOut(conns(MAX_FAN_OUT_CONCURRENCY + 50), serverMessages.pong(0), {
      concurrency: 10_000,
      onGone: async () => undefined,
      sender: {
        send: async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
        },
      },
    });
    expect(peak).toBe(MAX_FAN_OUT_CONCURRENCY);
  });
});

describe("token check", () => {
  it("matches only the exact token, whatever the length", () => {
    expect(tokenMatches("s3cret", "s3cret")).toBe(true);
    expect(tokenMatches("s3cre", "s3cret")).toBe(false);
    expect(tokenMatches(undefined, "s3cret")).toBe(false);
    expect(tokenMatches("", "s3cret")).toBe(false);
  });
});

describe("stream batch item failures (local event source)", () => {
  const ev: DynamoDBStreamEvent = {
    Records: ["100", "200", "300"].map((seq) => ({ dynamodb: { SequenceNumber: seq } })),
  };
  it("retries from the lowest failed sequence number, or not at all", () => {
    expect(retryFrom(ev, { status: "succeeded", value: { batchItemFailures: [] } })).toBe(-1);
    expect(retryFrom(ev, { status: "succeeded", value: undefined })).toBe(-1);
    expect(retryFrom(ev, { status: "succeeded", value: { batchItemFailures: [{ itemIdentifier: "300" }, { itemIdentifier: "200" }] } })).toBe(1);
  });
  it("fails the whole batch for an unknown identifier, an error or a timeout", () => {
    expect(retryFrom(ev, { status: "succeeded", value: { batchItemFailures: [{ itemIdentifier: "999" }] } })).toBe(0);
    expect(retryFrom(ev, { status: "failed", error: new Error("x") })).toBe(0);
    expect(retryFrom(ev, { status: "timedOut" })).toBe(0);
  });
});
