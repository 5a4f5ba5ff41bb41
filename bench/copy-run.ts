import { dec, decStr } from "#commons/decimal.js";
import { FILL_DETAILS_INTERVAL_MS } from "#domain/copy/engine-settle.js";
import type { CopyOrder } from "#domain/copy/ports.js";
import { createPrng } from "#simulator/prng.js";
import type { SimulatorStats } from "#simulator/index.js";
import { doubles, orderFigures, weightPerEvent, type Doubles, type FollowerOrders, type OrderFigures } from "./copy-figures.js";
import { planLeaderSteps, playStep, type CommittedEvent, type LeaderBook } from "./copy-leaders.js";
import { checkFollower, expectedTargets, followerEquityAt, legsFromEvents, paperAccountValue, type LegCheck, type OracleFill } from "./copy-oracle.js";
import { startWorld, type Services, type World, type WorldSpec } from "./copy-world.js";

/**
 * One scenario of bench/copy.ts: a fresh world, the leaders' plan played at its pace (faults
 * injected on the way when asked), a wait until the engine has nothing left to do and one periodic
 * reconciliation has run after that (and every live fill's fee has been read), then the figures: delays, orders, doubles, and every
 * follower's final position against the oracle's target.
 */

export interface ScenarioSpec extends WorldSpec {
  title: string;
  steps: number;
  durationMs: number;
  faults: boolean;
}

export interface FaultLog {
  crash?: { atStep: number; killedWithInFlight: number; restartMs: number };
  resent?: { atStep: number; messages: number };
  redispatch?: { atStep: number; records: number; failures: number; ms: number };
}

export interface FollowerCheck {
  id: string;
  mode: "paper" | "live";
  /** The follower's state at the end, and why it is paused if it is. */
  state: string;
  pause: string | null;
  sizing: string;
  legs: (LegCheck & { modes: string[] })[];
}

export interface ScenarioResult {
  spec: ScenarioSpec;
  events: number;
  /** Follower messages the events should cause (Σ over events of the leader's followers). */
  copiesPerEvent: number;
  playLagMs: { p50: number; max: number };
  commitMs: { p50: number; max: number };
  figures: OrderFigures;
  doubles: Doubles;
  weight: ReturnType<typeof weightPerEvent> & { limited: number };
  stats: SimulatorStats;
  checks: FollowerCheck[];
  /**
   * Followers whose final account value (the exchange's, the paper ledger's) equals the one the
   * oracle works out from their fills, and the others: the oracle's proportional targets rest on it.
   */
  equityModel: { agree: number; disagree: string[] };
  faults: FaultLog;
  worker: { started: number; finished: number; failed: number; messages: number };
  reconcileRuns: number;
  settleMs: number;
}

/** A follower's fills as the oracle reads them: each filled (or partly filled) order, signed. */
const fillsOf = (orders: readonly CopyOrder[]): OracleFill[] =>
  orders.flatMap((o) =>
    (o.status === "filled" || o.status === "partially_filled") && o.filledSize !== null && o.fillPrice !== null && o.sentAt !== null
      ? [{ plannedAt: o.sentAt, coin: o.coin, szi: o.side === "buy" ? o.filledSize : decStr(dec(o.filledSize).neg()), price: o.fillPrice, feeUsd: o.feeUsd ?? "0" }]
      : [],
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;

/** Fills of the live followers still waiting for their fee and closed PnL (the accounts' `unsettled`). */
const unsettledFills = async (world: World): Promise<number> => {
  let waiting = 0;
  for (const f of world.followers) if (f.live !== undefined) waiting += (await world.store.getAccount(f.id)).unsettled?.length ?? 0;
  return waiting;
};

/**
 * Queue empty twice in a row, then one reconcile run started after that and the queue empty again;
 * then every live fill's fee read (the oracle checks fees): the first run a minute after a fill
 * reads it, a reconcile's at the latest, so that takes the interval and two reconciles at most.
 */
const settle = async (world: World, timeoutMs: number, progress: (line: string) => void): Promise<number> => {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let told = started;
  const drained = async () => {
    for (let empty = 0; empty < 2; ) {
      const queued = await world.queued();
      if (Date.now() > deadline) throw new Error(`the copy queue did not drain within ${timeoutMs} ms (${queued} messages left)`);
      if (Date.now() - told > 30_000) {
        told = Date.now();
        progress(`${queued} copy messages queued; worker since its start ${JSON.stringify(await world.worker().call("batches"))}`);
      }
      empty = queued === 0 && (await world.worker().call("inFlight")) === 0 ? empty + 1 : 0;
      await sleep(500);
    }
  };
  await drained();
  const after = Date.now();
  while (!(await world.dispatch.call("reconcileRuns")).some((r) => r.startedAt > after)) {
    if (Date.now() > deadline) throw new Error(`no reconciliation ran within ${timeoutMs} ms`);
    await sleep(500);
  }
  await drained();
  const feesBy = Math.min(deadline, Date.now() + FILL_DETAILS_INTERVAL_MS + 3 * world.spec.reconcileSeconds * 1000);
  for (let waiting = await unsettledFills(world); waiting > 0; waiting = await unsettledFills(world)) {
    if (Date.now() > feesBy) {
      throw new Error(`${waiting} live fills still had no fee read ${Date.now() - after} ms after the queue drained (the live followers' unsettled lists)`);
    }
    if (Date.now() - told > 30_000) {
      told = Date.now();
      progress(`${waiting} live fills waiting for their fee (read a minute after them, by the next run)`);
    }
    await sleep(1_000);
  }
  await drained();
  return Date.now() - started;
};

const allOrders = async (world: World, id: string): Promise<CopyOrder[]> => {
  const out: CopyOrder[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.store.listOrders(id, { limit: 200, ...(cursor !== undefined && { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
};

/** Faults at fixed points of the plan, run beside the play so its pace does not change. */
const injectFaults = (world: World, events: CommittedEvent[], step: number, total: number, log: FaultLog): Promise<void> | undefined => {
  if (step === Math.floor(total * 0.4)) {
    return (async () => {
      // Mid-batch: wait (up to 5 s) for an invocation to be running, then kill the process under it.
      for (let i = 0; i < 100 && (await world.worker().call("inFlight")) === 0; i++) await sleep(50);
      const t = Date.now();
      const { killedWithInFlight } = await world.crashWorker();
      log.crash = { atStep: step, killedWithInFlight, restartMs: Date.now() - t };
    })();
  }
  if (step === Math.floor(total * 0.6)) {
    return (async () => {
      // Copy messages of events already copied, sent again as a redelivery past SQS's deduplication.
      const old = events.slice(0, Math.floor(events.length / 2)).filter((_, i) => i % 25 === 0);
      let messages = 0;
      for (const e of old) {
        for (const f of world.followers.filter((p) => p.leaders.some((l) => l.address === e.leader))) {
          await world.resend({ v: 1, follower_id: f.id, event_id: e.id, leader: e.leader, coin: e.coin, signal_at: e.at }, "redelivered");
          messages++;
        }
      }
      log.resent = { atStep: step, messages };
    })();
  }
  if (step === Math.floor(total * 0.7)) {
    return (async () => {
      const t = Date.now();
      const r = await world.dispatch.call("redispatch");
      log.redispatch = { atStep: step, ...r, ms: Date.now() - t };
    })();
  }
  return undefined;
};

export const runScenario = async (spec: ScenarioSpec, services: Services, progress: (line: string) => void): Promise<ScenarioResult> => {
  const world = await startWorld(spec, services);
  try {
    const steps = planLeaderSteps(createPrng(spec.seed, 11), { leaders: world.leaders, coinsOf: world.coinsOf, market: world.market, steps: spec.steps, durationMs: spec.durationMs });
    const books = new Map<string, LeaderBook>(world.leaders.map((l) => [l, { version: 0, positions: {} }]));
    const events: CommittedEvent[] = [];
    const faults: FaultLog = {};
    const pending: Promise<void>[] = [];
    const start = Date.now();
    progress(`${spec.id}: ${world.followers.length} followers of ${world.leaders.length} leaders stored; playing ${steps.length} leader trades over ${spec.durationMs / 1000} s`);
    for (const [i, step] of steps.entries()) {
      const plannedAt = start + step.atMs;
      if (plannedAt > Date.now()) await sleep(plannedAt - Date.now());
      const book = books.get(step.leader) as LeaderBook;
      events.push(...(await playStep(step, book, { trade: (l, c, s) => world.sim.call("trade", l, c, s), traders: world.traders, plannedAt })));
      if (spec.faults) {
        const fault = injectFaults(world, events, i, steps.length, faults);
        if (fault !== undefined) pending.push(fault);
      }
      if ((i + 1) % Math.max(1, Math.floor(steps.length / 5)) === 0) progress(`${spec.id}: ${i + 1}/${steps.length} trades played`);
    }
    await Promise.all(pending);
    progress(`${spec.id}: waiting for the engine to settle`);
    // A backlog drains at the worker's pace: on a loaded 2-core machine, 10–30 messages a second.
    const settleMs = await settle(world, 2_400_000, progress);

    const { stats, actions } = await world.sim.call("accounting");
    const followerOrders: FollowerOrders[] = [];
    for (const f of world.followers) followerOrders.push({ followerId: f.id, mode: f.mode, orders: await allOrders(world, f.id) });

    // The oracle's inputs: each follower's fills (its account value at any time follows from them,
    // checked here against the final value the exchange or the paper ledger gives).
    const liveAccounts = world.followers.flatMap((f) => (f.live === undefined ? [] : [f.live.address]));
    const liveEquity = await world.sim.call("accountValues", liveAccounts);
    const liveSizes = await world.sim.call("sizes", liveAccounts);
    const legs = legsFromEvents(events);
    const checks: FollowerCheck[] = [];
    const equityModel = { agree: 0, disagree: [] as string[] };
    for (const [i, f] of world.followers.entries()) {
      let finalUsd: string;
      let actual: Record<string, string>;
      if (f.live !== undefined) {
        finalUsd = liveEquity[f.live.address] ?? "0";
        actual = liveSizes[f.live.address] ?? {};
      } else {
        const ledger = (await world.store.getAccount(f.id)).ledger;
        finalUsd = ledger === undefined ? f.balanceUsd : paperAccountValue(ledger, world.market);
        actual = Object.fromEntries(Object.entries(ledger?.positions ?? {}).map(([coin, p]) => [coin, p.szi]));
      }
      const oracleFollower = { id: f.id, leaders: f.leaders, caps: f.caps, startUsd: f.balanceUsd, fills: fillsOf(followerOrders[i]!.orders) };
      const modelled = followerEquityAt(oracleFollower, Number.POSITIVE_INFINITY, world.market);
      if (modelled.eq(finalUsd)) equityModel.agree++;
      else equityModel.disagree.push(`${f.id}: ${decStr(modelled)} from its fills, ${finalUsd} held`);
      const targets = expectedTargets(oracleFollower, legs, world.market);
      const record = await world.store.get(f.id);
      checks.push({
        id: f.id,
        mode: f.mode,
        state: record?.state ?? "missing",
        pause: record?.pause ? `${record.pause.reason}: ${record.pause.message}` : null,
        sizing: f.leaders.map((l) => l.sizing.mode).join("+"),
        legs: checkFollower(targets, actual, world.market).map((l) => ({
          ...l,
          // The sizing modes making up this coin's target (fixed_notional's depends on the size the engine first saw).
          modes: f.leaders.filter((x) => !(legs.get(`${x.address} ${l.coin}`)?.szi.eq(0) ?? true)).map((x) => x.sizing.mode),
        })),
      });
    }

    const followersOf = (leader: string) => world.followers.filter((f) => f.leaders.some((l) => l.address === leader)).length;
    return {
      spec,
      events: events.length,
      copiesPerEvent: Math.round((events.reduce((s, e) => s + followersOf(e.leader), 0) / Math.max(1, events.length)) * 10) / 10,
      playLagMs: { p50: quantile(events.map((e) => e.lagMs), 0.5), max: Math.max(...events.map((e) => e.lagMs)) },
      commitMs: { p50: quantile(events.map((e) => e.commitMs), 0.5), max: Math.max(...events.map((e) => e.commitMs)) },
      figures: orderFigures(followerOrders, events, actions),
      doubles: doubles(followerOrders, actions),
      weight: { ...weightPerEvent(stats.weight, actions, events.length), limited: stats.limited },
      stats,
      checks,
      equityModel,
      faults,
      worker: await world.worker().call("batches"),
      reconcileRuns: (await world.dispatch.call("reconcileRuns")).length,
      settleMs,
    };
  } finally {
    await world.stop();
  }
};
