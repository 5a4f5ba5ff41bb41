import { privateKeyToAccount } from "viem/accounts";
import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { DEFAULT_MAX_SLIPPAGE_BPS, type Caps, type FollowedLeader, type FollowerConfig, type Sizing } from "#domain/copy/follower.js";
import type { FollowerRecord } from "#domain/copy/ports.js";
import { deriveAddress, deriveHash, type Prng } from "#simulator/prng.js";

/**
 * The followers of bench/copy.ts: each follows one to three leaders with one of the three sizing
 * modes per leader, some with a per-coin USD cap or a denied coin; half trade live on the
 * simulator (an account of their own, an agent key generated here, held in an environment
 * variable of the worker's process and named by an `env:` ref), half on paper.
 */

export interface LiveAccount {
  address: Address;
  agentAddress: Address;
  /** The variable holding the agent's private key in the worker's environment. */
  envVar: string;
  privateKey: `0x${string}`;
}

export interface FollowerPlan {
  id: string;
  mode: "paper" | "live";
  /** Paper balance, or the live account's deposit. */
  balanceUsd: string;
  leaders: FollowedLeader[];
  caps: Caps;
  live?: LiveAccount;
}

/** Between 1% and 5% of a leader's steps: a step of $8k or more (20% of $40k) copies as $80 or more. */
const sizingFor = (prng: Prng, i: number, balance: number, leaderEquity: number): Sizing => {
  switch (i % 3) {
    case 0:
      // The follower's share of the leader's size is balance ÷ leader equity × multiplier: 1–5%.
      return { mode: "proportional", multiplier: decStr(dec(prng.between(1, 5)).times(leaderEquity).div(100 * balance).round(6, 0)) };
    case 1:
      return { mode: "fixed_ratio", ratio: `0.0${prng.between(1, 5)}` };
    default:
      return { mode: "fixed_notional", notionalUsd: String(prng.between(5, 20) * 100) };
  }
};

export const planFollowers = (
  prng: Prng,
  o: { count: number; leaders: readonly Address[]; leaderEquityUsd: number; seed: number },
): FollowerPlan[] =>
  Array.from({ length: o.count }, (_, i) => {
    const id = `bench-follower-${String(i).padStart(3, "0")}`;
    const balance = prng.between(10, 50) * 1_000;
    const followed = new Set<Address>();
    const n = prng.between(1, 3);
    while (followed.size < n) followed.add(prng.pick(o.leaders));
    const leaders = [...followed].map((address, k) => ({ address, sizing: sizingFor(prng, i + k, balance, o.leaderEquityUsd) }));
    const caps: Caps = { maxSlippageBps: DEFAULT_MAX_SLIPPAGE_BPS };
    if (i % 7 === 3) caps.maxPositionUsd = "1500";
    if (i % 10 === 5) caps.coinsDeny = ["SOL"];
    const plan: FollowerPlan = { id, mode: i % 2 === 0 ? "live" : "paper", balanceUsd: String(balance), leaders, caps };
    if (plan.mode === "live") {
      // Throwaway keys derived from the seed: nothing here ever holds funds outside the simulator.
      const privateKey = deriveHash(o.seed, `bench-copy-agent:${i}`) as `0x${string}`;
      plan.live = {
        address: deriveAddress(o.seed, `bench-copy-follower:${i}`) as Address,
        agentAddress: privateKeyToAccount(privateKey).address.toLowerCase() as Address,
        envVar: `BENCH_COPY_AGENT_${i}`,
        privateKey,
      };
    }
    return plan;
  });

export const followerRecord = (plan: FollowerPlan, at: number): FollowerRecord => {
  const base = { name: plan.id, leaders: plan.leaders, caps: plan.caps, start: "new_changes_only" as const };
  const config: FollowerConfig =
    plan.live === undefined
      ? { ...base, mode: "paper", paperBalanceUsd: plan.balanceUsd }
      : { ...base, mode: "live", accountAddress: plan.live.address, agentKeyRef: { source: "env", name: plan.live.envVar }, network: "mainnet" };
  return { id: plan.id, config, state: "active", pause: null, closeRequested: false, createdAt: at, updatedAt: at, version: 1 };
};

/** The agent keys, as the worker's environment carries them. */
export const agentKeyEnv = (plans: readonly FollowerPlan[]): Record<string, string> =>
  Object.fromEntries(plans.flatMap((p) => (p.live === undefined ? [] : [[p.live.envVar, p.live.privateKey]])));
