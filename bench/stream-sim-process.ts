import type { PositionMap } from "#domain/positions.js";
import { createSimulator, type Simulator } from "#simulator/index.js";
import { createPrng, deriveAddress } from "#simulator/prng.js";
import type { SimulatorStats } from "#simulator/stats.js";
import type { StreamStats } from "#simulator/stream-stats.js";
import type { WeightSample } from "./stream-exchange.js";
import type { PlacedOrder, PlannedOrder } from "./stream-figures.js";
import { serveParent } from "./ipc.js";

/**
 * The exchange simulator for bench/stream.ts, in a process of its own (forked by the orchestrator):
 * on wall time (`realTime`, so a trade's `time` is comparable with a client's receipt), enforcing
 * the exchange's 1,200 weight a minute, serving `/info` and the trades WebSocket. It places the
 * benchmark's orders, cuts the stream on request and keeps its own account of what we asked: the
 * weight after every answer, every clearinghouseState poll, and when a dropped stream came back.
 */

export interface StreamSimReady {
  url: string;
  wsUrl: string;
}

export interface Accounting {
  /** Weight charged before accounting started. */
  base: number;
  samples: WeightSample[];
  /** Answered (200) clearinghouseState polls. */
  polls: { user: string; at: number }[];
  /** Answers with status 429 (the exchange's rule; no faults are injected here). */
  refused: number;
  stats: SimulatorStats;
  stream: StreamStats;
}

/** A stream drop, as the simulator saw it (epoch ms). */
export interface Reconnect {
  droppedAt: number;
  pauseEndsAt: number;
  /** Connections cut. */
  dropped: number;
  /** The first new connection accepted after the drop, and when every coin was subscribed again. */
  connectedAt: number | null;
  resubscribedAt: number | null;
  /** Upgrades refused while paused (the client's tries during the gap). */
  refusedWhilePaused: number;
}

const seed = Number(process.env.BENCH_SIM_SEED ?? "1");
const weightPerMinute = Number(process.env.BENCH_SIM_WEIGHT_PER_MINUTE ?? "1200");

const streamSimMethods = (sim: Simulator) => {
  let accounting: Omit<Accounting, "stats" | "stream"> | undefined;
  let reconnect: Reconnect | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let nextOid = 1_000_000_000;

  const methods = {
    /**
     * `n` traders with 1–3 positions each, opened two minutes ago. Not `sim.populate`: it moves
     * the market clock 1–200 ms forward per position, so after thousands of traders the clock
     * would run minutes ahead of wall time, and a trade made at wall time would land before the
     * baselines. Two minutes ago: positions predate the run, and a listener starting now does not
     * take these trades (within its 30 s clock margin) for ones to catch up on.
     */
    populate: (n: number): string[] => {
      const prng = createPrng(seed, 3);
      const coins = sim.coins();
      const time = sim.now() - 120_000;
      return Array.from({ length: n }, (_, i) => {
        const user = deriveAddress(seed, `bench-stream-trader:${i}`);
        sim.deposit(user, String(prng.between(1_000, 250_000)));
        const held = new Set(Array.from({ length: prng.between(1, 3) }, () => prng.pick(coins)));
        for (const coin of held) sim.execute({ user, coin, size: `${prng.chance(0.5) ? "" : "-"}${prng.between(1, 3)}`, px: sim.markOf(coin), time });
        return user;
      });
    },
    now: (): number => sim.now(),
    coins: (): string[] => sim.coins(),
    /** Positions as the simulator holds them, in the layout the traders table stores (as bench/sim-process.ts). */
    positions: (addresses: string[]): Record<string, PositionMap> => {
      const out: Record<string, PositionMap> = {};
      for (const address of addresses) {
        const map: PositionMap = {};
        for (const coin of sim.coins()) {
          const p = sim.positionOf(address, coin);
          if (p) map[coin] = { szi: p.szi, entryPx: p.entryPx, leverage: { type: p.leverage.type, value: p.leverage.value } };
        }
        out[address] = map;
      }
      return out;
    },
    /** From now on, the weight after every answer and every answered poll. */
    startAccounting: (): void => {
      const a = { base: sim.stats().weight, samples: [] as WeightSample[], polls: [] as { user: string; at: number }[], refused: 0 };
      accounting = a;
      sim.onAnswer((answer) => {
        a.samples.push({ at: answer.at, total: sim.stats().weight });
        if (answer.status === 429) a.refused++;
        if (answer.type === "clearinghouseState" && answer.status === 200 && answer.user !== null) a.polls.push({ user: answer.user.toLowerCase(), at: answer.at });
      });
    },
    accounting: (): Accounting => {
      if (accounting === undefined) throw new Error("startAccounting was not called");
      return { ...accounting, stats: sim.stats(), stream: sim.streamStats() };
    },
    /** Every fill at one time and one oid, in one synchronous run: the stream sends them as one block. */
    order: (o: PlannedOrder): PlacedOrder => {
      // The exchange's time (wall time, on this simulator), read as late as possible.
      const time = sim.now();
      const oid = nextOid++;
      const px = sim.markOf(o.coin);
      // What the order starts from: against a held position it may land on zero or cross it partway.
      const startSzi = sim.positionOf(o.user, o.coin)?.szi ?? "0";
      const tids = o.sizes.map((size, i) => sim.execute({ user: o.user, coin: o.coin, size, px, counterparty: o.makers[i], time, oid }).trade.tid);
      return { user: o.user.toLowerCase(), coin: o.coin, time, tids, sizes: [...o.sizes], startSzi, clockLeadMs: time - Date.now() };
    },
    /** Trades between untracked makers: enough of them push a trade out of the coin's resubscription snapshot. */
    makersTrade: (coin: string, makers: string[], n: number): void => {
      const px = sim.markOf(coin);
      for (let i = 0; i < n; i++) sim.execute({ user: makers[i % makers.length]!, counterparty: makers[(i + 1) % makers.length]!, coin, size: "1", px });
    },
    /** Holds the stream down for `pauseMs` (new connections refused) and cuts the open ones, as a network drop. */
    dropStream: (pauseMs: number): void => {
      const before = sim.streamStats();
      const droppedAt = Date.now();
      sim.pauseStream(pauseMs);
      const r: Reconnect = {
        droppedAt,
        pauseEndsAt: droppedAt + pauseMs,
        dropped: sim.dropStreamConnections(),
        connectedAt: null,
        resubscribedAt: null,
        refusedWhilePaused: 0,
      };
      reconnect = r;
      clearInterval(watcher);
      // The listener subscribes every coin again on its new connection; each subscribe gets a snapshot.
      watcher = setInterval(() => {
        const s = sim.streamStats();
        const now = Date.now();
        if (r.connectedAt === null && s.accepted > before.accepted) r.connectedAt = now;
        if (r.resubscribedAt === null && s.snapshots >= before.snapshots + before.subscriptions) r.resubscribedAt = now;
        r.refusedWhilePaused = s.refusedWhilePaused - before.refusedWhilePaused;
        if (r.resubscribedAt !== null) clearInterval(watcher);
      }, 5);
    },
    reconnect: (): Reconnect | null => reconnect ?? null,
  };
  return { methods, stop: () => clearInterval(watcher) };
};

export type StreamSimMethods = ReturnType<typeof streamSimMethods>["methods"];

await serveParent(async () => {
  const sim = createSimulator({ seed, weightPerMinute, realTime: true });
  const url = await sim.start();
  const { methods, stop } = streamSimMethods(sim);
  return {
    ready: { url, wsUrl: sim.wsUrl } satisfies StreamSimReady,
    methods,
    stop: async () => {
      stop();
      await sim.stop();
    },
  };
});
