import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { encodeTrackBatch, trackBatchMessageSchema } from "#domain/messages.js";

const A = `0x${"a".repeat(40)}` as Address;
const B = `0x${"b".repeat(40)}` as Address;

const parse = (body: unknown) => trackBatchMessageSchema.safeParse(body);

describe("tracking batch messages", () => {
  it("carry the time a handed-off trader last traded, for the traders of the batch only", () => {
    const body = encodeTrackBatch({ cycle_id: "live-1", dispatched_at: 5, traders: [A], traded_at: new Map([[A, 1_700_000_000_123], [B, 9]]) });
    expect(JSON.parse(body)).toEqual({ v: 1, cycle_id: "live-1", dispatched_at: 5, traders: [A], traded_at: { [A]: 1_700_000_000_123 } });
    const m = trackBatchMessageSchema.parse(JSON.parse(body));
    expect([...m.traded_at]).toEqual([[A, 1_700_000_000_123]]);
  });

  it("leave it out when nobody in the batch traded, and read as none", () => {
    const body = encodeTrackBatch({ cycle_id: "c", dispatched_at: 5, traders: [A, B], traded_at: new Map() });
    expect(JSON.parse(body)).not.toHaveProperty("traded_at");
    expect(trackBatchMessageSchema.parse(JSON.parse(body)).traded_at.size).toBe(0);
  });

  it("read an address in any case as the trader it names", () => {
    const m = parse({ v: 1, cycle_id: "c", dispatched_at: 5, traders: [A.toUpperCase().replace("0X", "0x")], traded_at: { [`0x${"A".repeat(40)}`]: 7 } });
    expect(m.success && [...m.data.traded_at]).toEqual([[A, 7]]);
  });

  it("refuse a time for a trader not in the batch, or a time that is not a whole number of ms", () => {
    const base = { v: 1, cycle_id: "c", dispatched_at: 5, traders: [A] };
    const other = parse({ ...base, traded_at: { [B]: 7 } });
    expect(other.success).toBe(false);
    expect(other.error?.issues[0]?.path).toEqual(["traded_at", B]);
    expect(parse({ ...base, traded_at: { [A]: 1.5 } }).success).toBe(false);
    expect(parse({ ...base, traded_at: { nobody: 7 } }).success).toBe(false);
  });
});
