import type { Summary } from "./stream-figures.js";
import type { FollowerCheck, ScenarioResult } from "./copy-run.js";

/** How bench/copy.ts prints a scenario and judges the issue's targets (printed, not asserted). */

export const TARGET_ORDER_P99_MS = 500;
export const TARGET_FILL_P99_MS = 1_000;

const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} ms` : "—");
const summary = (x: Summary): string => `p50 ${ms(x.p50Ms)}, p99 ${ms(x.p99Ms)}, max ${ms(x.maxMs)} (${x.count})`;
const met = (ok: boolean): string => (ok ? "met" : "NOT met");

/** A follower is missed when any coin is more than one lot off its target (the issue's rule). */
export const missedFollowers = (checks: readonly FollowerCheck[]): FollowerCheck[] =>
  checks.filter((c) => c.legs.some((l) => l.verdict === "missed" || l.verdict === "below_minimum"));

const verdicts = (checks: readonly FollowerCheck[]): Record<string, number> => {
  const out: Record<string, number> = { exact: 0, within_lot: 0, below_minimum: 0, missed: 0 };
  for (const c of checks) for (const l of c.legs) out[l.verdict] = (out[l.verdict] ?? 0) + 1;
  return out;
};

/** Why the followers that are not active stopped copying, counted. */
const pauses = (checks: readonly FollowerCheck[]): string => {
  const by = new Map<string, number>();
  for (const c of checks) if (c.state !== "active") by.set(c.pause ?? c.state, (by.get(c.pause ?? c.state) ?? 0) + 1);
  return [...by].map(([why, n]) => `${n} × ${why}`).join("; ") || "none";
};

const offByModes = (missed: readonly FollowerCheck[]): string => {
  const by = new Map<string, number>();
  for (const c of missed) {
    if (c.state !== "active") continue;
    for (const l of c.legs) {
      if (l.verdict !== "missed" && l.verdict !== "below_minimum") continue;
      const key = `${[...new Set(l.modes)].sort().join("+") || "none held"} (${l.verdict === "missed" ? "≥ $10" : "< $10"})`;
      by.set(key, (by.get(key) ?? 0) + 1);
    }
  }
  return [...by].sort().map(([k, n]) => `${k} ${n}`).join(", ") || "none";
};

export const doubledCount = (r: ScenarioResult): number => r.doubles.storedTwice + r.doubles.filledTwice;

export const renderScenario = (r: ScenarioResult): string => {
  const f = r.figures;
  const missed = missedFollowers(r.checks);
  const v = verdicts(r.checks);
  const lines = [
    `## ${r.spec.title}`,
    `- ${r.events} leader events (${r.spec.steps} trades over ${r.spec.durationMs / 1000} s), each copied by ${r.copiesPerEvent} followers on average; ` +
      `played late by p50 ${ms(r.playLagMs.p50)} / max ${ms(r.playLagMs.max)}, each commit (positions + event, one transaction) p50 ${ms(r.commitMs.p50)} / max ${ms(r.commitMs.max)}`,
    `- event committed → order sent: all ${summary(f.all.sent)}; live ${summary(f.live.sent)}; paper ${summary(f.paper.sent)}`,
    `- event committed → order filled: all ${summary(f.all.filled)}; live ${summary(f.live.filled)}; paper ${summary(f.paper.filled)}`,
    `- event committed → the exchange receiving a live order (the tap's clock): ${summary(f.exchangeReceived)}`,
    `- orders stored: ${f.byOrigin.event} for leader events, ${f.byOrigin.reconcile} by periodic reconciliation, ${f.byOrigin.other} other; ` +
      `by status ${Object.entries(f.byStatus).map(([k, n]) => `${k} ${n}`).join(", ") || "—"}; for events never committed ${f.unknownEvents}`,
    `- doubled: ${doubledCount(r)} (stored twice for one (follower, event, coin, leg) ${r.doubles.storedTwice}; filled twice by the exchange ${r.doubles.filledTwice}); ` +
      `cloids not derived from (follower, event, coin, leg) ${r.doubles.foreignCloids}; refused by the exchange as a used cloid ${r.doubles.duplicatesRefused}; filled but never stored ${r.doubles.unrecorded}`,
    `- final positions against the oracle: ${r.checks.length} followers, coins exact ${v.exact}, within one lot ${v.within_lot}, more than a lot off but under the $10 minimum order ${v.below_minimum}, missed ${v.missed} → missed followers ${missed.length}`,
    `  of the missed: ${missed.filter((c) => c.state === "active").length} active; paused or stopped ${missed.filter((c) => c.state !== "active").length} (${pauses(missed)})`,
    `  coins off by more than a lot at active followers, by the sizing modes making up their target: ${offByModes(missed)}`,
    ...missed.slice(0, 8).map(
      (c) =>
        `  ${c.id} (${c.mode}, ${c.sizing}, ${c.state}): ${c.legs
          .filter((l) => l.verdict === "missed" || l.verdict === "below_minimum")
          .map((l) => `${l.coin} target ${l.target} actual ${l.actual} (${l.lots} lots, $${l.usd})`)
          .join("; ")}`,
    ),
    `- the oracle's account values: ${r.equityModel.agree} of ${r.checks.length} followers' final values equal their start plus their fills at the marks` +
      (r.equityModel.disagree.length === 0 ? "" : `; not: ${r.equityModel.disagree.slice(0, 3).join("; ")}`),
    `- exchange weight: /info ${r.weight.info} + /exchange ${r.weight.exchange} = ${r.weight.perEvent} a leader event (reconciliations included); ` +
      `at the exchange's 1,200 a minute per IP that is ${r.weight.eventsPerMinuteAt1200} leader events a minute; 429s ${r.weight.limited}; ` +
      `requests ${Object.entries(r.stats.requests).map(([k, n]) => `${k} ${n}`).join(", ")}`,
    `- worker (since its last start): ${r.worker.messages} messages in ${r.worker.finished} batches done, ${r.worker.failed} failed; reconciliation runs ${r.reconcileRuns}; settled ${ms(r.settleMs)} after the last trade`,
  ];
  if (r.faults.crash) lines.push(`- fault: worker killed (SIGKILL) at trade ${r.faults.crash.atStep} with ${r.faults.crash.killedWithInFlight} invocations in flight, a new one up in ${ms(r.faults.crash.restartMs)}`);
  if (r.faults.resent) lines.push(`- fault: ${r.faults.resent.messages} copy messages of already-copied events sent again (new deduplication ids) at trade ${r.faults.resent.atStep}`);
  if (r.faults.redispatch)
    lines.push(`- fault: the events stream re-read from its start into copy-dispatch at trade ${r.faults.redispatch.atStep}: ${r.faults.redispatch.records} records, ${r.faults.redispatch.failures} batch-item failures, ${ms(r.faults.redispatch.ms)}`);
  return lines.join("\n");
};

export const targets = (results: readonly ScenarioResult[]): string =>
  results
    .map((r) => {
      const f = r.figures;
      const missed = missedFollowers(r.checks).length;
      return [
        `${r.spec.id}:`,
        `  order sent p99 ${ms(f.all.sent.p99Ms)} < ${TARGET_ORDER_P99_MS} ms → ${met(f.all.sent.p99Ms < TARGET_ORDER_P99_MS)}`,
        `  order filled p99 ${ms(f.all.filled.p99Ms)} < ${TARGET_FILL_P99_MS} ms → ${met(f.all.filled.p99Ms < TARGET_FILL_P99_MS)}`,
        `  missed followers ${missed} → ${met(missed === 0)}`,
        `  doubled orders ${doubledCount(r)} → ${met(doubledCount(r) === 0)}`,
      ].join("\n");
    })
    .join("\n");
