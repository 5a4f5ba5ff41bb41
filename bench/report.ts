import type { CycleResult, ScenarioResult } from "./spec.js";
import { median, sum } from "./util.js";

/**
 * Turns raw cycle measurements into the figures the issue asks for, and prints them. Per-trader
 * writes are the items written to the traders, events and fills tables; operational writes are
 * the state table's (the cycle record and one heartbeat per message).
 */

export interface CycleFigures {
  tradersPerSecond: number;
  cpuMsPerTrader: number;
  /** The same less the weight budget's bookkeeping (measured separately). */
  cpuMsPerTraderExclBudget: number;
  perTraderWrites: number;
  perTraderWritesPerTrader: number;
  operationalWrites: number;
  operationalWritesPerMessage: number;
  readOpsPerMessage: number;
  simWeight: number;
  simWeightPerTrader: number;
}

export interface ScenarioFigures {
  id: string;
  traders: number;
  unchangedCycles: number;
  /** Medians over the unchanged cycles. */
  unchanged: {
    wallMs: number;
    tradersPerSecond: number;
    cpuMsPerTrader: number;
    cpuMsPerTraderRange: [min: number, max: number];
    cpuMsPerTraderExclBudget: number;
    perTraderWritesPerTrader: number;
    operationalWritesPerMessage: number;
    simWeightPerCycle: number;
    simWeightPerTrader: number;
    budgetWeightPerCycle: number;
  } | null;
  /** Medians over the worker-only cycles (the handler invoked directly, nothing else in the process). */
  worker: { cycles: number; cpuMsPerTrader: number; cpuMsPerTraderRange: [min: number, max: number]; cpuMsPerTraderExclBudget: number; perTraderWritesPerTrader: number } | null;
  /** The unchanged cycle run with the pollers stopped during dispatch. */
  split: { dispatchCpuMsPerTrader: number; drainCpuMsPerTrader: number; drainCpuMsPerTraderExclBudget: number } | null;
  changed: {
    changedTraders: number;
    touchedTraders: number;
    changedShare: number;
    extraWeightPerChangedTrader: number;
    writesPerChangedTrader: number;
    eventsWritten: number;
    fillsWritten: number;
    fillRequests: number;
    cpuMsPerTrader: number;
  } | null;
}

const PER_TRADER_TABLES = ["traders", "events", "fills"] as const;

const items = (r: ScenarioResult, c: CycleResult, table: keyof ScenarioResult["tables"]): number =>
  c.dynamo.byTable[r.tables[table]]?.writeItems ?? 0;

export const cycleFigures = (r: ScenarioResult, c: CycleResult): CycleFigures => {
  const perTrader = sum(PER_TRADER_TABLES.map((t) => items(r, c, t)));
  const operational = items(r, c, "state");
  const reads = sum(Object.values(c.dynamo.byTable).map((t) => t.readOps));
  return {
    tradersPerSecond: c.traders / (c.wallMs / 1000),
    cpuMsPerTrader: c.cpuMs / c.traders,
    cpuMsPerTraderExclBudget: (c.cpuMs - c.budgetMs) / c.traders,
    perTraderWrites: perTrader,
    perTraderWritesPerTrader: perTrader / c.traders,
    operationalWrites: operational,
    operationalWritesPerMessage: operational / c.messages,
    readOpsPerMessage: reads / c.messages,
    simWeight: c.sim.weight,
    simWeightPerTrader: c.sim.weight / c.traders,
  };
};

export const scenarioFigures = (r: ScenarioResult): ScenarioFigures => {
  const unchanged = r.cycles.filter((c) => c.kind === "unchanged");
  const u = unchanged.map((c) => ({ c, f: cycleFigures(r, c) }));
  const changed = r.cycles.find((c) => c.kind === "changed");
  const split = r.cycles.find((c) => c.kind === "split");
  const w = r.cycles.filter((c) => c.kind === "worker").map((c) => cycleFigures(r, c));
  const weightPerPoll = u.length > 0 ? median(u.map((x) => x.f.simWeightPerTrader)) : 2;
  let changedFigures: ScenarioFigures["changed"] = null;
  if (changed) {
    const n = changed.dynamo.transactions;
    const f = cycleFigures(r, changed);
    changedFigures = {
      changedTraders: n,
      touchedTraders: changed.activity?.touched ?? 0,
      changedShare: n / changed.traders,
      extraWeightPerChangedTrader: n > 0 ? (changed.sim.weight - changed.traders * weightPerPoll) / n : 0,
      writesPerChangedTrader: n > 0 ? f.perTraderWrites / n : 0,
      eventsWritten: items(r, changed, "events"),
      fillsWritten: items(r, changed, "fills"),
      fillRequests: changed.sim.requests.userFillsByTime ?? 0,
      cpuMsPerTrader: f.cpuMsPerTrader,
    };
  }
  return {
    id: r.spec.id,
    traders: r.spec.traders,
    unchangedCycles: u.length,
    unchanged:
      u.length === 0
        ? null
        : {
            wallMs: median(u.map((x) => x.c.wallMs)),
            tradersPerSecond: median(u.map((x) => x.f.tradersPerSecond)),
            cpuMsPerTrader: median(u.map((x) => x.f.cpuMsPerTrader)),
            cpuMsPerTraderRange: [Math.min(...u.map((x) => x.f.cpuMsPerTrader)), Math.max(...u.map((x) => x.f.cpuMsPerTrader))],
            cpuMsPerTraderExclBudget: median(u.map((x) => x.f.cpuMsPerTraderExclBudget)),
            perTraderWritesPerTrader: median(u.map((x) => x.f.perTraderWritesPerTrader)),
            operationalWritesPerMessage: median(u.map((x) => x.f.operationalWritesPerMessage)),
            simWeightPerCycle: median(u.map((x) => x.c.sim.weight)),
            simWeightPerTrader: weightPerPoll,
            budgetWeightPerCycle: median(u.map((x) => x.c.budgetWeight)),
          },
    worker:
      w.length === 0
        ? null
        : {
            cycles: w.length,
            cpuMsPerTrader: median(w.map((f) => f.cpuMsPerTrader)),
            cpuMsPerTraderRange: [Math.min(...w.map((f) => f.cpuMsPerTrader)), Math.max(...w.map((f) => f.cpuMsPerTrader))],
            cpuMsPerTraderExclBudget: median(w.map((f) => f.cpuMsPerTraderExclBudget)),
            perTraderWritesPerTrader: Math.max(...w.map((f) => f.perTraderWritesPerTrader)),
          },
    split: split?.split
      ? {
          dispatchCpuMsPerTrader: split.split.dispatchCpuMs / split.traders,
          drainCpuMsPerTrader: split.split.drainCpuMs / split.traders,
          drainCpuMsPerTraderExclBudget: (split.split.drainCpuMs - split.budgetMs) / split.traders,
        }
      : null,
    changed: changedFigures,
  };
};

// --- printing ---

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "-";

export const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
};

export const renderScenario = (r: ScenarioResult): string => {
  const rows = r.cycles.map((c) => {
    const f = cycleFigures(r, c);
    return [
      c.kind === "split" ? "unchanged, split" : c.kind === "worker" ? "worker only" : c.kind,
      fmt(c.traders),
      fmt(c.messages),
      fmt(c.wallMs / 1000, 2),
      fmt(f.tradersPerSecond),
      fmt(c.cpuMs),
      fmt(f.cpuMsPerTrader, 3),
      fmt(c.budgetMs),
      fmt(f.cpuMsPerTraderExclBudget, 3),
      fmt(c.sim.weight),
      fmt(c.budgetWeight),
      fmt(items(r, c, "traders")),
      fmt(items(r, c, "events")),
      fmt(items(r, c, "fills")),
      fmt(f.operationalWrites),
      fmt(f.readOpsPerMessage, 1),
      fmt(c.failedRecords + c.sim.faults),
    ];
  });
  const header = ["cycle", "traders", "msgs", "wall s", "traders/s", "CPU ms", "CPU ms/trader", "of it budget ms", "ms/trader excl. budget", "sim weight", "budget weight", "W traders", "W events", "W fills", "W state", "reads/msg", "failed"];
  const s = r.spec;
  const split = r.cycles.find((c) => c.kind === "split");
  const splitNote = split?.split
    ? [
        `split cycle (the worker held back until the dispatcher returned): dispatcher ${fmt(split.split.dispatchCpuMs)} CPU ms ` +
          `(${fmt(split.split.dispatchCpuMs / split.traders, 3)} per trader), drain = worker + event source ${fmt(split.split.drainCpuMs)} CPU ms ` +
          `(${fmt(split.split.drainCpuMs / split.traders, 3)} per trader, ${fmt((split.split.drainCpuMs - split.budgetMs) / split.traders, 3)} without the budget's bookkeeping).`,
      ]
    : [];
  return [
    `### ${s.title}`,
    `traders ${fmt(s.traders)}, budget ${fmt(s.weightPerMinute)}/min less ${s.headroom * 100}% headroom (the process plans with ${fmt(r.budget.limitPerMinute)}), ` +
      `simulated latency ${s.latencyMs} ms, ${s.pollers} SQS pollers, setup: populate ${fmt(r.setupMs.populate / 1000, 1)} s, seed ${fmt(r.setupMs.seed / 1000, 1)} s` +
      (s.seedBaseline ? " (baseline seeded straight into the traders table; the one cycle runs in a fresh process, so its CPU includes JIT warm-up)" : ""),
    table(header, rows),
    "W = items written (DynamoDB, per table) in the cycle; CPU = this process's user+system time from dispatch to the last message",
    "deleted: dispatcher + worker + SDK clients + event source, an upper bound of the worker's own CPU; \"of it budget ms\" is the time spent",
    "inside the weight budget's methods (take, reserve, charge, snapshot). failed = failed records + simulator faults.",
    "worker only = unchanged cycles with the worker handler invoked directly on the SQS events the mapping would deliver (same",
    "messages, same batch size, as many at once as there are pollers); CPU from the first invocation to the last return: the worker's own.",
    ...splitNote,
  ].join("\n");
};

export interface Capacity {
  source: string;
  weightPerPoll: number;
  changedShare: number;
  extraWeightPerChangedTrader: number;
  tradersPerMinute: { limit: number; unchanged: number; withChanges: number }[];
}

export const capacity = (f: ScenarioFigures): Capacity | null => {
  if (!f.unchanged || !f.changed) return null;
  const w = f.unchanged.simWeightPerTrader;
  const p = f.changed.changedShare;
  const wc = f.changed.extraWeightPerChangedTrader;
  return {
    source: f.id,
    weightPerPoll: w,
    changedShare: p,
    extraWeightPerChangedTrader: wc,
    tradersPerMinute: [1080, 1200].map((limit) => ({
      limit,
      unchanged: Math.floor(limit / w),
      withChanges: Math.floor(limit / (w + p * wc)),
    })),
  };
};

export const renderCapacity = (c: Capacity, oldDesign: number): string =>
  [
    `Traders one egress IP can track per minute (each polled once a minute), from scenario ${c.source}:`,
    `  N = L / (w_poll + p × w_change)`,
    `  w_poll   = ${fmt(c.weightPerPoll, 2)}  weight per unchanged poll (simulator's own accounting)`,
    `  p        = ${fmt(c.changedShare, 4)}  share of traders whose positions changed in the changed cycle`,
    `  w_change = ${fmt(c.extraWeightPerChangedTrader, 2)}  extra weight per changed trader (userFillsByTime 20 + 1 per 20 fills), measured`,
    table(
      ["L (weight/min)", "N, nobody trades", `N, p = ${fmt(c.changedShare * 100, 1)}%`, "vs old design"],
      c.tradersPerMinute.map((t) => [
        t.limit === 1080 ? "1,080 (1,200 less 10%)" : "1,200 (0 headroom)",
        fmt(t.unchanged),
        fmt(t.withChanges),
        `${fmt(t.withChanges / oldDesign, 1)}× ${oldDesign}/min`,
      ]),
    ),
  ].join("\n");
