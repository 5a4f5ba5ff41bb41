import type { Prng } from "#simulator/prng.js";
import { ms, percentile } from "./percentile.js";
import { expectedEvents, type ExpectedEvent } from "./stream-oracle.js";

/**
 * The arithmetic of bench/stream.ts, kept free of processes and sockets so it can be unit-tested
 * (test/unit/bench/stream-figures.test.ts): what to trade, and whether every change arrived, once,
 * and how soon. What the exchange saw is reckoned in ./stream-exchange.ts.
 */

/** One taker order, filled at one time and one oid against several makers (one public trade each). */
export interface PlannedOrder {
  user: string;
  coin: string;
  /** Signed fill sizes, all of one sign: + buys, − sells. */
  sizes: string[];
  /** One distinct maker per fill. */
  makers: string[];
}

/** An order as the simulator recorded it. */
export interface PlacedOrder {
  user: string;
  coin: string;
  /** Exchange time of every fill (the simulator runs on wall time, so this is epoch ms). */
  time: number;
  tids: number[];
  /** The signed size of each fill, in the order of `tids`. */
  sizes: string[];
  /** The taker's signed size in the coin just before the order ("0" when flat). */
  startSzi: string;
  /** How far the market's clock was ahead of wall time when the order was placed (0 on wall time). */
  clockLeadMs: number;
}

/** A `trade_event` as a feed client saw it. */
export interface ReceivedEvent {
  id: string;
  trader: string;
  coin: string;
  /** `event_type`. */
  type: string;
  tids: number[];
  fillsSource: string | null;
  /** The event's `timestamp` (when the poll that found the change began), epoch ms. */
  eventAt: number;
  /** First receipt at the client, epoch ms. */
  receivedAt: number;
  /** Receipts of this id at this client (1 unless duplicated). */
  deliveries: number;
}

export interface Summary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export const summarize = (values: readonly number[]): Summary => ({
  count: values.length,
  p50Ms: ms(percentile(values, 50)),
  p99Ms: ms(percentile(values, 99)),
  maxMs: ms(percentile(values, 100)),
});

/** 2–5 fills of 1–3 whole units each, one sign, each against a different maker. */
export const planOrder = (prng: Prng, user: string, coins: readonly string[], makers: readonly string[]): PlannedOrder => {
  const fills = prng.between(2, Math.min(5, makers.length));
  const sign = prng.chance(0.5) ? "" : "-";
  const pool = [...makers];
  const picked: string[] = [];
  for (let i = 0; i < fills; i++) picked.push(pool.splice(prng.int(pool.length), 1)[0] as string);
  return {
    user,
    coin: prng.pick(coins),
    sizes: picked.map(() => `${sign}${prng.between(1, 3)}`),
    makers: picked,
  };
};

/** Offsets (ms from the start) of `perMinute` orders a minute for `seconds`, as a Poisson process. */
export const poissonOffsets = (prng: Prng, perMinute: number, seconds: number): number[] => {
  const meanGapMs = 60_000 / perMinute;
  const out: number[] = [];
  for (let t = -Math.log(1 - prng.next()) * meanGapMs; t < seconds * 1_000; t += -Math.log(1 - prng.next()) * meanGapMs) out.push(Math.round(t));
  return out;
};

/** Fisher–Yates on a copy: the order in which tracked traders are picked to trade (each once). */
export const shuffled = <T>(prng: Prng, items: readonly T[]): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

export interface DeliveryCheck {
  /** Orders placed. */
  expected: number;
  /**
   * Events the orders should make by the README's rule (./stream-oracle.ts): one, or two for an
   * order that lands on zero partway (CLOSE, OPEN) or crosses it before its last fill (FLIP, INCREASE).
   */
  expectedEvents: number;
  /** Expected events that reached the client: the taker's, in the coin, of that type, behind exactly those tids. */
  delivered: number;
  /** Expected events that did not. */
  missing: number;
  /** Events no order explains: another split of an order's fills, another type, or a trader who did not trade. */
  unexpected: number;
  /** Receipts of an id the client already had. */
  duplicates: number;
  tids: { expected: number; behindOne: number; inNone: number; inMany: number; foreign: number };
  /** Delivered orders by where their fills came from (`stream` or `exchange`). */
  bySource: Record<string, number>;
  /** The slowest delivered orders (at most 5), to see what held them up. */
  slowest: OrderTrace[];
  /** Per order with an event, ms (a stage is left out where the exchange logged no answer to the poll). */
  samples: Stages;
}

/**
 * Where a change's time went: trade → the start of the poll that found it (the event's
 * `timestamp`: the stream, coalescing, a free poll slot) → the exchange's answer to that poll
 * (weight, the request) → the client (commit, the table's stream, broadcaster, gateway).
 */
export interface Stages {
  latencyMs: number[];
  toPollMs: number[];
  pollMs: number[];
  toClientMs: number[];
}

export interface OrderTrace {
  user: string;
  coin: string;
  time: number;
  fills: number;
  latencyMs: number;
  toPollMs: number;
  /** null: no answer to that trader logged after the poll began. */
  pollMs: number | null;
  toClientMs: number | null;
  source: string;
  /** Of the order's tids, how many its first event names. */
  tidsInEvent: number;
}

const key = (trader: string, coin: string) => `${trader.toLowerCase()}|${coin}`;

const sameEvent = (want: ExpectedEvent, got: ReceivedEvent): boolean =>
  want.type === got.type && want.tids.length === got.tids.length && want.tids.every((t, n) => got.tids[n] === t);

/**
 * Every order against what the client received. Each taker trades once a run, so an order's
 * events are found by taker and coin, and must be exactly the ones ./stream-oracle.ts expects of
 * it; each of its trades' tids must be behind exactly one event. Latency is timed to the first. `polls`
 * (the exchange's answered clearinghouseState polls) split each latency at the poll's answer.
 */
export const checkDeliveries = (
  orders: readonly PlacedOrder[],
  events: readonly ReceivedEvent[],
  polls: readonly { user: string; at: number }[] = [],
): DeliveryCheck => {
  const byKey = new Map<string, ReceivedEvent[]>();
  for (const e of events) {
    const k = key(e.trader, e.coin);
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const answers = new Map<string, number[]>();
  for (const p of polls) answers.set(p.user.toLowerCase(), [...(answers.get(p.user.toLowerCase()) ?? []), p.at]);
  const tidCount = new Map<number, number>();
  for (const e of events) for (const tid of e.tids) tidCount.set(tid, (tidCount.get(tid) ?? 0) + 1);
  const ordered = new Set(orders.map((o) => key(o.user, o.coin)));
  const orderTids = new Set(orders.flatMap((o) => o.tids));

  const samples: Stages = { latencyMs: [], toPollMs: [], pollMs: [], toClientMs: [] };
  const bySource: Record<string, number> = {};
  const traces: OrderTrace[] = [];
  let expectedCount = 0;
  let delivered = 0;
  let unexpected = 0;
  for (const o of orders) {
    const found = [...(byKey.get(key(o.user, o.coin)) ?? [])].sort((a, b) => a.receivedAt - b.receivedAt);
    const wanted = expectedEvents(o.startSzi, o.sizes.map((size, n) => ({ size, tid: o.tids[n]! })));
    expectedCount += wanted.length;
    const matched = wanted.filter((w) => found.some((e) => sameEvent(w, e))).length;
    delivered += matched;
    unexpected += found.filter((e) => !wanted.some((w) => sameEvent(w, e))).length;
    const first = found[0];
    if (first === undefined) continue;
    // The poll's answer: the first the exchange gave this trader once the poll had begun.
    const answered = (answers.get(o.user.toLowerCase()) ?? []).filter((t) => t >= first.eventAt && t <= first.receivedAt).sort((a, b) => a - b)[0];
    const trace: OrderTrace = {
      user: o.user,
      coin: o.coin,
      time: o.time,
      fills: o.tids.length,
      latencyMs: first.receivedAt - o.time,
      toPollMs: first.eventAt - o.time,
      pollMs: answered === undefined ? null : answered - first.eventAt,
      toClientMs: answered === undefined ? null : first.receivedAt - answered,
      source: first.fillsSource ?? "none",
      tidsInEvent: o.tids.filter((t) => first.tids.includes(t)).length,
    };
    traces.push(trace);
    samples.latencyMs.push(trace.latencyMs);
    samples.toPollMs.push(trace.toPollMs);
    if (trace.pollMs !== null) samples.pollMs.push(trace.pollMs);
    if (trace.toClientMs !== null) samples.toClientMs.push(trace.toClientMs);
    bySource[trace.source] = (bySource[trace.source] ?? 0) + 1;
  }
  for (const [k, list] of byKey) if (!ordered.has(k)) unexpected += list.length;
  const tids = { expected: orderTids.size, behindOne: 0, inNone: 0, inMany: 0, foreign: 0 };
  for (const tid of orderTids) {
    const n = tidCount.get(tid) ?? 0;
    if (n === 0) tids.inNone++;
    else if (n === 1) tids.behindOne++;
    else tids.inMany++;
  }
  for (const tid of tidCount.keys()) if (!orderTids.has(tid)) tids.foreign++;
  return {
    expected: orders.length,
    expectedEvents: expectedCount,
    delivered,
    missing: expectedCount - delivered,
    unexpected,
    duplicates: events.reduce((n, e) => n + e.deliveries - 1, 0),
    tids,
    bySource,
    slowest: [...traces].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 5),
    samples,
  };
};
