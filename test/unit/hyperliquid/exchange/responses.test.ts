import { describe, expect, it } from "vitest";
import { ExchangeSchemaError } from "#hyperliquid/errors.js";
import { parseOrderAnswer } from "#hyperliquid/exchange/responses.js";

// Answers as the exchange's docs print them (Exchange endpoint → Place an order; Error responses).
const ok = (statuses: unknown[]) => ({ status: "ok", response: { type: "order", data: { statuses } } });

describe("the answer to an order action", () => {
  it("one outcome per order, in order: resting, filled, error", () => {
    const body = ok([
      { resting: { oid: 77738308 } },
      { filled: { totalSz: "0.02", avgPx: "1891.4", oid: 77747314 } },
      { error: "Order must have minimum value of $10." },
    ]);
    expect(parseOrderAnswer(body)).toEqual({
      ok: true,
      outcomes: [
        { kind: "resting", oid: 77738308 },
        { kind: "filled", oid: 77747314, totalSz: "0.02", avgPx: "1891.4" },
        { kind: "error", message: "Order must have minimum value of $10." },
      ],
    });
  });

  it("tolerates fields the exchange adds (the echoed cloid, anything new)", () => {
    const body = {
      ...ok([{ filled: { totalSz: "1.5", avgPx: "25.01", oid: 9, cloid: "0x000000000000000000000000000000aa", fee: "0.01" } }]),
      extra: true,
    };
    expect(parseOrderAnswer(body)).toEqual({ ok: true, outcomes: [{ kind: "filled", oid: 9, totalSz: "1.5", avgPx: "25.01" }] });
  });

  it("a TP/SL child's bare status string", () => {
    expect(parseOrderAnswer(ok(["waitingForTrigger"]))).toEqual({ ok: true, outcomes: [{ kind: "waiting", status: "waitingForTrigger" }] });
  });

  it("a request refused as a whole: {status: err, response: <message>}", () => {
    const message = "User or API Wallet 0x0000000000000000000000000000000000000001 does not exist.";
    expect(parseOrderAnswer({ status: "err", response: message })).toEqual({ ok: false, message });
  });

  it.each([
    ["a number for a size", ok([{ filled: { totalSz: 0.02, avgPx: "1891.4", oid: 1 } }])],
    ["a status of no known kind", ok([{ cancelled: {} }])],
    ["another action's answer", { status: "ok", response: { type: "cancel", data: { statuses: ["success"] } } }],
    ["no status", { response: "x" }],
    ["null (what a 429 carries)", null],
  ])("refuses %s as an ExchangeSchemaError", (_label, body) => {
    expect(() => parseOrderAnswer(body)).toThrow(ExchangeSchemaError);
  });
});
