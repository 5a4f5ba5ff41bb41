import { randomBytes } from "node:crypto";
import type { AppLogger } from "#commons/logger.js";
import type { Address } from "#domain/address.js";
import { newFollowerRecord } from "#domain/copy/new-follower.js";
import type { FollowerRecord, FollowerStore } from "#domain/copy/ports.js";
import type { TraderStore } from "#domain/ports.js";

/**
 * `npm run demo`'s paper follower, so the dashboard's Copy page has one to show: once tracking
 * has a baseline of the first traders discovery found, a follower copying two of them
 * (proportionally, on a $10,000 paper balance, their current positions included) is stored, as
 * POST /followers would store it. Nothing is created when a follower exists already (a demo run
 * on a kept data directory).
 */
export const DEMO_FOLLOWER_LEADERS = 2;

export interface DemoFollowerOptions {
  followers: FollowerStore;
  traders: Pick<TraderStore, "pageActive" | "trackingStates">;
  logger: AppLogger;
  /** The simulator's funded account and where its agent key is: a live follower copies the same leaders there. */
  live?: { account: Address; agentKeyVar: string };
  /** How often to look for tracked leaders until there are some. */
  everyMs?: number;
  now?: () => number;
}

export const newFollowerId = (): string => `fol_${randomBytes(10).toString("hex")}`;

/**
 * One attempt: the followers it created (paper, then live when the demo has a live account), or
 * null when one exists or no leader is ready yet.
 */
export const createDemoFollower = async (o: DemoFollowerOptions): Promise<FollowerRecord[] | null> => {
  if ((await o.followers.list({ limit: 1 })).items.length > 0) return null;
  const { addresses } = await o.traders.pageActive(50);
  const states = await o.traders.trackingStates(addresses);
  // Leaders whose positions tracking knows (a baseline stored), the ones holding something first.
  const ready = addresses
    .filter((a) => states.get(a)?.version !== undefined)
    .sort((a, b) => Object.keys(states.get(b)!.positions).length - Object.keys(states.get(a)!.positions).length)
    .slice(0, DEMO_FOLLOWER_LEADERS);
  if (ready.length === 0) return null;
  const now = (o.now ?? Date.now)();
  const common = {
    leaders: ready.map((address) => ({ address, sizing: { mode: "proportional" as const, multiplier: "1" } })),
    caps: { maxSlippageBps: 50, maxLeverage: "5" },
    start: "sync_now" as const,
  };
  const records = [newFollowerRecord(newFollowerId(), { name: "demo paper copy", mode: "paper", paperBalanceUsd: "10000", ...common }, now)];
  if (o.live !== undefined) {
    // Signed by the agent and filled by the simulator's POST /exchange, as live orders are on the exchange.
    const config = {
      name: "demo live copy (simulator)",
      mode: "live" as const,
      accountAddress: o.live.account,
      agentKeyRef: { source: "env" as const, name: o.live.agentKeyVar },
      network: "testnet" as const,
      ...common,
    };
    records.push(newFollowerRecord(newFollowerId(), config, now));
  }
  for (const record of records) {
    await o.followers.create(record);
    o.logger.info("Demo follower created", { followerId: record.id, mode: record.config.mode, leaders: ready });
  }
  return records;
};

/** Tries every `everyMs` until the follower exists; `stop` ends the attempts. */
export const startDemoFollower = (o: DemoFollowerOptions): { stop(): void } => {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async () => {
    try {
      const created = await createDemoFollower(o);
      if (created !== null || (await o.followers.list({ limit: 1 })).items.length > 0) return;
    } catch (error) {
      o.logger.warn("Could not create the demo follower yet", { error });
    }
    if (!stopped) timer = setTimeout(() => void attempt(), o.everyMs ?? 3_000);
  };
  void attempt();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
};
