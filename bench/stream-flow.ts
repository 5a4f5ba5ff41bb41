import type { StreamStatus } from "#domain/stream-status.js";
import { createPrng, type Prng } from "#simulator/prng.js";
import { maxWindowWeight, minutesToReconcile, splitPolls, sweepPerTick } from "./stream-exchange.js";
import { checkDeliveries, planOrder, shuffled, summarize, type DeliveryCheck, type PlacedOrder, type Summary } from "./stream-figures.js";
import { startStack, TRACKING_INTERVAL_SECONDS, type Services, type Stack } from "./stream-stack.js";

/**
 * The `latency` and `scale` scenarios of bench/stream.ts: tracked traders trade (each order filling
 * against 2–5 makers at one time and oid) while the whole pipeline runs, and a feed client waits
 * for each change. Also what both report of the exchange's side (weight, polls, reconciliation).
 */

export interface FlowSpec {
  id: "latency" | "scale";
  title: string;
  traders: number;
  simSeed: number;
  /** When each order is placed, ms after trading starts. */
  offsets: (prng: Prng) => number[];
}

export interface ExchangeFigures {
  /** When the dispatcher's schedule started (epoch ms): times below are from it. */
  dispatcherStartedAt: number;
  /** The most weight charged in any 60 s of the scenario, from the system's start. */
  maxWeight60s: number;
  /** Where that window ended, seconds after the dispatcher started. */
  maxWeightEndsAtS: number | null;
  weight: number;
  weightByType: Record<string, number>;
  /** 429s we were answered (the exchange's rule; the simulator injects no faults here). */
  refused: number;
  polls: { live: number; sweep: number };
  reconcile: {
    ticks: number;
    /** When each tick began, seconds after the dispatcher's schedule started. */
    tickOffsetsS: number[];
    /** Traders each tick dispatched (a slice while the stream is up). */
    dispatched: number[];
    /** Sweep polls the exchange answered per tick, and so per minute. */
    sweepPerTick: number;
    sweepPerMinute: number;
    /** One walk over every tracked trader at that rate. */
    minutesToReconcileAll: number;
  };
}

export interface FlowResult {
  spec: Omit<FlowSpec, "offsets">;
  tradingSeconds: number;
  ordersPerMinute: number;
  /** The most the market's clock was ahead of wall time at an order (latency is from the trade's exchange time). */
  clockLeadMs: number;
  check: Omit<DeliveryCheck, "samples">;
  /** Trade time → receipt at the client, and its stages (./stream-figures.ts `Stages`). */
  latency: Summary;
  stages: { toPoll: Summary; poll: Summary; toClient: Summary };
  exchange: ExchangeFigures;
  listener: StreamStatus | null;
  /** CPU of the system process (every function, gateway and SDK client) over the scenario, % of one core. */
  systemCpuPercent: number;
  /** The system's main event loop over the scenario: a stall there delays every hop it serves. */
  systemLoopDelay: { p99Ms: number; maxMs: number };
  /** A GetItem on the state table every 500 ms from the orchestrator: how DynamoDB Local answered meanwhile. */
  dynamoProbe: Summary;
  setupMs: Stack["setupMs"];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or `timeoutMs`; then `settleMs` more for late or duplicate deliveries. */
export const settle = async (done: () => boolean, timeoutMs: number, settleMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(50);
  await sleep(settleMs);
};

/** Times a small read of the state table every 500 ms until stopped. */
const probeDynamo = (stack: Stack): { stop: () => Summary } => {
  const times: number[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const t = performance.now();
    void stack
      .readStatus()
      .then(() => times.push(performance.now() - t))
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      return summarize(times);
    },
  };
};

export const exchangeFigures = async (stack: Stack, orders: readonly PlacedOrder[], tracked: number): Promise<ExchangeFigures> => {
  const acc = await stack.sim.call("accounting");
  const ticks = (await stack.system.call("dispatches")).filter((d) => d.startedAt >= stack.dispatcherStartedAt);
  const polls = splitPolls(acc.polls, orders);
  const most = maxWindowWeight(acc.base, acc.samples);
  const perTick = sweepPerTick(polls.sweepTimes, ticks.map((d) => d.startedAt));
  const sweepPerMinute = (perTick * 60) / TRACKING_INTERVAL_SECONDS;
  return {
    dispatcherStartedAt: stack.dispatcherStartedAt,
    maxWeight60s: most.weight,
    maxWeightEndsAtS: most.endsAt === null ? null : Math.round((most.endsAt - stack.dispatcherStartedAt) / 100) / 10,
    weight: acc.stats.weight - acc.base,
    weightByType: acc.stats.weightByType,
    refused: acc.refused,
    polls: { live: polls.live, sweep: polls.sweep },
    reconcile: {
      ticks: ticks.length,
      tickOffsetsS: ticks.map((d) => Math.round((d.startedAt - stack.dispatcherStartedAt) / 100) / 10),
      dispatched: ticks.map((d) => ("skipped" in d.result ? 0 : d.result.traders)),
      sweepPerTick: Math.round(perTick),
      sweepPerMinute: Math.round(sweepPerMinute),
      minutesToReconcileAll: Math.round(minutesToReconcile(tracked, sweepPerMinute) * 10) / 10,
    },
  };
};

export const runFlow = async (spec: FlowSpec, services: Services): Promise<FlowResult> => {
  const stack = await startStack(spec, services);
  try {
    const prng = createPrng(spec.simSeed, 7);
    // Each trader trades once a run, so each order is one change of one trader.
    const takers = shuffled(prng, stack.tracked);
    const offsets = spec.offsets(prng).slice(0, takers.length);
    const cpu0 = await stack.system.call("cpu");
    await stack.system.call("loopDelay");
    const probe = probeDynamo(stack);
    const wall0 = Date.now();
    const start = Date.now();
    const orders: PlacedOrder[] = [];
    for (const [i, offset] of offsets.entries()) {
      const wait = start + offset - Date.now();
      if (wait > 0) await sleep(wait);
      orders.push(await stack.sim.call("order", planOrder(prng, takers[i]!, stack.coins, stack.makers)));
    }
    const tradingSeconds = (Date.now() - start) / 1_000;
    // A poll retried after 0.25, 0.75 and 2 s, then handed to the worker: well within 30 s.
    await settle(() => orders.every((o) => stack.feed.has(o.user, o.coin)), 30_000);
    const cpu1 = await stack.system.call("cpu");
    const systemLoopDelay = await stack.system.call("loopDelay");
    const dynamoProbe = probe.stop();
    const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1_000;

    const { polls } = await stack.sim.call("accounting");
    const { samples, ...check } = checkDeliveries(orders, stack.feed.events(), polls);
    return {
      spec: { id: spec.id, title: spec.title, traders: spec.traders, simSeed: spec.simSeed },
      tradingSeconds: Math.round(tradingSeconds),
      ordersPerMinute: Math.round((orders.length / Math.max(1, tradingSeconds)) * 60 * 10) / 10,
      clockLeadMs: Math.max(0, ...orders.map((o) => o.clockLeadMs)),
      check,
      latency: summarize(samples.latencyMs),
      stages: { toPoll: summarize(samples.toPollMs), poll: summarize(samples.pollMs), toClient: summarize(samples.toClientMs) },
      exchange: await exchangeFigures(stack, orders, spec.traders),
      listener: await stack.readStatus(),
      systemCpuPercent: Math.round((cpuMs / (Date.now() - wall0)) * 1_000) / 10,
      systemLoopDelay,
      dynamoProbe,
      setupMs: stack.setupMs,
    };
  } finally {
    await stack.stop();
  }
};
