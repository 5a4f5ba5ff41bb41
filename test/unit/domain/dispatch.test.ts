import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { dispatchTracking } from "#domain/dispatch.js";
import { trackBatchMessageSchema } from "#domain/messages.js";
import type { RunStateStore, TraderStore, TrackingCycle } from "#domain/ports.js";

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const addresses = (n: number): Address[] =>
  Array.from({ length: n }, (_, i) => `0x${i.toString(16).padStart(40, "0")}` as Address);

/** A trader store whose active index hands out `pageSize` addresses per page, like a DynamoDB Query with Limit. */
const pagedTraders = (all: Address[], pageSize: number): Pick<TraderStore, "pageActive"> => ({
  async pageActive(_limit, cursor) {
    const start = cursor === undefined ? 0 : all.indexOf(cursor as Address) + 1;
    const page = all.slice(start, start + pageSize);
    const last = page.at(-1);
    return start + pageSize < all.length && last !== undefined ? { addresses: page, cursor: last } : { addresses: page };
  },
});

describe("dispatchTracking", () => {
  it("sends every active trader exactly once, in full batches across index pages", async () => {
    const all = addresses(53);
    const sent: string[] = [];
    const cycles: TrackingCycle[] = [];
    const result = await dispatchTracking({
      traders: pagedTraders(all, 10) as TraderStore,
      queue: { sendAll: async (bodies) => void sent.push(...bodies) },
      runState: { recordCycle: async (c: TrackingCycle) => void cycles.push(c) } as unknown as RunStateStore,
      batchSize: 25,
      now: () => Date.UTC(2026, 0, 1),
      logger: silent,
    });
    const messages = sent.map((b) => trackBatchMessageSchema.parse(JSON.parse(b)));
    expect(messages.map((m) => m.traders.length)).toEqual([25, 25, 3]);
    expect(messages.flatMap((m) => m.traders)).toEqual(all);
    expect(new Set(messages.map((m) => m.cycle_id)).size).toBe(1);
    expect(result).toEqual({ cycleId: "2026-01-01T00:00:00.000Z", traders: 53, messages: 3 });
    expect(cycles).toEqual([{ cycleId: result.cycleId, dispatchedAt: Date.UTC(2026, 0, 1), messages: 3, traders: 53 }]);
  });

  it("sends nothing but still records the cycle when nobody is tracked", async () => {
    const sent: string[] = [];
    const cycles: TrackingCycle[] = [];
    await dispatchTracking({
      traders: pagedTraders([], 10) as TraderStore,
      queue: { sendAll: async (bodies) => void sent.push(...bodies) },
      runState: { recordCycle: async (c: TrackingCycle) => void cycles.push(c) } as unknown as RunStateStore,
      batchSize: 25,
      now: Date.now,
      logger: silent,
    });
    expect(sent).toEqual([]);
    expect(cycles[0]).toMatchObject({ messages: 0, traders: 0 });
  });
});
