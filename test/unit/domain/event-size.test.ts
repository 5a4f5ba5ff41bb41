import { describe, expect, it } from "vitest";
import { storedEventSchema } from "#app/feed/fan-out-message.js";
import type { Address } from "#domain/address.js";
import { buildEvent } from "#domain/events.js";
import type { Fill } from "#domain/exchange.js";
import { encodeServerMessage, MAX_FEED_MESSAGE_BYTES, serverMessages } from "#domain/feed/messages.js";
import { MAX_LISTED_TIDS } from "#domain/fills.js";
import { diffPositions } from "#domain/positions.js";
import { MAX_LIMIT } from "#api/schemas.js";

/** A synchronous Lambda's response (the HTTP API's events page) can be at most 6 MB. */
const LAMBDA_RESPONSE_BYTES = 6 * 1024 * 1024;
/** The most fills one poll or stream batch puts behind an event: userFillsByTime's 10,000 (issue 16). */
const MOST_FILLS = 10_000;

const address = "0x5e9ee1089755c3435139848e47e6635505d5a13a" as Address;
// The longest values each field can take: a 32-character builder-dex coin (the events API's coin
// filter allows no longer), 16-digit tids, prices and sizes with every decimal the exchange quotes.
const coin = "abcdefghijklmnop:ABCDEFGHIJKLMNO";
const fill = (i: number): Fill => ({
  coin, px: "123456.123456", sz: "99999.99999", side: i % 2 === 0 ? "B" : "A", time: 1_764_158_399_000 + i,
  startPosition: "-999999999.99999", dir: "Close Short", closedPnl: "-123456789.123456", hash: `0x${"f".repeat(64)}`,
  oid: Number.MAX_SAFE_INTEGER, tid: Number.MAX_SAFE_INTEGER - i, fee: "-12345.123456", feeToken: "USDC", crossed: true,
});

/** The largest event: a flip behind MOST_FILLS fills, every field at its longest. */
const worstEvent = () => {
  const [change] = diffPositions(
    { [coin]: { szi: "-999999999.99999", entryPx: "123456.123456", leverage: { type: "isolated", value: 50 } } },
    { [coin]: { szi: "999999999.99999", entryPx: "123456.123456", leverage: { type: "isolated", value: 50 } } },
  );
  const fills = Array.from({ length: MOST_FILLS }, (_, i) => fill(i));
  return buildEvent(address, Number.MAX_SAFE_INTEGER, change!, fills, Date.UTC(2026, 11, 31, 23, 59, 59, 999), "exchange", 9);
};

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe("event size", () => {
  it("lists the first and last tids of an event behind many fills, and says the list is cut", () => {
    const e = worstEvent();
    expect(e.details.fill_count).toBe(MOST_FILLS);
    expect(e.details.tids_truncated).toBe(true);
    expect(e.details.tids).toHaveLength(MAX_LISTED_TIDS);
    expect(e.details.tids[0]).toBe(Number.MAX_SAFE_INTEGER);
    expect(e.details.tids.at(-1)).toBe(Number.MAX_SAFE_INTEGER - (MOST_FILLS - 1));
  });

  it("keeps the worst-case feed message, envelope included, under API Gateway's 128 KB", () => {
    const e = worstEvent();
    const message = encodeServerMessage(serverMessages.tradeEvent(storedEventSchema.parse(e), Date.now()));
    expect(message.bytes.byteLength).toBeLessThan(MAX_FEED_MESSAGE_BYTES);
    // Not merely under: far under, so a field the exchange lengthens cannot tip it over.
    expect(message.bytes.byteLength * 16).toBeLessThan(MAX_FEED_MESSAGE_BYTES);
  });

  it("keeps a worst-case events page (the largest limit of the largest events) well under Lambda's 6 MB", () => {
    const e = worstEvent();
    const cursor = "c".repeat(2048); // the longest cursor the API accepts
    const page = { events: Array.from({ length: MAX_LIMIT }, () => e), next_cursor: cursor };
    expect(bytes(page)).toBeLessThan(LAMBDA_RESPONSE_BYTES / 2);
  });
});
