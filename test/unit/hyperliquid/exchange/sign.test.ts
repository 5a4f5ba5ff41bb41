import { describe, expect, it } from "vitest";
import { recoverTypedDataAddress } from "viem";
import { AgentKey } from "#hyperliquid/exchange/keys.js";
import { agentSource, l1ConnectionId, signL1, type Hex } from "#hyperliquid/exchange/sign.js";
import { toIntForHashing } from "#hyperliquid/exchange/wire.js";
import { loadFixtureText } from "../../../support/fixtures.js";

/**
 * The Python SDK's signing vectors (test/fixtures/hyperliquid/signing-vectors.python-sdk.json, from
 * its tests/signing_test.py): the same key, action and nonce must give the same r, s and v on
 * mainnet and testnet. Every entry of the file is checked; a new one is picked up automatically.
 */
interface Vector {
  name: string;
  action: Record<string, unknown>;
  nonce: number;
  vault: Hex | null;
  mainnet: { r: Hex; s: Hex; v: number };
  testnet: { r: Hex; s: Hex; v: number };
}
interface Vectors {
  privateKey: string;
  l1: Vector[];
  connectionId: { action: Record<string, unknown>; nonce: number; vault: Hex | null; expected: Hex };
  float_to_int_for_hashing: unknown[];
}

const FILE = "signing-vectors.python-sdk.json";
const text = loadFixtureText(FILE);
const vectors = JSON.parse(text) as Vectors;
const key = AgentKey.fromString(vectors.privateKey, "the vectors' key");

// The file strips leading zeros from r and s ("0x53749d5b...", 63 digits); compare them as numbers.
const asNumber = (hex: string): bigint => BigInt(hex);

describe("L1 action signing reproduces the Python SDK's vectors", () => {
  it("the file holds the vectors this test expects to walk", () => {
    expect(vectors.l1.map((v) => v.name)).toEqual([
      "dummy",
      "order ETH(a=1) buy 100@100 Gtc",
      "order with cloid",
      "dummy with vault",
      "tpsl trigger order",
      "createSubAccount",
      "scheduleCancel",
    ]);
  });

  for (const vector of vectors.l1) {
    for (const network of ["mainnet", "testnet"] as const) {
      it(`${vector.name} on ${network}`, async () => {
        const expected = vector[network];
        const signature = await signL1(key.account, {
          action: vector.action,
          nonce: vector.nonce,
          network,
          ...(vector.vault !== null && { vaultAddress: vector.vault }),
        });
        expect(asNumber(signature.r)).toBe(asNumber(expected.r));
        expect(asNumber(signature.s)).toBe(asNumber(expected.s));
        expect(signature.v).toBe(expected.v);
      });
    }
  }

  it("the connectionId of the SDK's IOC order (a=4, 1670.1 × 0.0147, nonce 1677777606040)", () => {
    const { action, nonce, expected } = vectors.connectionId;
    expect(l1ConnectionId({ action, nonce })).toBe(expected);
  });

  it("the vault is part of the hash: the same action with and without one differ", () => {
    const withVault = vectors.l1.find((v) => v.name === "dummy with vault")!;
    const without = vectors.l1.find((v) => v.name === "dummy")!;
    expect(withVault.action).toEqual(without.action);
    expect(l1ConnectionId({ action: withVault.action, nonce: 0, vaultAddress: withVault.vault! })).not.toBe(
      l1ConnectionId({ action: without.action, nonce: 0 }),
    );
  });

  it("the signature recovers to the agent's address through EIP-712 Agent{source, connectionId}", async () => {
    // What the exchange does with it: domain Exchange/1/1337/zero address, source "a" on mainnet, "b" on testnet.
    const { action, nonce } = vectors.connectionId;
    for (const network of ["mainnet", "testnet"] as const) {
      const sig = await signL1(key.account, { action, nonce, network });
      const signer = await recoverTypedDataAddress({
        domain: { name: "Exchange", version: "1", chainId: 1337, verifyingContract: "0x0000000000000000000000000000000000000000" },
        types: { Agent: [{ name: "source", type: "string" }, { name: "connectionId", type: "bytes32" }] },
        primaryType: "Agent",
        message: { source: agentSource(network), connectionId: l1ConnectionId({ action, nonce }) },
        signature: { r: sig.r, s: sig.s, v: BigInt(sig.v) },
      });
      expect(signer).toBe(key.address);
    }
    // The vectors' key 0x0123…0123 is the SDK's; its address is printed by every Ethereum tool.
    expect(key.address).toBe("0x14791697260E4c9A71f18484C9f997B308e59325");
  });
});

describe("float_to_int_for_hashing (the SDK's × 10^8 integers), exactly", () => {
  // JSON.parse would round 12312312312300000000 (above 2^53) and we want the file's own digits:
  // read the pairs from the raw text.
  const section = text.slice(text.indexOf('"float_to_int_for_hashing"'));
  const pairs = [...section.matchAll(/\[\s*([-0-9.eE+]+)\s*,\s*([-0-9]+)\s*\]/g)].map((m) => [m[1]!, m[2]!] as const);

  it("the file has the three pairs", () => {
    expect(pairs.length).toBe(vectors.float_to_int_for_hashing.length);
    expect(pairs.length).toBe(3);
  });

  it.each(pairs)("%s → %s", (input, expected) => {
    expect(toIntForHashing(input)).toBe(BigInt(expected));
  });

  it("refuses a value that would round, as the SDK raises", () => {
    expect(() => toIntForHashing("0.000000001")).toThrow(/would round/);
  });
});
