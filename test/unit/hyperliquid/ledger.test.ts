import { describe, expect, it } from "vitest";
import { readLedgerPage } from "#hyperliquid/ledger.js";
import { loadFixture } from "../../support/fixtures.js";

const recorded = loadFixture("userNonFundingLedgerUpdates.recorded.json").response as Record<string, unknown>[];

describe("readLedgerPage", () => {
  it("reads every recorded entry, keeping time, hash and the whole delta", () => {
    const page = readLedgerPage(recorded);
    expect(page.setAside).toEqual([]);
    expect(page.entries).toEqual(recorded.map((e) => ({ time: e.time, hash: e.hash, delta: e.delta })));
  });

  it("sets aside only the entries whose read fields are not what the readers expect, saying why", () => {
    const odd = [
      { time: 5, hash: "0xa", delta: { type: "deposit", usdc: 250.5 } },
      { time: 6, hash: "0xb", delta: { type: "withdraw", usdc: "99.0", fee: null, nonce: 3 } },
      { time: 7, hash: "0xc", delta: { type: "accountClassTransfer", usdc: "1.0", toPerp: "yes" } },
      { hash: "0xd", delta: { type: "deposit", usdc: "1.0" } },
      "not an entry",
    ];
    // Unread fields may be anything, and a type nobody reads needs nothing but its name.
    const fine = [
      { time: 8, hash: "0xe", delta: { type: "deposit", usdc: "10.0", nonce: null, extra: { x: 1 } } },
      { time: 9, hash: "0xf", delta: { type: "someFutureType", amount: 12 } },
    ];
    const page = readLedgerPage([...recorded, ...odd, ...fine]);
    expect(page.entries.map((e) => e.hash)).toEqual([...recorded.map((e) => e.hash), "0xe", "0xf"]);
    expect(page.setAside).toEqual([
      { time: 5, hash: "0xa", reason: "delta.usdc: expected decimal string, got number" },
      { time: 6, hash: "0xb", reason: "delta.fee: expected decimal string, got null" },
      { time: 7, hash: "0xc", reason: expect.stringMatching(/^delta\.toPerp: /) },
      { time: null, hash: "0xd", reason: expect.stringMatching(/^time: /) },
      { time: null, hash: null, reason: expect.stringMatching(/^\(entry\): /) },
    ]);
  });
});
