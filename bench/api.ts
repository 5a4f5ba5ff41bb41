import "./quiet-sdk.js";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { createDocumentClient } from "#commons/clients/dynamodb.js";
import { applyEnv, localAwsEnv, localDynamoClient } from "#local/aws.js";
import { startDynamoDbLocal, type DynamoDbLocal } from "#local/dynamodb-local.js";
import { DEFAULT_STREAM_POLL_MS } from "#local/stream-source.js";
import { createTables, type TableNames } from "#local/tables.js";
import { ALL_TABLES } from "#store/tables.js";
import { clientPool, measureFanOut, type FanOutResult } from "./api-feed.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { join } from "node:path";
import {
  loadTest,
  missCost,
  pacedLoadTest,
  startPacedClient,
  writeSnapshots,
  type LoadOptions,
  type LoadResult,
  type PacedClient,
  type PacedLoadResult,
} from "./api-leaderboard.js";
import type { ApiServerReady } from "./api-server.js";
import { forkChild, type Child } from "./ipc.js";
import { pacedPlan, pacedVerdict, type PacedPlan } from "./paced.js";
import { ms, percentile } from "./percentile.js";
import type { ConnectResult, WsClientMethods } from "./ws-clients.js";
import { loadAverage, machine, runMain } from "./util.js";

/**
 * `npm run bench:api`: the HTTP API's leaderboard under load and the live feed's fan-out, against
 * the real app on a real socket and DynamoDB Local. Prints figures, asserts nothing.
 *
 * Processes: this orchestrator (writes the data, inserts the events, times single requests);
 * DynamoDB Local (java); the API server (bench/api-server.ts: API + WebSocket gateway + feed
 * functions); autocannon's CLI, one child per saturating run; the paced load generator
 * (bench/paced-client.ts); the WebSocket clients (bench/ws-clients.ts).
 */

const REGION = "us-east-1";
const TRADERS = 10_000;
const CONNECTIONS = 100;
const DURATION_S = 10;
/** Cached-leaderboard load runs per ordering, of LOAD_RUN_S each; the median run is reported. */
const LOAD_RUNS = 3;
const LOAD_RUN_S = 6;
const CACHE_MS = 60_000; // createApiApp's default leaderboardCacheMs
const MISS_SAMPLES = 7;
/** The feed's clients by default (`--clients=N`), spread over client processes of at most WS_CLIENTS_PER_PROCESS each. */
const WS_CLIENTS = 10_000;
const WS_CLIENTS_PER_PROCESS = 2_500;
const FEED_EVENTS = 20;
const FEED_WARM_UP_EVENTS = 3;
const TARGET_LEADERBOARD_P99_MS = 25;
const TARGET_FANOUT_P99_MS = 2_000;
/**
 * The paced runs offer this share of the requests a second the saturating run achieved on the same
 * server a moment before: a heavy load, but one the machine can carry, so the latency measured is
 * what a request costs there and not how long the queue is. (At saturation, 100 connections wait
 * 100 ÷ req/s on average whatever the server does, and on this 2-core machine the load generator,
 * not the server, is usually the first to run out of CPU.)
 */
const PACED_SHARE = 0.5;

/** `--name=value` or `--name value`, restricted to `allowed`. */
const option = <T extends string>(argv: readonly string[], name: string, allowed: readonly T[]): T | undefined => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const value = argv[i]!.includes("=") ? argv[i]!.slice(name.length + 3) : argv[i + 1];
  if (!allowed.includes(value as T)) throw new Error(`--${name} takes ${allowed.map((a) => `"${a}"`).join(" or ")}, not ${JSON.stringify(value)}`);
  return value as T;
};

/** `--name=N` or `--name N`, a positive integer. */
const count = (argv: readonly string[], name: string): number | undefined => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const value = argv[i]!.includes("=") ? argv[i]!.slice(name.length + 3) : argv[i + 1];
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number, not ${JSON.stringify(value)}`);
  return n;
};

/**
 * `npm run bench:api -- --only=feed` (or `leaderboard`) runs one half, e.g. to profile it;
 * `--clients=N` sets the feed's WebSocket clients (default WS_CLIENTS).
 */
const parseArgs = (argv: readonly string[]) => ({
  only: option(argv, "only", ["leaderboard", "feed"] as const),
  clients: count(argv, "clients") ?? WS_CLIENTS,
});

type Server = Child<
  {
    openConnections: () => number;
    cpu: () => NodeJS.CpuUsage;
    loopDelay: () => { p99Ms: number; maxMs: number };
    startProfile: () => Promise<void>;
    stopProfile: (file: string) => Promise<void>;
  },
  ApiServerReady
>;


const startServer = (names: TableNames, dynamoEndpoint: string, adminKey: string, cacheMs: number, feed: boolean): Promise<Server> => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  applyEnv(
    {
      ...localAwsEnv({ region: REGION, dynamoEndpoint, sqsEndpoint: "http://127.0.0.1:9" }),
      ...Object.fromEntries(ALL_TABLES.map((d) => [d.envVar, names[d.id]])),
      ADMIN_API_KEY: adminKey,
      BENCH_LEADERBOARD_CACHE_MS: String(cacheMs),
      BENCH_FEED: feed ? "1" : "0",
      AWS_LAMBDA_FUNCTION_NAME: undefined,
      WS_TOKEN: undefined,
      LOG_LEVEL: "WARN",
      POWERTOOLS_DEV: undefined,
    },
    env,
  );
  // BENCH_CPU_PROF=<dir>: the server's worker threads write V8 CPU profiles there when they stop, its
  // main thread one of the fan-out alone (open them in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF;
  return forkChild("./api-server.ts", { env, ...(profile && { execArgv: ["--cpu-prof", `--cpu-prof-dir=${profile}`] }) });
};

interface ServerFigures {
  serverCpuMsPerRequest: number;
  serverLoopDelayP99Ms: number;
  serverLoopDelayMaxMs: number;
}

/** One load run plus the server process's CPU time per request (user + system), to tell its cost from the queueing. */
const measuredOnce = async <R extends LoadResult>(server: Server, load: () => Promise<R>): Promise<R & ServerFigures> => {
  const before = await server.call("cpu");
  await server.call("loopDelay"); // starts its count over
  const r = await load();
  const loop = await server.call("loopDelay");
  const after = await server.call("cpu");
  const cpuMs = (after.user - before.user + after.system - before.system) / 1000;
  return {
    ...r,
    serverCpuMsPerRequest: Math.round((cpuMs / Math.max(1, r.requests)) * 1000) / 1000,
    // A slow response while the server's loop kept turning waited elsewhere (kernel, client).
    serverLoopDelayP99Ms: loop.p99Ms,
    serverLoopDelayMaxMs: loop.maxMs,
  };
};

type Measured<R extends LoadResult = LoadResult> = R & ServerFigures & { p99RunsMs: number[] };

/** The run with the median p99, and every run's p99. */
const medianByP99 = <R extends { p99Ms: number }>(results: readonly R[]): R & { p99RunsMs: number[] } => {
  const byP99 = [...results].sort((a, b) => a.p99Ms - b.p99Ms);
  return { ...byP99[Math.floor((byP99.length - 1) / 2)]!, p99RunsMs: results.map((r) => r.p99Ms) };
};

/**
 * `runs` load runs; reports the run with the median p99 (and every run's p99), because a single
 * run's tail on a shared 2-core machine moves by a third from one run to the next.
 */
const measuredRuns = async <R extends LoadResult>(server: Server, load: () => Promise<R>, runs: number): Promise<Measured<R>> => {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await measuredOnce(server, load));
  return medianByP99(results);
};

/** Saturating runs (autocannon). */
const measured = (server: Server, label: string, path: string, o: LoadOptions, runs = 1, durationS = DURATION_S): Promise<Measured> =>
  measuredRuns(server, () => loadTest(label, server.ready.url, path, CONNECTIONS, durationS, o), runs);

/** Paced runs (bench/paced-client.ts). */
const measuredPaced = (server: Server, pacer: PacedClient, label: string, plan: PacedPlan, o: LoadOptions): Promise<Measured<PacedLoadResult>> =>
  measuredRuns(server, () => pacedLoadTest(pacer, label, server.ready.url, "/api/v1/leaderboard", plan, LOAD_RUN_S, o), LOAD_RUNS);

const pacedFigures = (r: PacedLoadResult): string =>
  `; from the send: p50 ${r.serviceP50Ms} ms, p99 ${r.serviceP99Ms} ms; sends late by p99 ${r.sendLagP99Ms} ms; client CPU ${r.clientCpuMsPerRequest} ms/request` +
  (r.firstError === null ? "" : `; first error: ${r.firstError}`);

const line = (r: Measured<LoadResult | PacedLoadResult>): string =>
  `- ${r.label}: ${r.requestsPerSecond.toLocaleString("en-US")}${"offeredRps" in r ? ` of ${r.offeredRps.toLocaleString("en-US")}` : ""} req/s, p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; ` +
  `${r.requests.toLocaleString("en-US")} requests in ${r.durationS} s, ${(r.bytesPerSecond / 2 ** 20).toFixed(1)} MiB/s, ` +
  `non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}; server CPU ${r.serverCpuMsPerRequest} ms/request, ` +
  `server event-loop delay p99 ${r.serverLoopDelayP99Ms} ms, max ${r.serverLoopDelayMaxMs} ms` +
  ("serviceP99Ms" in r ? pacedFigures(r) : "") +
  (r.p99RunsMs.length > 1 ? ` (median of ${r.p99RunsMs.length} runs by p99; p99 per run ${r.p99RunsMs.join(", ")} ms)` : "");

interface Shared {
  dynamoEndpoint: string;
  names: TableNames;
  doc: ReturnType<typeof createDocumentClient>;
  adminKey: string;
  /** Children to stop at the end, last started first. */
  children: { stop: (ms?: number) => Promise<void> }[];
}

/** What browsers and CloudFront send: the API answers them with the page gzipped once per snapshot. */
const GZIP: Readonly<Record<string, string>> = { "Accept-Encoding": "gzip" };

/**
 * The same clients, connections and bytes against a bare node:http server (bench/floor-server.ts):
 * the latency no server code can remove on this machine. Median run of LOAD_RUNS, saturating and
 * paced to `plan` (the API's paced runs' plan, so the two compare request for request).
 */
const measureFloor = async (label: string, body: Uint8Array, gzip: boolean, pacer: PacedClient, plan: PacedPlan) => {
  const dir = await mkdtemp(join(os.tmpdir(), "bench-floor-"));
  const file = join(dir, "body");
  await writeFile(file, body);
  const floor = await forkChild<Record<string, never>, { url: string }>("./floor-server.ts", {
    env: { ...process.env, BENCH_FLOOR_BODY: file, BENCH_FLOOR_GZIP: gzip ? "1" : "0" },
  });
  try {
    const o: LoadOptions = gzip ? { headers: GZIP } : {};
    await loadTest("warm-up", floor.ready.url, "/", CONNECTIONS, 2, o);
    const saturating: LoadResult[] = [];
    for (let i = 0; i < LOAD_RUNS; i++) saturating.push(await loadTest(label, floor.ready.url, "/", CONNECTIONS, LOAD_RUN_S, o));
    const paced: PacedLoadResult[] = [];
    for (let i = 0; i < LOAD_RUNS; i++) paced.push(await pacedLoadTest(pacer, label, floor.ready.url, "/", plan, LOAD_RUN_S, o));
    return { saturating: medianByP99(saturating), paced: medianByP99(paced) };
  } finally {
    await floor.stop(5_000);
    await rm(dir, { recursive: true, force: true });
  }
};

type Floor = Awaited<ReturnType<typeof measureFloor>>;

const floorLines = (f: Floor, saturating: Measured, paced: Measured<PacedLoadResult>): string[] => [
  `- floor, ${f.saturating.label}, saturating: ${f.saturating.requestsPerSecond.toLocaleString("en-US")} req/s, p50 ${f.saturating.p50Ms} ms, ` +
    `p99 ${f.saturating.p99Ms} ms, max ${f.saturating.maxMs} ms (the API's p99 is ${(saturating.p99Ms / Math.max(0.01, f.saturating.p99Ms)).toFixed(1)}x this)`,
  `- floor, ${f.paced.label}, paced: ${f.paced.requestsPerSecond.toLocaleString("en-US")} of ${f.paced.offeredRps.toLocaleString("en-US")} req/s offered, ` +
    `p50 ${f.paced.p50Ms} ms, p99 ${f.paced.p99Ms} ms, max ${f.paced.maxMs} ms${pacedFigures(f.paced)} ` +
    `(the API's paced p99 is ${(paced.p99Ms / Math.max(0.01, f.paced.p99Ms)).toFixed(1)}x this)`,
];

/** The body as sent (node:http, unlike fetch(), does not decompress it). */
const fetchBody = (url: string, headers: Readonly<Record<string, string>> = {}): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on("error", reject);
    }).on("error", reject);
  });

const runLeaderboard = async ({ dynamoEndpoint, names, doc, adminKey, children }: Shared) => {
  console.log(`## Leaderboard (${CONNECTIONS} connections: saturating with autocannon, then paced with bench/paced-client.ts)`);
  const snapshot = await writeSnapshots(doc, names.state, TRADERS);
  console.log(
    `Snapshot: window ${snapshot.window}, ${snapshot.rows.toLocaleString("en-US")} rows (every trader), ` +
      `${(snapshot.rowsJsonBytes / 1024).toFixed(0)} KiB as JSON in ${snapshot.pages} pages; writeSnapshot took ${snapshot.writeMs} ms.`,
  );

  // Wired as `npm start` wires it: the feed's stream sources poll in the background.
  const server = await startServer(names, dynamoEndpoint, adminKey, CACHE_MS, true);
  children.push(server);
  const pacer = await startPacedClient();
  children.push(pacer);
  const base = server.ready.url;
  const identity: LoadOptions = {};
  const gzip: LoadOptions = { headers: GZIP };
  // Warm-up: JIT, keep-alive sockets, the first cache fill (and the gzipped copy of the page).
  await loadTest("warm-up", base, "/api/v1/leaderboard", CONNECTIONS, 2, identity);
  await loadTest("warm-up", base, "/api/v1/leaderboard", CONNECTIONS, 2, gzip);
  const cached = await measured(server, `GET /api/v1/leaderboard, cache ${CACHE_MS / 1000} s (as configured)`, "/api/v1/leaderboard", identity, LOAD_RUNS, LOAD_RUN_S);
  console.log(line(cached));
  const cachedGzip = await measured(server, "the same with Accept-Encoding: gzip (as browsers and CloudFront ask)", "/api/v1/leaderboard", gzip, LOAD_RUNS, LOAD_RUN_S);
  console.log(line(cachedGzip));
  const sorted = await measured(
    server,
    "GET ?sort_by=total_volume_usd&order=asc&limit=100&min_trades=10&exclude_bots=true, cache as configured",
    "/api/v1/leaderboard?sort_by=total_volume_usd&order=asc&limit=100&min_trades=10&exclude_bots=true",
    identity,
    LOAD_RUNS,
    LOAD_RUN_S,
  );
  console.log(line(sorted));

  // The same 100 connections below saturation: latency the server adds, not the queue's length.
  const plan = pacedPlan(cached.requestsPerSecond, PACED_SHARE, CONNECTIONS);
  const label =
    `${CONNECTIONS} connections paced to ${plan.offeredRps.toLocaleString("en-US")} req/s (${PACED_SHARE * 100}% of the saturating run; ` +
    `each sends every ${plan.intervalMs.toFixed(1)} ms, staggered; latency from when each request was due)`;
  await pacedLoadTest(pacer, "warm-up", base, "/api/v1/leaderboard", plan, 2);
  const pacedIdentity = await measuredPaced(server, pacer, `${label}: GET /api/v1/leaderboard`, plan, identity);
  console.log(line(pacedIdentity));
  const pacedGzip = await measuredPaced(server, pacer, `${label}: the same gzipped`, plan, gzip);
  console.log(line(pacedGzip));

  const page = await fetchBody(`${base}/api/v1/leaderboard`);
  const pageGzip = await fetchBody(`${base}/api/v1/leaderboard`, GZIP);
  if (!Buffer.from(gunzipSync(pageGzip)).equals(Buffer.from(page))) throw new Error("the gzipped page does not decompress to the page");
  const floor = await measureFloor(`bare node:http, the same ${(page.length / 1024).toFixed(1)} KiB`, page, false, pacer, plan);
  for (const l of floorLines(floor, cached, pacedIdentity)) console.log(l);
  const floorGzip = await measureFloor(`bare node:http, the same ${(pageGzip.length / 1024).toFixed(1)} KiB gzipped`, pageGzip, true, pacer, plan);
  for (const l of floorLines(floorGzip, cachedGzip, pacedGzip)) console.log(l);

  const miss = await missCost(base, adminKey, MISS_SAMPLES);
  console.log(
    `- Cache miss (first request after POST /api/v1/cache/clear, ${miss.samples} samples, one client): median ${miss.missMs.median} ms ` +
      `(${miss.missMs.min}–${miss.missMs.max}); the next request (hit) ${miss.hitMs.median} ms (${miss.hitMs.min}–${miss.hitMs.max}); ` +
      `then a new sort and filter of the loaded snapshot (${miss.viewPath}) ${miss.viewMissMs.median} ms (${miss.viewMissMs.min}–${miss.viewMissMs.max}); ` +
      `response ${miss.rowsInResponse} rows, ${(miss.responseBytes / 1024).toFixed(1)} KiB`,
  );
  await server.stop();

  // Every request a miss: what the cache saves (a second server, cache TTL 0, no feed).
  const uncachedServer = await startServer(names, dynamoEndpoint, adminKey, 0, false);
  children.push(uncachedServer);
  await loadTest("warm-up", uncachedServer.ready.url, "/api/v1/leaderboard", CONNECTIONS, 2, identity);
  const uncached = await measured(uncachedServer, "GET /api/v1/leaderboard, cache OFF (TTL 0: every request reads DynamoDB)", "/api/v1/leaderboard", identity);
  console.log(line(uncached));
  await uncachedServer.stop();
  return {
    snapshot,
    cacheMs: CACHE_MS,
    runs: [cached, cachedGzip, sorted, uncached],
    paced: { ...plan, identity: pacedIdentity, gzip: pacedGzip },
    floor: { identity: floor, gzip: floorGzip },
    miss,
    worstP99Ms: Math.max(cached.p99Ms, sorted.p99Ms),
    gzipP99Ms: cachedGzip.p99Ms,
  };
};

/** Connects `total` clients from processes of at most WS_CLIENTS_PER_PROCESS, one process after another. */
const connectClients = async (wsUrl: string, total: number, children: Shared["children"]) => {
  const processes: Child<WsClientMethods, object>[] = [];
  const results: ConnectResult[] = [];
  for (let left = total; left > 0; left -= WS_CLIENTS_PER_PROCESS) {
    const child = await forkChild<WsClientMethods, object>("./ws-clients.ts");
    children.push(child);
    processes.push(child);
    results.push(await child.call("connect", wsUrl, Math.min(left, WS_CLIENTS_PER_PROCESS), 50, 60_000));
  }
  const connect: ConnectResult = {
    connected: results.reduce((n, r) => n + r.connected, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    firstError: results.find((r) => r.firstError !== null)?.firstError ?? null,
    welcomeMs: results.flatMap((r) => r.welcomeMs),
  };
  return { processes, connect };
};

const runFeed = async ({ dynamoEndpoint, names, doc, adminKey, children }: Shared, total: number) => {
  console.log("## WebSocket fan-out");
  const server = await startServer(names, dynamoEndpoint, adminKey, CACHE_MS, true);
  children.push(server);
  const wsUrl = `${server.ready.url.replace(/^http/, "ws")}/ws/v1/trades`;
  const connectStarted = performance.now();
  const { processes, connect } = await connectClients(wsUrl, total, children);
  const clients = clientPool(processes);
  const connectS = (performance.now() - connectStarted) / 1000;
  const open = await server.call("openConnections");
  console.log(
    `${connect.connected} of ${total} clients (${processes.length} client processes) connected and welcomed in ${connectS.toFixed(1)} s (50 upgrades at a time; ` +
      `welcome p50 ${ms(percentile(connect.welcomeMs, 50))} ms, p99 ${ms(percentile(connect.welcomeMs, 99))} ms); ` +
      `${connect.failed} failed${connect.firstError ? ` (${connect.firstError})` : ""}; the gateway holds ${open} connections.`,
  );
  const cpuBefore = await server.call("cpu");
  const clientCpuBefore = await clients.cpuMs();
  const profileDir = process.env.BENCH_CPU_PROF;
  if (profileDir) await server.call("startProfile");
  const fan: FanOutResult = await measureFanOut({
    doc,
    eventsTable: names.events,
    clients,
    connected: connect.connected,
    events: FEED_EVENTS,
    warmUpEvents: FEED_WARM_UP_EVENTS,
    perEventTimeoutMs: 30_000,
    gapMs: 300,
    jitterMs: DEFAULT_STREAM_POLL_MS,
  });
  const cpuAfter = await server.call("cpu");
  const clientCpuAfter = await clients.cpuMs();
  if (profileDir) await server.call("stopProfile", path.join(profileDir, `main-thread-fan-out-${Date.now()}.cpuprofile`));
  const perDelivery = (cpuMs: number) => Math.round((cpuMs / Math.max(1, fan.allDeliveries)) * 1000) / 1000;
  // Over warm-up and measured deliveries; includes the stream sources' idle polling between events: an upper bound.
  const serverCpuMsPerDelivery = perDelivery((cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000);
  // The clients share the same 2 cores: what they take is not the server's to use.
  const clientCpuMsPerDelivery = perDelivery(clientCpuAfter - clientCpuBefore);
  console.log(
    `- ${fan.events} events, one at a time, to ${fan.clients} clients: insert → client p50 ${fan.p50Ms} ms, p90 ${fan.p90Ms} ms, p99 ${fan.p99Ms} ms, max ${fan.maxMs} ms; ` +
      `first delivery per event (median) ${fan.firstDeliveryMedianMs} ms; ` +
      `server CPU ${serverCpuMsPerDelivery} ms per delivery (broadcaster + fan-out worker + management API + WebSocket send), ` +
      `the client processes' ${clientCpuMsPerDelivery} ms`,
  );
  console.log(`- not counted: ${FEED_WARM_UP_EVENTS} warm-up events first, insert → last client ${fan.warmUpLastMs.join(", ")} ms`);
  console.log(
    `- deliveries expected ${fan.expectedDeliveries}, delivered ${fan.deliveries}: missing ${fan.missing}, duplicates ${fan.duplicates} ` +
      `(re-sends: deliveries to a client that already had the event); clients closed during the run ${fan.clientsClosed}`,
  );
  for (const e of fan.perEvent) {
    console.log(`  ${e.id.slice(-12)}: put ${e.putMs} ms, ${e.delivered} delivered, first ${e.firstMs} ms, median ${e.p50Ms} ms, last ${e.lastMs} ms`);
  }
  return {
    connect: { ...connect, welcomeMs: undefined, welcomeP50Ms: ms(percentile(connect.welcomeMs, 50)), welcomeP99Ms: ms(percentile(connect.welcomeMs, 99)), seconds: connectS },
    fanOut: { ...fan, serverCpuMsPerDelivery, clientCpuMsPerDelivery },
  };
};

const main = async (): Promise<void> => {
  const { only, clients } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const facts = machine();
  console.log("# HTTP API and live feed benchmark");
  console.log(`node ${facts.node}, ${facts.cores} cores (${facts.cpu}), ${facts.memoryGb} GB, ${facts.platform}`);
  console.log(`load average at start ${facts.loadAverageAtStart.join(" ")}`);
  console.log("Processes: orchestrator; DynamoDB Local (java); API server child (API + WebSocket gateway + feed functions);");
  console.log("autocannon child per saturating run; paced load generator child; WebSocket clients child. All share this machine's cores.");
  console.log("The API's per-IP rate limit is OFF for the run (limits.rateLimit = false): every client is 127.0.0.1.\n");

  let dynamo: DynamoDbLocal | undefined;
  const children: Shared["children"] = [];
  try {
    dynamo = await startDynamoDbLocal({ inMemory: true });
    const names = Object.fromEntries(ALL_TABLES.map((d) => [d.id, `bench-api-${d.id}`])) as TableNames;
    const ddb = localDynamoClient({ endpoint: dynamo.endpoint, region: REGION });
    const shared: Shared = { dynamoEndpoint: dynamo.endpoint, names, doc: createDocumentClient(ddb), adminKey: randomBytes(24).toString("base64url"), children };

    await createTables(ddb, names);
    const leaderboard = only === "feed" ? undefined : await runLeaderboard(shared);
    if (only === undefined) console.log("");
    const feed = only === "leaderboard" ? undefined : await runFeed(shared, clients);

    console.log("\n## Targets (reported, not asserted)");
    if (leaderboard !== undefined) {
      const verdict = (p99: number) => `${p99} ms → ${p99 < TARGET_LEADERBOARD_P99_MS ? "met" : "NOT met"}`;
      const { paced, floor } = leaderboard;
      const carried = (r: PacedLoadResult) => `${r.requestsPerSecond.toLocaleString("en-US")} of ${r.offeredRps.toLocaleString("en-US")} req/s`;
      console.log(
        `- leaderboard p99 < ${TARGET_LEADERBOARD_P99_MS} ms at ${CONNECTIONS} connections, paced to ${PACED_SHARE * 100}% of saturation ` +
          `(bench/paced-client.ts, ${carried(paced.identity)}; latency from when each request was due): ` +
          `${pacedVerdict(paced.identity, paced.offeredRps, TARGET_LEADERBOARD_P99_MS).text}; ` +
          `gzipped (${carried(paced.gzip)}) ${pacedVerdict(paced.gzip, paced.offeredRps, TARGET_LEADERBOARD_P99_MS).text}; ` +
          `a bare node:http server sending the same bytes at the same pace: ${floor.identity.paced.p99Ms} ms (gzipped ${floor.gzip.paced.p99Ms} ms)`,
      );
      console.log(
        `- the same at saturation (autocannon, no pause: the latency is then mostly the queue, 100 ÷ req/s): ` +
          `${verdict(leaderboard.worstP99Ms)}; gzipped ${verdict(leaderboard.gzipP99Ms)}; ` +
          `a bare node:http server sending the same bytes: ${floor.identity.saturating.p99Ms} ms (gzipped ${floor.gzip.saturating.p99Ms} ms)`,
      );
    }
    if (feed !== undefined) {
      const fan = feed.fanOut;
      const met = fan.p99Ms < TARGET_FANOUT_P99_MS && fan.missing === 0 && fan.duplicates === 0;
      console.log(
        `- fan-out to ${fan.clients} clients, every event exactly once, p99 < ${TARGET_FANOUT_P99_MS} ms: ${fan.p99Ms} ms, ` +
          `${fan.missing} missing, ${fan.duplicates} re-sent → ${met ? "met" : "NOT met"}`,
      );
    }

    const end = { loadAverageAtEnd: loadAverage(), totalS: Math.round((performance.now() - started) / 100) / 10 };
    console.log(`\nLoad average at end ${end.loadAverageAtEnd.join(" ")}. Total ${end.totalS} s`);
    console.log(
      `BENCH_JSON ${JSON.stringify({
        machine: { ...facts, ...end },
        rateLimit: false,
        leaderboard,
        feed,
        targets: { leaderboardP99Ms: TARGET_LEADERBOARD_P99_MS, fanOutP99Ms: TARGET_FANOUT_P99_MS },
      })}`,
    );
    ddb.destroy();
  } finally {
    for (const child of children.reverse()) await child.stop(15_000);
    await dynamo?.stop();
  }
};

runMain(main);
