import { describe, expect, it } from "vitest";
import { ExchangeSchemaError } from "#hyperliquid/errors.js";
import { toCancelAnswer, toOrderActionAnswer } from "#hyperliquid/exchange/client.js";
import { assertAgentSecretAllowed, agentKeyProvider, secretNameOf } from "#hyperliquid/exchange/key-provider.js";
import { AgentKey, type AgentKeyRef } from "#hyperliquid/exchange/keys.js";

/**
 * The action client's answer mapping (statuses as the exchange's docs print them) and the agent
 * key provider's prefix check and cache. The HTTP path, budget and retries are exercised against
 * the simulator in test/integration/live-venue.test.ts.
 */

// As bots quote the exchange (the docs print no string): numbers from one such report.
const LIMIT_TEXT = "Too many cumulative requests sent (14295 > 14294) for cumulative volume traded $4295.52. Place taker orders to free up 1 request per USDC traded.";

describe("order action answers", () => {
  it("keeps one outcome per order, in order", () => {
    const raw = {
      status: "ok",
      response: {
        type: "order",
        data: {
          statuses: [
            { filled: { totalSz: "0.02", avgPx: "1891.4", oid: 77738308 } },
            { resting: { oid: 77738309 } },
            { error: "Order must have minimum value of $10." },
          ],
        },
      },
    };
    expect(toOrderActionAnswer(raw)).toEqual({
      ok: true,
      outcomes: [
        { kind: "filled", oid: 77738308, totalSz: "0.02", avgPx: "1891.4" },
        { kind: "resting", oid: 77738309 },
        { kind: "error", message: "Order must have minimum value of $10." },
      ],
    });
  });

  it("reports the address-based limit on the whole action in plain words, flagged, with the exchange's text", () => {
    const answer = toOrderActionAnswer({ status: "err", response: LIMIT_TEXT });
    expect(answer).toEqual({
      ok: false,
      addressLimited: true,
      message: expect.stringMatching(/^the exchange's address-based request limit is used up for this account \(10,000 requests plus 1 per USDC traded\)/),
    });
    if (answer.ok) throw new Error("unreachable");
    expect(answer.message.endsWith(LIMIT_TEXT)).toBe(true);
  });

  it("rewords the address-based limit as an order's status too", () => {
    const answer = toOrderActionAnswer({ status: "ok", response: { type: "order", data: { statuses: [{ error: LIMIT_TEXT }] } } });
    if (!answer.ok) throw new Error("expected statuses");
    expect(answer.outcomes[0]).toMatchObject({ kind: "error", message: expect.stringContaining("address-based request limit") });
  });

  it("passes any other refusal through unflagged, in the exchange's words", () => {
    const message = "User or API Wallet 0x0000000000000000000000000000000000000001 does not exist.";
    expect(toOrderActionAnswer({ status: "err", response: message })).toEqual({ ok: false, message, addressLimited: false });
  });

  it("refuses a shape it does not know", () => {
    expect(() => toOrderActionAnswer({ status: "ok", response: { type: "order", data: { statuses: [{ filled: { totalSz: 1 } }] } } })).toThrow(
      ExchangeSchemaError,
    );
  });
});

describe("cancel answers", () => {
  it("reads success and per-cancel errors", () => {
    const raw = { status: "ok", response: { type: "cancel", data: { statuses: ["success", { error: "Order was never placed, already canceled, or filled." }] } } };
    expect(toCancelAnswer(raw)).toEqual({ ok: true, results: ["success", { error: "Order was never placed, already canceled, or filled." }] });
    expect(toCancelAnswer({ status: "err", response: "nope" })).toEqual({ ok: false, message: "nope" });
  });
});

describe("the agent key prefix", () => {
  const PREFIX = "hyperliquid-copytrader/agent/";

  it("takes a secret under the prefix, by name or by ARN", () => {
    expect(() => assertAgentSecretAllowed({ source: "secretsmanager", name: `${PREFIX}alice` }, PREFIX)).not.toThrow();
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${PREFIX}alice-AbCdEf`;
    expect(secretNameOf(arn)).toBe(`${PREFIX}alice-AbCdEf`);
    expect(() => assertAgentSecretAllowed({ source: "secretsmanager", name: arn }, PREFIX)).not.toThrow();
  });

  it("refuses any other secret, the bare prefix, and an ARN whose name is elsewhere, naming the setting", () => {
    for (const name of ["prod/admin-api-key", PREFIX, "arn:aws:secretsmanager:us-east-1:123456789012:secret:other/hyperliquid-copytrader/agent/x"]) {
      expect(() => assertAgentSecretAllowed({ source: "secretsmanager", name }, PREFIX)).toThrow(/COPY_AGENT_SECRET_PREFIX/);
    }
  });

  it("lets env: references through (the local runtime's)", () => {
    expect(() => assertAgentSecretAllowed({ source: "env", variable: "AGENT_KEY" }, PREFIX)).not.toThrow();
  });

  it("refuses before reading, reads each key once, and forgets a failed read", async () => {
    const reads: string[] = [];
    let fail = true;
    const key = AgentKey.fromString(`0x${"11".repeat(32)}`, "test");
    const provider = agentKeyProvider({
      secretPrefix: PREFIX,
      load: async (ref: AgentKeyRef) => {
        reads.push(ref.source === "secretsmanager" ? ref.name : ref.variable);
        if (fail) throw new Error("not yet stored");
        return key;
      },
    });
    await expect(provider({ source: "secretsmanager", name: "prod/admin-api-key" })).rejects.toThrow(/COPY_AGENT_SECRET_PREFIX/);
    expect(reads).toEqual([]);
    const ref: AgentKeyRef = { source: "secretsmanager", name: `${PREFIX}bob` };
    await expect(provider(ref)).rejects.toThrow("not yet stored");
    fail = false;
    expect(await provider(ref)).toBe(key);
    expect(await provider(ref)).toBe(key);
    expect(reads).toEqual([`${PREFIX}bob`, `${PREFIX}bob`]);
  });
});
