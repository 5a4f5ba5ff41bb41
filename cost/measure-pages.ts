import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { horizonTarget, nextCheckpoint } from "#domain/leaderboard-job/trader-run.js";
import { replay } from "#domain/metrics/trader-replay.js";
import type { FundingPayment, TraderHistory } from "#domain/metrics/types.js";
import { planTraderPages, type PagesMarker, type TraderPagesPlan } from "#domain/trader-story/pages.js";
import type { SeriesPoint } from "#domain/trader-story/series.js";
import { markerAttributes } from "#store/dynamo/trader-pages.js";
import { generateHistory } from "../bench/leaderboard-fixtures.js";

/**
 * `npx tsx cost/measure-pages.ts`: what the leaderboard job writes to the pages table for
 * bench:leaderboard's histories (2,000 fills over 90 days), planned by the job's own
 * planTraderPages and sized as DynamoDB bills items. The cost model's page constants and defaults
 * (./pages.ts, ./inputs.ts) come from here, and test/unit/cost/pages.test.ts checks them against it.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIXTURE_DAYS = 90;
const ADDRESS = `0x${"a".repeat(40)}`;

/** DynamoDB's item size: names and values in bytes; a number a byte per two significant digits and one more. */
const valueBytes = (v: unknown): number => {
  if (v === null || typeof v === "boolean") return 1;
  if (typeof v === "string") return Buffer.byteLength(v);
  if (typeof v === "number") return Math.ceil(String(Math.abs(v)).replace(".", "").replace(/^0+/, "").length / 2) + 1;
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return 3 + v.reduce((sum: number, x) => sum + 1 + valueBytes(x), 0);
  return 3 + Object.entries(v as object).reduce((sum, [k, x]) => sum + Buffer.byteLength(k) + 1 + valueBytes(x), 0);
};
export const itemBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueBytes(v), 0);
const writeUnits = (bytes: number): number => Math.ceil(bytes / 1_024);

/** A bench history with the combined portfolio periods the page charts (the fixture has the perp ones). */
const history = (index: number, now: number): TraderHistory => {
  const h = generateHistory(index, 2_000, now, FIXTURE_DAYS);
  const periods = h.portfolio?.periods ?? {};
  const combined = { day: periods.perpDay, week: periods.perpWeek, month: periods.perpMonth, allTime: periods.perpAllTime };
  return { ...h, portfolio: { fetchedAt: now, periods: { ...periods, ...(combined as typeof periods) } } };
};

export interface PagesMeasurement {
  traders: number;
  /** Per window, the most write units its equity item took. */
  equityWriteUnits: Record<string, number>;
  /** The most write units `all`'s realized-PnL prefix took (written when the horizon moves, daily). */
  prefixWriteUnits: number;
  tripBytes: { min: number; max: number };
  /** The marker with its metrics checkpoint (gzipped, as stored). */
  markerBytes: number;
  storedTrips: { min: number; max: number };
  tripsPerDay: number;
  /** Per window, the traders whose item a run an hour later wrote again with nothing new. */
  rewrittenWithNothingNew: Record<string, number>;
  /** Traders whose list (all of it, or all after the horizon) the next day's funding sync made the job rewrite. */
  rebuiltByFunding: number;
  /** Round trips per trader that sync's payments, older than his newest round trip, made the job write again. */
  tripsRepaidByFunding: number;
}

/** The job's per-trader planning (functions/domain/leaderboard-job/trader-run.ts), the pages part, on an in-memory history. */
const planRun = (
  h: TraderHistory,
  funding: readonly FundingPayment[],
  now: number,
  stored: PagesMarker | null,
  prefixes: Map<number, SeriesPoint[]>,
): TraderPagesPlan => {
  const base = stored?.checkpoint ?? null;
  const after = base?.horizon ?? -Infinity;
  const fills = h.fills.filter((f) => f.time > after);
  const paid = funding.filter((p) => p.time > after);
  const next = nextCheckpoint(base, fills, paid, horizonTarget(now, now));
  const plan = planTraderPages(
    { fills, funding: paid, portfolio: h.portfolio, base, replay: replay(base, fills, paid, now), next, basePrefix: base === null ? null : (prefixes.get(base.horizon) ?? null) },
    now,
    stored,
  )!;
  if (plan.prefix !== null) prefixes.set(plan.prefix.horizon, plan.prefix.points);
  return plan;
};

/** The marker item as the store writes it (its checkpoint gzipped). */
const markerItem = (marker: PagesMarker): Record<string, unknown> => ({ trader_address: ADDRESS, sk: "meta", ...markerAttributes(marker) });

export const measurePages = (traders: number, now = Date.parse("2026-12-01T00:00:00Z")): PagesMeasurement => {
  const equity: Record<string, number> = {};
  const tripBytes: number[] = [];
  const markers: number[] = [];
  const trips: number[] = [];
  const rewritten: Record<string, number> = { "1d": 0, "7d": 0, "30d": 0, all: 0 };
  let prefixUnits = 0;
  let rebuilt = 0;
  let repaid = 0;
  for (let index = 0; index < traders; index++) {
    const base = history(index, now);
    const prefixes = new Map<number, SeriesPoint[]>();
    // Hourly funding over the fixture's last 60 days, stored up to a day ago by the last daily sync.
    const funding = Array.from({ length: 60 * 24 }, (_, n) => ({ time: now - 60 * DAY + n * HOUR, coin: "BTC", usdc: "-1.5" }));
    const synced = funding.filter((p) => p.time <= now - DAY);
    const first = planRun(base, synced, now, null, prefixes);
    // The next daily sync stores the last day's payments, after the last stored one but older than
    // the round trips tracking stored meanwhile.
    const next = planRun(base, funding, now + HOUR, first.marker, prefixes);
    if (next.replaceAll || next.replaceAfter !== null) rebuilt++;
    repaid += next.trips.length;
    for (const { window, equity: e } of [...first.series, ...next.series]) {
      const units = writeUnits(itemBytes({ trader_address: ADDRESS, sk: `equity#${window}`, body: gzipSync(JSON.stringify(e)) }));
      equity[window] = Math.max(equity[window] ?? 0, units);
    }
    if (first.prefix !== null) {
      const body = gzipSync(JSON.stringify({ points: first.prefix.points }));
      prefixUnits = Math.max(prefixUnits, writeUnits(itemBytes({ trader_address: ADDRESS, sk: `prefix#${"0".repeat(13)}`, body })));
    }
    for (const rt of first.trips) tripBytes.push(itemBytes({ trader_address: ADDRESS, sk: `trip#*#${"0".repeat(13)}#${"0".repeat(20)}`, ...rt }));
    markers.push(itemBytes(markerItem(first.marker)), itemBytes(markerItem(next.marker)));
    trips.push(first.trips.length);
    // An hour on with nothing new: what the run writes again anyway.
    for (const s of planRun(base, funding, now + 2 * HOUR, next.marker, prefixes).series) rewritten[s.window] = (rewritten[s.window] ?? 0) + 1;
  }
  const mean = trips.reduce((a, b) => a + b, 0) / trips.length;
  return {
    traders,
    equityWriteUnits: equity,
    prefixWriteUnits: prefixUnits,
    tripBytes: { min: Math.min(...tripBytes), max: Math.max(...tripBytes) },
    markerBytes: Math.max(...markers),
    storedTrips: { min: Math.min(...trips), max: Math.max(...trips) },
    tripsPerDay: Math.round((mean / FIXTURE_DAYS) * 10) / 10,
    rewrittenWithNothingNew: rewritten,
    rebuiltByFunding: rebuilt,
    tripsRepaidByFunding: Math.round((repaid / traders) * 10) / 10,
  };
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(measurePages(Number(process.argv[2] ?? "8")), null, 2));
}
