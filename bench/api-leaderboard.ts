import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LeaderboardRow, LeaderboardWindow } from "#domain/leaderboard.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { leaderboardRows } from "./api-fixtures.js";
import { ms, percentile } from "./percentile.js";
import { median } from "./util.js";

/**
 * The leaderboard half of bench/api.ts: a full snapshot written with the store's own
 * `writeSnapshot`, load from autocannon's CLI in a child process (so the load generator has its
 * own event loop and the server another), and the cost of cache misses timed from this process.
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
  client: LoadClient;
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

/**
 * The load generator. autocannon (npm, in Node) is the default; wrk (C; Debian package `wrk`) spends
 * far less CPU per response, which matters when client and server share two cores: autocannon
 * decodes every body into a string, ~20 µs per 67 KB JSON page and ~250 µs per gzipped one.
 */
export type LoadClient = "autocannon" | "wrk";

export interface LoadOptions {
  client?: LoadClient;
  headers?: Readonly<Record<string, string>>;
  /**
   * wrk only: each connection waits this long after an answer before its next request (a client
   * reading the page), instead of asking again at once. Without it every connection is always
   * waiting, the load is whatever saturates client or server, and the latency is mostly the queue:
   * at 100 connections the mean is 100 ÷ requests per second whoever is slow.
   */
  thinkMs?: number;
}

const run = (command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", (e) => reject(new Error(`${command}: ${e.message}${command === "wrk" ? " (install it: apt-get install wrk)" : ""}`)));
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim() || out.trim()}`))));
  });

/** Whether wrk can be run here (it is a Debian package, not an npm one). */
export const wrkInstalled = (): Promise<boolean> =>
  new Promise((resolve) => {
    const child = spawn("wrk", ["--version"], { stdio: "ignore" });
    child.once("error", () => resolve(false));
    // wrk --version prints its version and exits 1.
    child.once("exit", () => resolve(true));
  });

const headerArgs = (headers: Readonly<Record<string, string>> | undefined): string[] =>
  Object.entries(headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);

/** One autocannon run in a child process (`--json`), parsed into the figures we print. */
const autocannon = async (label: string, url: string, path: string, connections: number, durationS: number, o: LoadOptions) => {
  // Its rate options are a per-second quota per connection, spent in a burst at full speed, not a pause.
  if (o.thinkMs !== undefined) throw new Error("autocannon has no think time: use the wrk client for thinkMs");
  const out = await run(process.execPath, [autocannonCli, "-j", "-c", String(connections), "-d", String(durationS), ...headerArgs(o.headers), url]);
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
    client: "autocannon",
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
  } satisfies LoadResult;
};

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `12.36ms` → 12.36; wrk prints us, ms, s or m. */
export const wrkDurationMs = (text: string): number => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: unreadable duration ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2]!]! * 100) / 100;
};

/** Parses wrk's `--latency` report. */
export const parseWrk = (out: string) => {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk: no ${what} in its output:\n${out}`);
    return m;
  };
  const pct = (p: number) => wrkDurationMs(need(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m"), `${p}% latency`)[1]!);
  const total = need(/^\s+(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read/m, "request count");
  // Printed only when there were any.
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const durationMs = wrkDurationMs(`${total[2]}${total[3]}`);
  return {
    requests: Number(total[1]),
    durationS: Math.round(durationMs / 10) / 100,
    bytes: Number(total[4]) * SIZE_UNITS[total[5]!]!,
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    maxMs: wrkDurationMs(need(/^\s+Latency\s+\S+\s+\S+\s+(\S+)/m, "max latency")[1]!),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: socketErrors ? Number(socketErrors[1]) + Number(socketErrors[2]) + Number(socketErrors[3]) : 0,
    timeouts: socketErrors ? Number(socketErrors[4]) : 0,
  };
};

const THINK_SCRIPT = fileURLToPath(new URL("./wrk-think.lua", import.meta.url));

/** One wrk run (one thread: the server has one event loop, and the machine two cores). */
const wrk = async (label: string, url: string, path: string, connections: number, durationS: number, o: LoadOptions) => {
  const think = o.thinkMs === undefined ? [] : ["-s", THINK_SCRIPT];
  const env = o.thinkMs === undefined ? process.env : { ...process.env, WRK_THINK_MS: String(o.thinkMs) };
  const out = await run("wrk", ["-t1", `-c${connections}`, `-d${durationS}s`, "--latency", ...think, ...headerArgs(o.headers), url], env);
  const r = parseWrk(out);
  return {
    label,
    path,
    connections,
    client: "wrk",
    durationS: r.durationS,
    requests: r.requests,
    requestsPerSecond: Math.round(r.requests / r.durationS),
    p50Ms: r.p50Ms,
    p90Ms: r.p90Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    bytesPerSecond: Math.round(r.bytes / r.durationS),
  } satisfies LoadResult;
};

/** One load run against `baseUrl + path`, in a child process so the client has its own CPU time. */
export const loadTest = (
  label: string,
  baseUrl: string,
  path: string,
  connections: number,
  durationS: number,
  o: LoadOptions = {},
): Promise<LoadResult> => (o.client === "wrk" ? wrk : autocannon)(label, `${baseUrl}${path}`, path, connections, durationS, o);

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
