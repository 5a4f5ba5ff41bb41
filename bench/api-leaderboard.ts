import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LeaderboardRow, LeaderboardWindow } from "#domain/leaderboard.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { leaderboardRows } from "./api-fixtures.js";
import { forkChild, type Child } from "./ipc.js";
import type { PacedClientMethods, PacedRunResult } from "./paced-client.js";
import type { PacedPlan } from "./paced.js";
import { ms, percentile } from "./percentile.js";
import { median } from "./util.js";

/**
 * The leaderboard half of bench/api.ts: a full snapshot written with the store's own
 * `writeSnapshot`, load from child processes (so the load generator has its own event loop and the
 * server another): autocannon's CLI at saturation, bench/paced-client.ts at a fixed rate; and the
 * cost of cache misses timed from this process.
 */

/** The window GET /api/v1/leaderboard serves by default. */
export const BENCH_WINDOW: LeaderboardWindow = "all";

export interface SnapshotFacts {
  window: LeaderboardWindow;
  /** Rows in the stored snapshot: every trader. */
  rows: number;
  /** Size of all the rows as JSON, about what the snapshot's pages hold together. */
  rowsJsonBytes: number;
  /** Stored pages (items) the rows were split into. */
  pages: number;
  writeMs: number;
}

/** Writes the snapshot the benchmark reads: every trader's row of BENCH_WINDOW, as the leaderboard job would. */
export const writeSnapshots = async (doc: DynamoDBDocumentClient, stateTable: string, traders: number): Promise<SnapshotFacts> => {
  const store = createDynamoLeaderboardStore(doc, stateTable);
  const updatedAt = new Date().toISOString();
  const rows = leaderboardRows(traders, updatedAt, BENCH_WINDOW);
  const started = performance.now();
  await store.writeSnapshot(BENCH_WINDOW, rows, updatedAt);
  const writeMs = ms(performance.now() - started);
  const header = await store.header(BENCH_WINDOW);
  if (header === null || header.total !== traders) throw new Error(`The ${BENCH_WINDOW} snapshot did not read back with ${traders} rows`);
  return { window: BENCH_WINDOW, rows: traders, rowsJsonBytes: Buffer.byteLength(JSON.stringify(rows)), pages: header.pages, writeMs };
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

export interface LoadOptions {
  headers?: Readonly<Record<string, string>>;
}

const run = (command: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", (e) => reject(new Error(`${command}: ${e.message}`)));
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim() || out.trim()}`))));
  });

const headerArgs = (headers: Readonly<Record<string, string>> | undefined): string[] =>
  Object.entries(headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);

/**
 * One saturating run against `baseUrl + path`: autocannon's CLI (`--json`) in a child process, so
 * the client has its own CPU time, every connection asking again the moment it has its answer.
 */
export const loadTest = async (
  label: string,
  baseUrl: string,
  path: string,
  connections: number,
  durationS: number,
  o: LoadOptions = {},
): Promise<LoadResult> => {
  const out = await run(process.execPath, [autocannonCli, "-j", "-c", String(connections), "-d", String(durationS), ...headerArgs(o.headers), `${baseUrl}${path}`]);
  const line = out.trim().split("\n").at(-1);
  if (!line) throw new Error("autocannon printed nothing");
  const r = JSON.parse(line) as {
    requests: { average: number; total: number };
    latency: { p50: number; p90: number; p99: number; max: number };
    throughput: { average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  };
  return {
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
  };
};

export type PacedClient = Child<PacedClientMethods, object>;

/** The paced load generator (bench/paced-client.ts), forked once and reused so that its code is warm. */
export const startPacedClient = (): Promise<PacedClient> => forkChild<PacedClientMethods, object>("./paced-client.ts");

/** p50 … max are from when each request was due; serviceP50Ms and serviceP99Ms from when it was sent. */
export interface PacedLoadResult
  extends LoadResult,
    PacedPlan,
    Pick<PacedRunResult, "serviceP50Ms" | "serviceP99Ms" | "sendLagP99Ms" | "clientCpuMsPerRequest" | "firstError"> {}

/** One paced run against `baseUrl + path` (see bench/paced.ts). */
export const pacedLoadTest = async (
  client: PacedClient,
  label: string,
  baseUrl: string,
  path: string,
  plan: PacedPlan,
  durationS: number,
  o: LoadOptions = {},
): Promise<PacedLoadResult> => {
  const r = await client.call("run", { url: `${baseUrl}${path}`, plan, durationS, ...(o.headers && { headers: { ...o.headers } }) });
  return { label, path, ...plan, ...r };
};

export interface MissCost {
  samples: number;
  /** First request after POST /api/v1/cache/clear: the header, every page of the snapshot (BatchGet), the default view, the response. */
  missMs: { median: number; min: number; max: number };
  /** The same request again, served from the cache. */
  hitMs: { median: number; min: number; max: number };
  /** Then another sort and filter of the same snapshot: its rows are in memory, the view is new. */
  viewMissMs: { median: number; min: number; max: number };
  viewPath: string;
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

const VIEW_PATH = "/api/v1/leaderboard?sort_by=sharpe&order=asc&min_volume_usd=50000&exclude_bots=true";

/** Sequential, on an idle server: clear, time the miss, a hit, then a new view; `samples` times. */
export const missCost = async (baseUrl: string, adminKey: string, samples: number): Promise<MissCost> => {
  const url = `${baseUrl}/api/v1/leaderboard`;
  const misses: number[] = [];
  const hits: number[] = [];
  const viewMisses: number[] = [];
  let last = "";
  for (let i = 0; i < samples; i++) {
    const cleared = await fetch(`${baseUrl}/api/v1/cache/clear`, { method: "POST", headers: { "x-api-key": adminKey } });
    if (cleared.status !== 200) throw new Error(`cache clear answered ${cleared.status}`);
    await cleared.arrayBuffer();
    misses.push((await timed(url)).ms);
    const hit = await timed(url);
    hits.push(hit.ms);
    last = hit.body;
    viewMisses.push((await timed(`${baseUrl}${VIEW_PATH}`)).ms);
  }
  const rows = (JSON.parse(last) as { leaderboard: LeaderboardRow[] }).leaderboard.length;
  return {
    samples,
    missMs: summary(misses),
    hitMs: summary(hits),
    viewMissMs: summary(viewMisses),
    viewPath: VIEW_PATH,
    responseBytes: Buffer.byteLength(last),
    rowsInResponse: rows,
  };
};
