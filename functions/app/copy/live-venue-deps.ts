import type { Config } from "#commons/config.js";
import type { AppLogger } from "#commons/logger.js";
import type { SecretFetcher } from "#commons/secrets.js";
import type { WeightBudget } from "#domain/budget.js";
import type { Network } from "#domain/copy/follower.js";
import { createHyperliquidClientFromConfig } from "#hyperliquid/client.js";
import { createExchangeActionClient } from "#hyperliquid/exchange/client.js";
import { agentKeyProvider } from "#hyperliquid/exchange/key-provider.js";
import { agentKeyLoader, envAgentKeyLoader, secretsManagerAgentKeyLoader } from "#hyperliquid/exchange/keys.js";
import { nonceSource } from "#hyperliquid/exchange/nonce.js";
import { createAssetDirectory, type AssetDirectory } from "./live-venue-assets.js";
import type { LiveNetwork, LiveVenueDeps } from "./live-venue.js";

/**
 * The live venue's dependencies as a process builds them once (the copy worker in Lambda, the
 * local runtime): mainnet through the process's own info client, testnet through a second one on
 * HYPERLIQUID_TESTNET_API_URL, both paying into the ONE weight budget (testnet is another host, so
 * this is conservative: copying on testnet never needs much). Agent keys are read from the process
 * environment (`env:`) and, when a SecretFetcher is given, from Secrets Manager under
 * COPY_AGENT_SECRET_PREFIX only; one nonce sequence per agent for the whole process.
 */

type LiveConfig = Pick<
  Config,
  "HYPERLIQUID_API_URL" | "HYPERLIQUID_TESTNET_API_URL" | "HL_TIMEOUT_MS" | "HL_MAX_RETRIES" | "COPY_AGENT_SECRET_PREFIX"
>;

export interface LiveVenueDepsInput {
  /** The process's mainnet info client (#commons/clients/hyperliquid.js `exchange`). */
  mainnetInfo: LiveNetwork["info"];
  /**
   * The process's directory of mainnet's listings over `mainnetInfo`, when the copy market uses it
   * too (its szDecimals): one `meta` read for both. Default: one of the venue's own.
   */
  mainnetAssets?: AssetDirectory;
  budget: WeightBudget;
  logger?: AppLogger;
  /** Secrets Manager reads (AWS); without it only `env:` keys can be used. */
  fetchSecret?: SecretFetcher;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export const liveVenueDepsFromConfig = (config: LiveConfig, input: LiveVenueDepsInput): LiveVenueDeps => {
  const now = input.now ?? Date.now;
  const call = { lane: "tracking" } as const;
  const logger = input.logger;
  const network = (baseUrl: string, info: LiveNetwork["info"], assets = createAssetDirectory(info, { call, now })): LiveNetwork => ({
    info,
    actions: createExchangeActionClient({
      baseUrl,
      budget: input.budget,
      timeoutMs: config.HL_TIMEOUT_MS,
      maxRetries: config.HL_MAX_RETRIES,
      ...(logger && { logger }),
    }),
    assets,
  });
  const testnetInfo = createHyperliquidClientFromConfig(
    { ...config, HYPERLIQUID_API_URL: config.HYPERLIQUID_TESTNET_API_URL },
    input.budget,
    logger,
  );
  const networks: Record<Network, LiveNetwork> = {
    mainnet: network(config.HYPERLIQUID_API_URL, input.mainnetInfo, input.mainnetAssets),
    testnet: network(config.HYPERLIQUID_TESTNET_API_URL, testnetInfo),
  };
  const load = agentKeyLoader({
    env: envAgentKeyLoader(input.env ?? process.env),
    ...(input.fetchSecret && { secretsmanager: secretsManagerAgentKeyLoader(input.fetchSecret) }),
  });
  return {
    networks,
    keys: agentKeyProvider({ load, secretPrefix: config.COPY_AGENT_SECRET_PREFIX }),
    nonces: nonceSource(now),
    call,
    close: async () => {
      await Promise.all([networks.mainnet.actions.close(), networks.testnet.actions.close(), testnetInfo.close()]);
    },
    ...(logger && { logger }),
  };
};
