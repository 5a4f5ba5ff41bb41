import { createL1ActionHash, signL1Action, type Signature } from "@nktkas/hyperliquid/signing";
import type { PrivateKeyAccount } from "viem/accounts";

/**
 * Signing of the exchange's L1 actions (order, cancel, ...) by an agent (API) wallet. The scheme is
 * the exchange's: msgpack(action) ‖ nonce (8 bytes, big-endian) ‖ vault flag (0, or 1 and the
 * vault's 20 bytes) → keccak256 = `connectionId`; then EIP-712 `Agent{source, connectionId}` in the
 * domain `Exchange`/1/chainId 1337/zero address, `source` "a" on mainnet and "b" on testnet.
 * The crypto is @nktkas/hyperliquid's and viem's, not ours: a hand-rolled msgpack or EIP-712 that
 * is one byte off signs for an address nobody approved, and the exchange answers with a
 * misleading "User or API Wallet does not exist". test/unit/hyperliquid/exchange/sign.test.ts
 * proves both against the Python SDK's vectors.
 */

export type Network = "mainnet" | "testnet";

export type { Signature };

/** A 0x address (the exchange wants addresses in lower case inside hashed payloads). */
export type Hex = `0x${string}`;

export interface L1ActionToSign {
  /** The action exactly as it is sent: the hash depends on its key order. */
  action: Record<string, unknown>;
  nonce: number;
  network: Network;
  /** Set when trading for a vault or subaccount: it is part of the hash. */
  vaultAddress?: Hex;
}

/** `source` of the Agent message: which chain the signature is good for, so a testnet order cannot be replayed on mainnet. */
export const agentSource = (network: Network): "a" | "b" => (network === "mainnet" ? "a" : "b");

/** The `connectionId` the Agent message carries: keccak256 of the action, nonce and vault. */
export const l1ConnectionId = ({ action, nonce, vaultAddress }: Omit<L1ActionToSign, "network">): Hex =>
  createL1ActionHash({ action, nonce, ...(vaultAddress && { vaultAddress: lower(vaultAddress) }) });

/** Signs an L1 action with the agent's account (viem's, built from the key by AgentKey). */
export const signL1 = async (account: PrivateKeyAccount, toSign: L1ActionToSign): Promise<Signature> =>
  signL1Action({
    wallet: account,
    action: toSign.action,
    nonce: toSign.nonce,
    isTestnet: toSign.network === "testnet",
    ...(toSign.vaultAddress && { vaultAddress: lower(toSign.vaultAddress) }),
  });

const lower = (address: Hex): Hex => address.toLowerCase() as Hex;
