import { describe, expect, it } from "vitest";
import type { CallOptions } from "#domain/exchange.js";
import { valuePosition } from "#domain/marks.js";
import { ExchangeSchemaError, ExchangeUnavailableError } from "#hyperliquid/errors.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import { recordingLogger } from "../../support/logger.js";

describe("valuePosition", () => {
  it("a long gains when the price rises: (mark − entry) × szi", () => {
    // (61234.5 − 60000) × 0.5 = 617.25; 0.5 × 61234.5 = 30617.25.
    expect(valuePosition("0.5", "60000", "61234.5")).toEqual({
      mark_price: "61234.5",
      unrealized_pnl_usd: "617.25",
      position_value_usd: "30617.25",
    });
  });

  it("a short gains when the price falls and loses when it rises; its value is positive", () => {
    // (2950.1 − 3000) × −2 = −49.9 × −2 = 99.8; 2 × 2950.1 = 5900.2.
    expect(valuePosition("-2", "3000", "2950.1")).toEqual({ mark_price: "2950.1", unrealized_pnl_usd: "99.8", position_value_usd: "5900.2" });
    // (100.3 − 100) × −1.5 = −0.45; 1.5 × 100.3 = 150.45.
    expect(valuePosition("-1.5", "100", "100.3")).toEqual({ mark_price: "100.3", unrealized_pnl_usd: "-0.45", position_value_usd: "150.45" });
  });

  it("is exact where floats are not", () => {
    // (0.3 − 0.2) × 0.1 = 0.01 (as floats 0.009999999999999998); 0.1 × 0.3 = 0.03.
    expect(valuePosition("0.1", "0.2", "0.3")).toEqual({ mark_price: "0.3", unrealized_pnl_usd: "0.01", position_value_usd: "0.03" });
    // A size with more digits than a float holds: 123456789.123456789 × 98765.4321 and 0.4321 × it, exactly.
    expect(valuePosition("123456789.123456789", "98765", "98765.4321").position_value_usd).toBe("12193263123456.7900112635269");
    expect(valuePosition("123456789.123456789", "98765", "98765.4321").unrealized_pnl_usd).toBe("53345678.5802456785269");
  });

  it("without an entry price there is a value but no unrealized PnL; without a mark, nothing", () => {
    expect(valuePosition("3", null, "10")).toEqual({ mark_price: "10", unrealized_pnl_usd: null, position_value_usd: "30" });
    expect(valuePosition("3", "9", null)).toEqual({ mark_price: null, unrealized_pnl_usd: null, position_value_usd: null });
    expect(valuePosition("3", "9", undefined)).toEqual({ mark_price: null, unrealized_pnl_usd: null, position_value_usd: null });
  });
});

/** A stand-in for the client's allMids: each call waits for the test to answer it. */
const fakeClient = () => {
  const calls: { opts: CallOptions | undefined; resolve: (mids: Record<string, string>) => void; reject: (e: unknown) => void }[] = [];
  return {
    calls,
    allMids: (opts?: CallOptions) =>
      new Promise<Record<string, string>>((resolve, reject) => {
        calls.push({ opts, resolve, reject });
      }),
  };
};

describe("createHyperliquidMarks", () => {
  it("sends one request for concurrent callers and serves its answer for 15 s", async () => {
    let clock = 1_000_000;
    const client = fakeClient();
    const marks = createHyperliquidMarks(client, { now: () => clock });
    const a = marks.current();
    const b = marks.current();
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]!.opts).toMatchObject({ lane: "tracking", signal: expect.any(AbortSignal) });
    client.calls[0]!.resolve({ BTC: "60000.5", ETH: "3000" });
    const expected = { at: 1_000_000, mids: { BTC: "60000.5", ETH: "3000" } };
    expect(await a).toEqual(expected);
    expect(await b).toBe(await a);

    clock += 14_999;
    expect(await marks.current()).toEqual(expected);
    expect(client.calls).toHaveLength(1);

    clock += 1;
    const c = marks.current();
    expect(client.calls).toHaveLength(2);
    client.calls[1]!.resolve({ BTC: "61000" });
    expect(await c).toEqual({ at: 1_015_000, mids: { BTC: "61000" } });
  });

  it("answers null and warns when the exchange fails, tries again 5 s later", async () => {
    let clock = 0;
    const client = fakeClient();
    const log = recordingLogger();
    const marks = createHyperliquidMarks(client, { now: () => clock, logger: log.logger });
    const first = marks.current();
    client.calls[0]!.reject(new ExchangeUnavailableError("allMids", 5, "HTTP 502"));
    expect(await first).toBeNull();
    expect(log.entries.map((e) => e.level)).toEqual(["warn"]);

    clock += 4_999;
    expect(await marks.current()).toBeNull();
    expect(client.calls).toHaveLength(1);

    clock += 1;
    const second = marks.current();
    client.calls[1]!.reject(new ExchangeSchemaError("allMids", undefined, "(root): expected record, received array", ""));
    expect(await second).toBeNull();
    clock += 5_000;
    const third = marks.current();
    client.calls[2]!.resolve({ SOL: "150" });
    expect(await third).toEqual({ at: 10_000, mids: { SOL: "150" } });
  });

  it("gives up after timeoutMs (the request is aborted), and survives a client that throws at once", async () => {
    const hanging = {
      allMids: (opts?: CallOptions) =>
        new Promise<Record<string, string>>((_, reject) => opts?.signal?.addEventListener("abort", () => reject(opts.signal?.reason))),
    };
    const started = Date.now();
    expect(await createHyperliquidMarks(hanging, { timeoutMs: 30 }).current()).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);

    let calls = 0;
    const throwing = {
      allMids: (): Promise<Record<string, string>> => {
        calls++;
        throw new Error("boom");
      },
    };
    let clock = 0;
    const marks = createHyperliquidMarks(throwing, { now: () => clock });
    expect(await marks.current()).toBeNull();
    clock += 5_000;
    expect(await marks.current()).toBeNull();
    expect(calls).toBe(2);
  });
});
