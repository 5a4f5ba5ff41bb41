import { DEFAULT_BACKOFF } from "#hyperliquid/trades-stream.js";
import { DEFAULT_STREAM_POLL_MS } from "#local/stream-source.js";
import type { DropResult } from "./stream-drop.js";
import type { FlowResult } from "./stream-flow.js";
import type { DeliveryCheck, Summary } from "./stream-figures.js";
import { EXCHANGE_WEIGHT_PER_MINUTE, RECONCILE_INTERVAL_SECONDS } from "./stream-stack.js";

/** How bench/stream.ts prints its scenarios, the summary table and the targets (judged, not asserted). */

export const TARGET_P50_MS = 1_000;
export const TARGET_P99_MS = 3_000;

const s = (ms: number | null): string => (ms === null || !Number.isFinite(ms) ? "—" : `${(ms / 1_000).toFixed(2)} s`);
const fmt = (n: number): string => n.toLocaleString("en-US");
const summary = (x: Summary): string => `p50 ${s(x.p50Ms)}, p99 ${s(x.p99Ms)}, max ${s(x.maxMs)} (${x.count})`;
const met = (ok: boolean): string => (ok ? "met" : "NOT met");

type Check = Omit<DeliveryCheck, "samples">;

const allDelivered = (c: Check): boolean =>
  c.missing === 0 && c.unexpected === 0 && c.duplicates === 0 && c.tids.behindOne === c.tids.expected && c.tids.foreign === 0;

const checkLine = (c: Check): string =>
  `- changes: ${c.expected} orders, ${c.expectedEvents} events by the README's rule (an order that lands on or crosses zero partway is two) → ` +
  `${c.delivered} of them at the client (missing ${c.missing}, unexpected ${c.unexpected}, duplicate deliveries ${c.duplicates}); ` +
  `tids: ${c.tids.behindOne} of ${c.tids.expected} behind exactly one event (in none ${c.tids.inNone}, in several ${c.tids.inMany}, foreign ${c.tids.foreign}); ` +
  `fills from ${Object.entries(c.bySource).map(([k, v]) => `${k} ${v}`).join(", ") || "—"}`;

const exchangeLines = (r: FlowResult["exchange"], tracked: number): string[] => [
  `- exchange: most weight in any 60 s ${fmt(r.maxWeight60s)} of ${fmt(EXCHANGE_WEIGHT_PER_MINUTE)} (the window ending at +${r.maxWeightEndsAtS} s); 429s ${r.refused}; ` +
    `weight in all ${fmt(r.weight)} (${Object.entries(r.weightByType).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")})`,
  `- clearinghouseState polls answered: ${fmt(r.polls.live)} the stream's (a trader within 15 s of his trade), ${fmt(r.polls.sweep)} the sweep's`,
  `- reconciliation: ${r.reconcile.ticks} ticks (at +${r.reconcile.tickOffsetsS.join(" s, +")} s) dispatched ${r.reconcile.dispatched.join(", ")} traders; the exchange answered ${fmt(r.reconcile.sweepPerTick)} sweep polls a tick ` +
    `→ ${fmt(r.reconcile.sweepPerMinute)} a minute → all ${fmt(tracked)} traders in ${r.reconcile.minutesToReconcileAll} min`,
];

const slowestLines = (c: Check, dispatcherStartedAt: number): string[] =>
  c.slowest.map(
    (o) =>
      `  slow: ${o.user.slice(0, 10)}… ${o.coin} ${o.fills} fills at +${((o.time - dispatcherStartedAt) / 1_000).toFixed(1)} s: ${s(o.latencyMs)} ` +
      `(to the poll's start ${s(o.toPollMs)}, its answer ${s(o.pollMs)}, then to the client ${s(o.toClientMs)}), fills from ${o.source}, ${o.tidsInEvent} of ${o.fills} tids in the event`,
  );

export const renderFlow = (r: FlowResult): string =>
  [
    `## ${r.spec.title}`,
    `setup: populate ${s(r.setupMs.populate)}, seed ${s(r.setupMs.seed)}, system + feed client ${s(r.setupMs.system)}, listener connected ${s(r.setupMs.listener)}`,
    `- ${r.check.expected} orders in ${r.tradingSeconds} s (${r.ordersPerMinute} a minute), each 2–5 fills at one time and oid; the market's clock ahead of wall time by at most ${r.clockLeadMs} ms`,
    `- trade → trade_event at the client: ${summary(r.latency)}`,
    `  trade → the start of the poll that found it (stream, coalescing 250 ms, a free poll slot): ${summary(r.stages.toPoll)}`,
    `  → the exchange's answer to it (weight, the request): ${summary(r.stages.poll)}`,
    `  → the client (commit, DynamoDB Local's stream polled every ${DEFAULT_STREAM_POLL_MS} ms, broadcaster, gateway): ${summary(r.stages.toClient)}`,
    checkLine(r.check),
    ...slowestLines(r.check, r.exchange.dispatcherStartedAt),
    ...exchangeLines(r.exchange, r.spec.traders),
    `- listener (state table): ${r.listener ? `${r.listener.state}, ${fmt(r.listener.trades)} trades, ${fmt(r.listener.polls)} polls, ${fmt(r.listener.events)} events, handed off ${r.listener.handedOff}, connections lost ${r.listener.reconnects}, backlog ${r.listener.backlogMs} ms` : "no status"}`,
    `- system process: CPU ${r.systemCpuPercent}% of one core over the scenario; main event-loop delay p99 ${r.systemLoopDelay.p99Ms} ms, max ${r.systemLoopDelay.maxMs} ms; ` +
      `DynamoDB Local meanwhile (a GetItem every 0.5 s): ${summary(r.dynamoProbe)}`,
  ].join("\n");

export const renderDrop = (r: DropResult): string =>
  [
    `## ${r.spec.title}`,
    ...r.drops.map(
      (d) =>
        `- gap ${s(d.pauseMs)}${d.pushedOut ? `, trade pushed out of the snapshot by ${r.spec.pushOutTrades} more` : ""}: ${d.dropped} connection cut, ${d.refusedWhilePaused} reconnects refused in the gap; ` +
        `reconnected ${s(d.connectedAfterDropMs)} and resubscribed ${s(d.resubscribedAfterDropMs)} after the drop (${s(d.resubscribedAfterGapMs)} after the gap ended); ` +
        `change at the client ${s(d.recordedMs)} after the trade, fills from ${d.fillsSource ?? "—"}` +
        (d.tick ? ` (the tick whose slice polled him began ${s(d.tick.waitedMs)} after the trade; that tick → the client ${s(d.tick.tickToClientMs)})` : ""),
    ),
    checkLine(r.check),
    `- listener (state table): ${r.listener ? `${r.listener.state}, connections lost ${r.listener.reconnects} (each refused try in a gap counts), gaps ${r.listener.gaps}` : "no status"}`,
    `- exchange: most weight in any 60 s ${fmt(r.exchange.maxWeight60s)}; 429s ${r.exchange.refused}`,
  ].join("\n");

export const summaryTable = (flows: FlowResult[], drop: DropResult | undefined): string => {
  const rows: string[] = [];
  if (flows.length > 0) {
    rows.push(
      "| scenario | traders | orders | events expected | delivered | missing / unexpected / dup | p50 | p99 | max | max weight / 60 s | 429s | reconcile all |",
      "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    );
  }
  rows.push(
    ...flows.map(
      (r) =>
        `| ${r.spec.id} | ${fmt(r.spec.traders)} | ${r.check.expected} | ${r.check.expectedEvents} | ${r.check.delivered} | ${r.check.missing} / ${r.check.unexpected} / ${r.check.duplicates} | ` +
        `${s(r.latency.p50Ms)} | ${s(r.latency.p99Ms)} | ${s(r.latency.maxMs)} | ${fmt(r.exchange.maxWeight60s)} | ${r.exchange.refused} | ${r.exchange.reconcile.minutesToReconcileAll} min |`,
    ),
  );
  if (drop) {
    rows.push(
      ...(rows.length > 0 ? [""] : []),
      "| drop: gap | trade in the resubscription's snapshot | resubscribed after the drop (after the gap ended) | change at the client after the trade | fills from |",
      "|---:|---|---:|---:|---|",
      ...drop.drops.map(
        (d) =>
          `| ${s(d.pauseMs)} | ${d.pushedOut ? `no (${drop.spec.pushOutTrades} later trades)` : "yes"} | ${s(d.resubscribedAfterDropMs)} (${s(d.resubscribedAfterGapMs)}) | ` +
          `${s(d.recordedMs)} | ${d.fillsSource === "stream" ? "stream (caught up)" : d.fillsSource === "exchange" ? "exchange (reconciliation)" : "—"} |`,
      ),
    );
  }
  return rows.join("\n");
};

export const targets = (flows: FlowResult[], drop: DropResult | undefined, reconcileBound: { perMinute: number; tracked: number; measured: boolean }): string => {
  const lines = ["## Targets (reported, not asserted)"];
  for (const r of flows) {
    lines.push(
      `- ${r.spec.id}: p50 < ${s(TARGET_P50_MS)}: ${s(r.latency.p50Ms)} → ${met(r.latency.p50Ms < TARGET_P50_MS)}; p99 < ${s(TARGET_P99_MS)}: ${s(r.latency.p99Ms)} → ${met(r.latency.p99Ms < TARGET_P99_MS)}; ` +
        `every change delivered once as the README's events, each tid behind one event → ${met(allDelivered(r.check))}; ` +
        `weight ≤ ${fmt(EXCHANGE_WEIGHT_PER_MINUTE)} in any 60 s: ${fmt(r.exchange.maxWeight60s)} → ${met(r.exchange.maxWeight60s <= EXCHANGE_WEIGHT_PER_MINUTE)}; 429s ${r.exchange.refused} → ${met(r.exchange.refused === 0)}`,
    );
  }
  const scale = flows.find((r) => r.spec.id === "scale");
  if (scale) {
    const minutes = scale.exchange.reconcile.minutesToReconcileAll;
    lines.push(`- scale: all ${fmt(scale.spec.traders)} reconciled within ${RECONCILE_INTERVAL_SECONDS / 60} min: ${minutes} min at the measured rate → ${met(minutes <= RECONCILE_INTERVAL_SECONDS / 60)}`);
  }
  if (drop) {
    const caught = drop.drops.filter((d) => !d.pushedOut);
    const pushed = drop.drops.find((d) => d.pushedOut);
    const bound = Math.round((reconcileBound.tracked / reconcileBound.perMinute) * 10) / 10;
    lines.push(
      `- drop: every coin resubscribed ${drop.drops.map((d) => s(d.resubscribedAfterGapMs)).join(", ")} after the gap ended (the client's backoff: ${DEFAULT_BACKOFF.initialMs} ms doubling to ${DEFAULT_BACKOFF.maxMs / 1_000} s, full jitter); ` +
        `changes in a gap caught up from the resubscription: ${caught.filter((d) => d.fillsSource === "stream").length} of ${caught.length} ` +
        `(at the client ${caught.map((d) => s(d.recordedMs)).join(", ")} after the trade); a change pushed out of the snapshot recorded by reconciliation ` +
        `${pushed ? `${s(pushed.recordedMs)} after the trade (${fmt(drop.spec.traders)} tracked: each tick polls them all)` : "—"}; ` +
        `with ${fmt(reconcileBound.tracked)} tracked the sweep reaches every trader within ${bound} min (${fmt(Math.round(reconcileBound.perMinute))} polls a minute, ${reconcileBound.measured ? "measured by the scale scenario" : "as the dispatcher plans it"})`,
    );
  }
  return lines.join("\n");
};
