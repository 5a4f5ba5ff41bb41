import type { PositionMap } from "#domain/positions.js";
import { createSimulator, type Simulator, type SimulatorStats } from "#simulator/index.js";
import { serveParent } from "./ipc.js";
import { startTap, type TappedAction } from "./copy-tap.js";

/**
 * The exchange for bench/copy.ts, in a process of its own: the simulator on wall time, its POST
 * /exchange filling IOC orders at the mid (a spread of 0, so the followers' fills never move the
 * price the oracle sizes with), behind a tap that notes every order action (./copy-tap.ts). The
 * weight rule is the exchange's 1,200 a minute unless BENCH_SIM_WEIGHT_PER_MINUTE raises it.
 */

export interface CopySimReady {
  /** Where the system under test sends /info and /exchange: the tap. */
  url: string;
}

export interface MarketSnapshot {
  mark: string;
  szDecimals: number;
}

export interface CopyAccounting {
  stats: SimulatorStats;
  actions: TappedAction[];
}

const seed = Number(process.env.BENCH_SIM_SEED ?? "1");
const weightPerMinute = Number(process.env.BENCH_SIM_WEIGHT_PER_MINUTE ?? "1200");

const positionMap = (sim: Simulator, address: string): PositionMap => {
  const map: PositionMap = {};
  for (const coin of sim.coins()) {
    const p = sim.positionOf(address, coin);
    if (p) map[coin] = { szi: p.szi, entryPx: p.entryPx, leverage: { type: p.leverage.type, value: p.leverage.value } };
  }
  return map;
};

const copySimMethods = (sim: Simulator, actions: TappedAction[]) => ({
  fund: (accounts: { address: string; usd: string }[]): void => {
    for (const a of accounts) sim.deposit(a.address, a.usd);
  },
  /** The shortcut for each user's signed approveAgent (the simulator's own tests cover the signed one). */
  approve: (pairs: { user: string; agent: string }[]): void => {
    for (const p of pairs) sim.approveAgent(p.user, p.agent);
  },
  /**
   * The leader trades `size` (signed) of `coin` with the market maker at the mark, which therefore
   * stays put; his positions and account value after it (the oracle sizes proportional copies at it).
   */
  trade: async (leader: string, coin: string, size: string): Promise<{ positions: PositionMap; accountValue: string }> => {
    sim.execute({ user: leader, coin, size, px: sim.markOf(coin) });
    const reply = await sim.info({ type: "clearinghouseState", user: leader });
    return { positions: positionMap(sim, leader), accountValue: (JSON.parse(reply.body) as { marginSummary: { accountValue: string } }).marginSummary.accountValue };
  },
  /** Signed sizes per coin, as the exchange holds them. */
  sizes: (addresses: string[]): Record<string, Record<string, string>> =>
    Object.fromEntries(addresses.map((a) => [a.toLowerCase(), Object.fromEntries(Object.entries(positionMap(sim, a)).map(([coin, p]) => [coin, p.szi]))])),
  /** Each account's value (clearinghouseState's marginSummary.accountValue), asked in-process. */
  accountValues: async (addresses: string[]): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const user of addresses) {
      const reply = await sim.info({ type: "clearinghouseState", user });
      out[user.toLowerCase()] = (JSON.parse(reply.body) as { marginSummary: { accountValue: string } }).marginSummary.accountValue;
    }
    return out;
  },
  market: async (coins: string[]): Promise<Record<string, MarketSnapshot>> => {
    const meta = JSON.parse((await sim.info({ type: "meta" })).body) as { universe: { name: string; szDecimals: number }[] };
    return Object.fromEntries(
      coins.map((coin) => {
        const spec = meta.universe.find((u) => u.name === coin);
        if (spec === undefined) throw new Error(`the simulator lists no ${coin}`);
        return [coin, { mark: sim.markOf(coin), szDecimals: spec.szDecimals }];
      }),
    );
  },
  /** From now on: the simulator's counters start over and the tap's log is cleared. */
  startAccounting: (): void => {
    sim.resetStats();
    actions.length = 0;
  },
  accounting: (): CopyAccounting => ({ stats: sim.stats(), actions }),
});

export type CopySimMethods = ReturnType<typeof copySimMethods>;

await serveParent(async () => {
  const sim = createSimulator({ seed, weightPerMinute, realTime: true, exchange: { spreadBps: 0 } });
  const simUrl = await sim.start();
  const tap = await startTap(simUrl);
  return {
    ready: { url: tap.url } satisfies CopySimReady,
    methods: copySimMethods(sim, tap.actions),
    stop: async () => {
      await tap.close();
      await sim.stop();
    },
  };
});
