import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { runCopyCheck } from "#local/copy-check.js";

/**
 * `npm run copy:check` against the simulator's /info and /exchange (a testnet desk, which checks
 * signatures and agent approvals as the exchange does). Keys are generated per run; none is real.
 *
 * The test order, by hand: ETH's mid 3,000, so the limit is 3,000 × 0.9 = 2,700 (on ETH's grid,
 * szDecimals 4); $11 ÷ 2,700 = 0.004074… rounded up to the lot, 0.0041 ETH ($11.07). The desk
 * quotes the mid ± 10 bps, so no ask is at 2,700: the IOC is cancelled and nothing trades.
 */

const KEY_VAR = "COPY_CHECK_TEST_AGENT_KEY";
const user = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());
const agentKey = generatePrivateKey();
const agent = privateKeyToAccount(agentKey).address.toLowerCase();
const otherAgentKey = generatePrivateKey();
const otherAgent = privateKeyToAccount(otherAgentKey).address.toLowerCase();

let sim: Simulator;
let env: NodeJS.ProcessEnv;

const check = async (...argv: string[]) => {
  const lines: string[] = [];
  const code = await runCopyCheck(argv, env, (line) => lines.push(line));
  return { code, lines, text: lines.join("\n") };
};
const account = user.address.toLowerCase();

beforeAll(async () => {
  sim = createSimulator({ seed: 23, realTime: true, exchange: { spreadBps: 10, network: "testnet" } });
  await sim.start();
  sim.deposit(user.address, "1000");
  sim.deposit(other.address, "1000");
  sim.setMark("ETH", "3000");
  env = { HYPERLIQUID_TESTNET_API_URL: sim.url, HYPERLIQUID_API_URL: sim.url, [KEY_VAR]: agentKey, OTHER_KEY: otherAgentKey };
});

afterAll(async () => {
  await sim?.stop();
});

describe("npm run copy:check", () => {
  it("refuses bad arguments with the usage, before asking anything", async () => {
    const before = sim.stats().totalRequests;
    const r = await check("--account", "0x123", "--key", "secretsmanager:x");
    expect(r.code).toBe(2);
    expect(r.text).toContain("--account: expected 0x followed by 40 hex digits");
    expect(r.text).toContain("--key: expected env:<VARIABLE>");
    expect(r.text).toContain("usage: npm run copy:check");
    expect(sim.stats().totalRequests).toBe(before);
  });

  it("says the key is missing, naming the variable and never a key", async () => {
    const r = await check("--account", account, "--key", "env:NOT_SET_ANYWHERE");
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toMatch(/^✗ agent key: .*NOT_SET_ANYWHERE/);
  });

  it("an agent nobody approved fails at the approval, before any order", async () => {
    const r = await check("--account", account, "--key", `env:${KEY_VAR}`, "--order");
    expect(r.code).toBe(1);
    expect(r.lines.slice(1)).toEqual([
      `✓ agent key: read; the agent's address is ${agent}`,
      `✗ agent approved: ${agent} is not an agent (the exchange says "missing") on testnet: approve it for the account on the exchange's API page`,
    ]);
    expect(sim.stats().requests.exchange ?? 0).toBe(0);
  });

  it("an agent approved for another account fails, naming that account", async () => {
    sim.approveAgent(other.address, otherAgent);
    const r = await check("--account", account, "--key", "env:OTHER_KEY");
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toBe(
      `✗ agent approved: ${otherAgent} is an agent of ${other.address.toLowerCase()}, not of ${account} on testnet: approve it for the account on the exchange's API page`,
    );
  });

  it("an approved agent passes; --order has the exchange take its signed IOC, which trades nothing", async () => {
    sim.approveAgent(user.address, agent);
    const quiet = await check("--account", account, "--key", `env:${KEY_VAR}`);
    expect(quiet.code).toBe(0);
    expect(quiet.lines.slice(1, 3)).toEqual([`✓ agent key: read; the agent's address is ${agent}`, `✓ agent approved: an agent of ${account} on testnet`]);
    expect(quiet.lines[3]).toMatch(/^✓ account: account value 1000(\.0)? USD, no positions$/);
    // A new address: the exchange's buffer of 10,000, nothing traded yet.
    expect(quiet.lines[4]).toBe("✓ requests: 0 of 10000 address-based requests used, 10000 left (one more per 1 USDC traded)");
    expect(sim.stats().requests.exchange ?? 0).toBe(0);

    const r = await check("--account", account, "--key", `env:${KEY_VAR}`, "--order");
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toMatch(
      /^✓ signed order: IOC buy 0\.0041 ETH at 2700 \(mid 3000(\.0)?\): the exchange took the agent's signature and cancelled the order for finding no ask that low; nothing traded$/,
    );
    expect(sim.stats().requests.exchange).toBe(1);
    const state = await (await fetch(`${sim.url}/info`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "clearinghouseState", user: account }) })).json();
    expect(state.assetPositions).toEqual([]);
    // The test order was one request.
    const after = await check("--account", account, "--key", `env:${KEY_VAR}`);
    expect(after.lines[4]).toBe("✓ requests: 1 of 10000 address-based requests used, 9999 left (one more per 1 USDC traded)");
  });

  it("an account near its address-based limit fails the requests step and sends no order", async () => {
    const small = createSimulator({ seed: 24, realTime: true, exchange: { network: "testnet", requestsPerAddress: 60 } });
    await small.start();
    try {
      small.deposit(user.address, "1000");
      small.approveAgent(user.address, agent);
      const lines: string[] = [];
      const code = await runCopyCheck(["--account", account, "--key", `env:${KEY_VAR}`, "--order"], { ...env, HYPERLIQUID_TESTNET_API_URL: small.url }, (l) => lines.push(l));
      expect(code).toBe(1);
      expect(lines.at(-1)).toBe(
        "✗ requests: 0 of 60 address-based requests used, 60 left (one more per 1 USDC traded): fewer than 100, so orders will soon be refused; the account must trade more first",
      );
      expect(small.stats().requests.exchange ?? 0).toBe(0);
    } finally {
      await small.stop();
    }
  });
});
