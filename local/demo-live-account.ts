import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { parseAddress, type Address } from "#domain/address.js";
import { privateKeySchema } from "#hyperliquid/exchange/keys.js";

/**
 * `npm run demo`'s live account on the exchange simulator: an account funded there and an agent
 * (API wallet) approved for it, so a live follower trades end to end through signed orders, as
 * on the exchange. The keys are the simulator's only: made for the run (in memory), or kept in
 * the data directory with `--data-dir` so that the follower stored there can trade on the next
 * run's simulator too. The agent key reaches the copy engine as the environment variable
 * DEMO_AGENT_KEY_VAR names (the follower's `agent_key_ref`), and is never printed.
 */

export const DEMO_AGENT_KEY_VAR = "DEMO_AGENT_KEY";
/** What the simulator funds the demo account with. */
export const DEMO_LIVE_BALANCE_USD = "10000";

export interface DemoLiveAccount {
  account: Address;
  agent: Address;
  agentKey: string;
}

const keysSchema = z.object({ accountKey: privateKeySchema, agentKey: privateKeySchema });
const KEYS_FILE = "demo-live-keys.json";

const fromKeys = (accountKey: string, agentKey: string): DemoLiveAccount => ({
  account: parseAddress(privateKeyToAccount(accountKey as `0x${string}`).address),
  agent: parseAddress(privateKeyToAccount(agentKey as `0x${string}`).address),
  agentKey,
});

/** New keys, or (with a data directory) the ones an earlier demo run kept there. */
export const demoLiveAccount = async (dataDir: string | undefined): Promise<DemoLiveAccount> => {
  if (dataDir === undefined) return fromKeys(generatePrivateKey(), generatePrivateKey());
  const file = join(dataDir, KEYS_FILE);
  // Missing, not JSON or not two keys: new ones replace it.
  const kept = await readFile(file, "utf8")
    .then((text) => keysSchema.safeParse(JSON.parse(text)))
    .catch(() => undefined);
  if (kept?.success) return fromKeys(kept.data.accountKey, kept.data.agentKey);
  const keys = { accountKey: generatePrivateKey(), agentKey: generatePrivateKey() };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(keys), { mode: 0o600 });
  return fromKeys(keys.accountKey, keys.agentKey);
};
