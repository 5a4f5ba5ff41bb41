import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "undici";
import { serveParent } from "./ipc.js";
import { dueMs, latencyFromDue, type PacedPlan } from "./paced.js";
import { ms, percentile } from "./percentile.js";

/**
 * The paced load generator of bench/api.ts, in a process of its own (forked) so that its CPU is not
 * the server's. One undici Client per connection, one request in flight on each; connection i sends
 * its kth request when bench/paced.ts's `dueMs` says, or as soon as its previous answer is in if
 * that is later. Bodies are counted, not decoded. It is part of `npm ci` (undici is a dependency),
 * so the paced figures need nothing installed.
 */

export interface PacedRunOptions {
  /** Origin and path, e.g. http://127.0.0.1:8080/api/v1/leaderboard. */
  url: string;
  plan: PacedPlan;
  durationS: number;
  headers?: Record<string, string>;
}

export interface PacedRunResult {
  /** Answered requests (any status) and the seconds from the start to the last answer (at least durationS). */
  requests: number;
  durationS: number;
  requestsPerSecond: number;
  bytesPerSecond: number;
  /** 2xx answers, from when each request was due (see latencyFromDue). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** 2xx answers, from when each request was sent: the service time a closed-loop client reports. */
  serviceP50Ms: number;
  serviceP99Ms: number;
  /** How late requests left after they were due (timer lateness, a busy client, or a slow previous answer). */
  sendLagP99Ms: number;
  /** This process's CPU time per answered request (user + system): near 1000 ÷ rate, the client is what limits the run. */
  clientCpuMsPerRequest: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The first error's message, if any, so that a run that failed says why. */
  firstError: string | null;
}

const TIMEOUT_MS = 10_000;
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** One GET; resolves with the status and body size when the last byte is in. */
const get = (client: Client, path: string, headers: Record<string, string> | undefined): Promise<{ status: number; bytes: number }> =>
  new Promise((resolve, reject) => {
    let status = 0;
    let bytes = 0;
    client.dispatch(
      { method: "GET", path, headers: headers ?? null },
      {
        // undici takes a handler for its current API only when it has onRequestStart.
        onRequestStart: () => undefined,
        onResponseStart: (_c, statusCode) => void (status = statusCode),
        onResponseData: (_c, chunk) => void (bytes += chunk.length),
        onResponseEnd: () => resolve({ status, bytes }),
        onResponseError: (_c, error) => reject(error),
      },
    );
  });

const run = async ({ url, plan, durationS, headers }: PacedRunOptions): Promise<PacedRunResult> => {
  const { origin, pathname, search } = new URL(url);
  const path = `${pathname}${search}`;
  const fromDue: number[] = [];
  const service: number[] = [];
  const sendLag: number[] = [];
  let requests = 0;
  let bytes = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let firstError: string | null = null;
  let lastDone = 0;
  // A little ahead, so that every connection's first timer is set before the first is due.
  const start = performance.now() + 20;
  const cpuBefore = process.cpuUsage();
  const end = start + durationS * 1000;

  const connection = async (i: number): Promise<void> => {
    const client = new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, connectTimeout: TIMEOUT_MS });
    try {
      for (let k = 0; ; k++) {
        const due = start + dueMs(plan, i, k);
        if (due >= end) break;
        const wait = Math.floor(due - performance.now());
        if (wait >= 1) await sleep(wait);
        const sent = performance.now();
        // Fell so far behind that this request's turn came after the end: the run is over.
        if (sent >= end) break;
        sendLag.push(Math.max(0, sent - due));
        try {
          const answer = await get(client, path, headers);
          const done = performance.now();
          requests++;
          bytes += answer.bytes;
          lastDone = Math.max(lastDone, done);
          if (answer.status >= 200 && answer.status < 300) {
            fromDue.push(latencyFromDue(due, sent, done));
            service.push(done - sent);
          } else non2xx++;
        } catch (error) {
          if (TIMEOUT_CODES.has((error as { code?: string }).code ?? "")) timeouts++;
          else errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    } finally {
      await client.close();
    }
  };

  await Promise.all(Array.from({ length: plan.connections }, (_, i) => connection(i)));
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = Math.max(durationS, (lastDone - start) / 1000);
  return {
    requests,
    durationS: Math.round(seconds * 100) / 100,
    requestsPerSecond: Math.round(requests / seconds),
    bytesPerSecond: Math.round(bytes / seconds),
    p50Ms: ms(percentile(fromDue, 50)),
    p90Ms: ms(percentile(fromDue, 90)),
    p99Ms: ms(percentile(fromDue, 99)),
    maxMs: ms(percentile(fromDue, 100)),
    serviceP50Ms: ms(percentile(service, 50)),
    serviceP99Ms: ms(percentile(service, 99)),
    sendLagP99Ms: ms(percentile(sendLag, 99)),
    clientCpuMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, requests)) * 1000) / 1000,
    non2xx,
    errors,
    timeouts,
    firstError,
  };
};

export type PacedClientMethods = { run: typeof run };

await serveParent(async () => ({ ready: {}, methods: { run }, stop: async () => undefined }));
