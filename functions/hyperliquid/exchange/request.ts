import type { AppLogger } from "#commons/logger.js";
import type { AgentKey } from "./keys.js";
import { signL1, type Hex, type Network, type Signature } from "./sign.js";

/**
 * The body of POST /exchange for an L1 action: `{action, nonce, signature, vaultAddress?}`.
 * `vaultAddress` is sent only when trading for a vault or subaccount, and then it is also hashed
 * into the signature (./sign.ts); an agent trading its user's own account leaves it out.
 */
export interface ExchangeRequest<A extends Record<string, unknown> = Record<string, unknown>> {
  action: A;
  nonce: number;
  signature: Signature;
  vaultAddress?: Hex;
}

export interface SignRequestOptions<A extends Record<string, unknown>> {
  key: AgentKey;
  action: A;
  nonce: number;
  network: Network;
  vaultAddress?: Hex;
  logger?: AppLogger;
}

/** Signs `action` with the agent key and returns the request body. Logs the agent's address, never its key. */
export const signExchangeRequest = async <A extends Record<string, unknown>>(
  opts: SignRequestOptions<A>,
): Promise<ExchangeRequest<A>> => {
  const vault = opts.vaultAddress?.toLowerCase() as Hex | undefined;
  const signature = await signL1(opts.key.account, {
    action: opts.action,
    nonce: opts.nonce,
    network: opts.network,
    ...(vault && { vaultAddress: vault }),
  });
  opts.logger?.debug("signed exchange action", {
    actionType: opts.action.type,
    agent: opts.key.address,
    nonce: opts.nonce,
    network: opts.network,
  });
  return { action: opts.action, nonce: opts.nonce, signature, ...(vault && { vaultAddress: vault }) };
};
