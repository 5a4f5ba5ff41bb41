import { createSimulator, type FaultConfig, type SimulatorStats } from "#simulator/index.js";
import type { PositionMap } from "#domain/positions.js";
import { serveParent } from "./ipc.js";

/**
 * The exchange simulator in a process of its own (forked by bench/scenario.ts): it answers the
 * worker's HTTP polls on its own event loop, so its CPU is not counted as the worker's. The
 * benchmark drives the market and reads the simulator's independent weight accounting over IPC.
 */

export interface SimReady {
  url: string;
}

export interface ActivityResult {
  trades: number;
  /** Traders on either side of at least one trade (the market maker excluded). */
  touched: number;
}

const seed = Number(process.env.BENCH_SIM_SEED ?? "1");
/** The exchange's weight rule for this scenario: the limit the scenario's budget plans with. */
const weightPerMinute = Number(process.env.BENCH_SIM_WEIGHT_PER_MINUTE ?? "1200");

export const simMethods = (sim: ReturnType<typeof createSimulator>, polls = new Map<string, number[]>()) => ({
  populate: (n: number): string[] => sim.populate(n),
  /** Random trades until at least `traders` different crowd traders have traded. */
  activity: (traders: number): ActivityResult => {
    const touched = new Set<string>();
    let trades = 0;
    while (touched.size < traders) {
      for (const r of sim.randomActivity(1)) {
        trades++;
        for (const u of r.trade.users) if (u.toLowerCase() !== sim.marketMaker.toLowerCase()) touched.add(u.toLowerCase());
      }
    }
    return { trades, touched: touched.size };
  },
  advance: (ms: number): number => sim.advance(ms),
  now: (): number => sim.now(),
  stats: (): SimulatorStats => sim.stats(),
  setLatency: (latencyMs: number): void => sim.setFaults({ latencyMs }),
  setFaults: (config: FaultConfig): void => sim.setFaults(config),
  /** From now on, the wall time of every answered clearinghouseState poll, per trader. */
  logPolls: (): void => {
    sim.onAnswer((a) => {
      if (a.type !== "clearinghouseState" || a.status !== 200 || a.user === null) return;
      const user = a.user.toLowerCase();
      const times = polls.get(user);
      if (times) times.push(a.at);
      else polls.set(user, [a.at]);
    });
  },
  polls: (): Record<string, number[]> => Object.fromEntries(polls),
  /** Positions as the simulator holds them, in the layout the traders table stores. */
  positions: (addresses: string[]): Record<string, PositionMap> => {
    const coins = sim.coins();
    const out: Record<string, PositionMap> = {};
    for (const address of addresses) {
      const map: PositionMap = {};
      for (const coin of coins) {
        const p = sim.positionOf(address, coin);
        if (p) map[coin] = { szi: p.szi, entryPx: p.entryPx, leverage: { type: p.leverage.type, value: p.leverage.value } };
      }
      out[address] = map;
    }
    return out;
  },
});

export type SimMethods = ReturnType<typeof simMethods>;

await serveParent(async () => {
  const sim = createSimulator({ seed, weightPerMinute });
  const url = await sim.start();
  return { ready: { url } satisfies SimReady, methods: simMethods(sim), stop: () => sim.stop() };
});
