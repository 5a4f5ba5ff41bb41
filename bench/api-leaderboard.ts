import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LeaderboardOrder, LeaderboardRow, LeaderboardSortField } from "#domain/leaderboard.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { leaderboardRows, sortRows } from "./api-fixtures.js";
import { ms, percentile } from "./percentile.js";
import { median } from "./util.js";

/**
 * The leaderboard half of bench/api.ts: snapshots written with the store's own `writeSnapshot`,
 * load from autocannon's CLI in a child process (so the load generator has its own event loop
 * and the server another), and the cost of a cache miss timed from this process.
 */

export const ORDERINGS: readonly { sortBy: LeaderboardSortField; order: LeaderboardOrder }[] = [
  { sortBy: "win_rate", order: "desc" }, // the default of GET /api/v1/leaderboard
  { sortBy: "total_volume_usd", order: "asc" },
];

export interface SnapshotFacts {
  traders: number;
  /** Rows per stored ordering: all traders unless DynamoDB refused them, else the most it accepted. */
  storedRows: number;
  /** Size of all the rows as JSON, about what the pages of one ordering hold together. */
  rowsJsonBytes: number;
  /** DynamoDB's answer to a snapshot of all `traders` rows, when it refused it. */
  fullSnapshotError: string | null;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Writes every ordering the benchmark reads. Snapshots are stored as pages, so all rows should fit;
 * should DynamoDB refuse them anyway, the largest prefix that it accepts is found by real writes and
 * stored instead, and the refusal is reported.
 */
export const writeSnapshots = async (doc: DynamoDBDocumentClient, stateTable: string, traders: number): Promise<SnapshotFacts> => {
  const store = createDynamoLeaderboardStore(doc, stateTable);
  const updatedAt = new Date().toISOString();
  const all = leaderboardRows(traders, updatedAt);
  const sorted = ORDERINGS.map((o) => ({ ...o, rows: sortRows(all, o.sortBy, o.order) }));
  const tryWrite = async (n: number): Promise<string | null> => {
    try {
      for (const o of sorted) await store.writeSnapshot(o, o.rows.slice(0, n), updatedAt);
      return null;
    } catch (e) {
      return errorText(e);
    }
  };
  const fullSnapshotError = await tryWrite(traders);
  let storedRows = traders;
  if (fullSnapshotError !== null) {
    let lo = 0;
    let hi = traders;
    while (hi - lo > 10) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await tryWrite(mid)) === null) lo = mid;
      else hi = mid;
    }
    const error = await tryWrite(lo);
    if (error !== null) throw new Error(`Could not store a leaderboard snapshot of ${lo} rows: ${error}`);
    storedRows = lo;
  }
  const rowsJsonBytes = Math.max(...sorted.map((o) => Buffer.byteLength(JSON.stringify(o.rows.slice(0, storedRows)))));
  return { traders, storedRows, rowsJsonBytes, fullSnapshotError };
};

export interface LoadResult {
  label: string;
  path: string;
  connections: number;
  durationS: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytesPerSecond: number;
}

const autocannonCli = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

/** One autocannon run in a child process (`--json`), parsed into the figures we print. */
export const loadTest = (label: string, baseUrl: string, path: string, connections: number, durationS: number): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [autocannonCli, "-j", "-c", String(connections), "-d", String(durationS), `${baseUrl}${path}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code !== 0 || !line) return reject(new Error(`autocannon exited ${code}: ${err.trim() || out.trim()}`));
      const r = JSON.parse(line) as {
        requests: { average: number; total: number };
        latency: { p50: number; p90: number; p99: number; max: number };
        throughput: { average: number };
        non2xx: number;
        errors: number;
        timeouts: number;
        duration: number;
      };
      resolve({
        label,
        path,
        connections,
        durationS: r.duration,
        requests: r.requests.total,
        requestsPerSecond: Math.round(r.requests.average),
        p50Ms: r.latency.p50,
        p90Ms: r.latency.p90,
        p99Ms: r.latency.p99,
        maxMs: r.latency.max,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        bytesPerSecond: Math.round(r.throughput.average),
      });
    });
  });

export interface MissCost {
  samples: number;
  /** First request after POST /api/v1/cache/clear: one GetItem of the snapshot + the response. */
  missMs: { median: number; min: number; max: number };
  /** The same request again, served from the cache. */
  hitMs: { median: number; min: number; max: number };
  responseBytes: number;
  rowsInResponse: number;
}

const timed = async (url: string): Promise<{ ms: number; body: string }> => {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return { ms: elapsed, body };
};

const summary = (values: number[]) => ({
  median: ms(median(values)),
  min: ms(percentile(values, 0)),
  max: ms(percentile(values, 100)),
});

/** Sequential, on an idle server: clear, time the miss, time a hit; `samples` times. */
export const missCost = async (baseUrl: string, adminKey: string, samples: number): Promise<MissCost> => {
  const url = `${baseUrl}/api/v1/leaderboard`;
  const misses: number[] = [];
  const hits: number[] = [];
  let last = "";
  for (let i = 0; i < samples; i++) {
    const cleared = await fetch(`${baseUrl}/api/v1/cache/clear`, { method: "POST", headers: { "x-api-key": adminKey } });
    if (cleared.status !== 200) throw new Error(`cache clear answered ${cleared.status}`);
    await cleared.arrayBuffer();
    misses.push((await timed(url)).ms);
    const hit = await timed(url);
    hits.push(hit.ms);
    last = hit.body;
  }
  const rows = (JSON.parse(last) as { leaderboard: LeaderboardRow[] }).leaderboard.length;
  return { samples, missMs: summary(misses), hitMs: summary(hits), responseBytes: Buffer.byteLength(last), rowsInResponse: rows };
};
