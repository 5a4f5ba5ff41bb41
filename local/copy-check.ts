import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { checkLiveAccount, type CheckStep } from "#app/copy/live-check.js";
import { liveVenueDepsFromConfig } from "#app/copy/live-venue-deps.js";
import { loadConfig } from "#commons/config.js";
import { isAddress, type Address } from "#domain/address.js";
import { createHyperliquidClientFromConfig } from "#hyperliquid/client.js";
import { createWeightBudgetFromConfig } from "#hyperliquid/from-config.js";

/**
 * `npm run copy:check -- --account 0x… --key env:AGENT_KEY [--network testnet|mainnet] [--coin ETH] [--order]`:
 * the checks of #app/copy/live-check.js from this machine, before a live follower is created.
 * Reads the key from the environment (never prints it); the exchange is HYPERLIQUID_TESTNET_API_URL
 * or HYPERLIQUID_API_URL, as for the copy engine. Exit code 0 when every step passed.
 */

const USAGE =
  "usage: npm run copy:check -- --account 0x<40 hex> --key env:<VARIABLE> [--network testnet|mainnet] [--coin ETH] [--order]\n" +
  "  --order also sends one IOC buy of about $11 at 10% below the mid (nothing trades; one address-based request)";

const argsSchema = z.object({
  account: z.string({ error: "--account is required" }).refine(isAddress, "--account: expected 0x followed by 40 hex digits"),
  key: z
    .string({ error: "--key is required" })
    .regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, "--key: expected env:<VARIABLE> (the key in this shell's environment)")
    .transform((k) => ({ source: "env" as const, name: k.slice("env:".length) })),
  network: z.enum(["testnet", "mainnet"], { error: "--network: testnet or mainnet" }).default("testnet"),
  coin: z.string().min(1).max(30).default("ETH"),
  order: z.boolean().default(false),
});

export const runCopyCheck = async (argv: readonly string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> => {
  let args: z.infer<typeof argsSchema>;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { account: { type: "string" }, key: { type: "string" }, network: { type: "string" }, coin: { type: "string" }, order: { type: "boolean" } },
      strict: true,
    });
    const parsed = argsSchema.safeParse(values);
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
    args = parsed.data;
  } catch (error) {
    print(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }

  const config = loadConfig(env);
  const baseUrl = args.network === "testnet" ? config.HYPERLIQUID_TESTNET_API_URL : config.HYPERLIQUID_API_URL;
  // Both networks, the key reader and the nonces wired as the copy worker wires them.
  const budget = createWeightBudgetFromConfig(config);
  const mainnetInfo = createHyperliquidClientFromConfig(config, budget);
  const live = liveVenueDepsFromConfig(config, { mainnetInfo, budget, env });
  print(`Checking ${args.account} on ${args.network} (${baseUrl})`);
  let steps: CheckStep[];
  try {
    steps = await checkLiveAccount(
      { net: live.networks[args.network], keys: live.keys, nonces: live.nonces, now: Date.now },
      { network: args.network, account: args.account.toLowerCase() as Address, keyRef: args.key, coin: args.coin, order: args.order },
    );
  } catch (error) {
    print(`✗ the exchange could not be asked: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await Promise.all([live.close?.(), mainnetInfo.close()]);
  }
  for (const s of steps) print(`${s.ok ? "✓" : "✗"} ${s.step}: ${s.detail}`);
  const ok = steps.every((s) => s.ok);
  if (ok && !args.order) print("Add --order to have the exchange check an order signed by the agent (nothing trades).");
  return ok ? 0 : 1;
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCopyCheck(process.argv.slice(2), process.env, (line) => console.log(line));
}
