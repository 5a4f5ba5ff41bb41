import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import type { HealthCheck } from "#api/deps.js";
import { dynamoTableCheck } from "#api/dynamo.js";
import { runHealthChecks, type HealthBody } from "#api/health.js";
import type { Config } from "#commons/config.js";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { LocalStartupError } from "./errors.js";
import type { WebSocketGateway } from "./ws-gateway.js";

/**
 * The local HTTP server: `/health`, the dashboard at /app/ (`dashboardMount`); the HTTP API and the
 * WebSocket are mounted on the same server (see `mounts` and `RunningHttpServer.server`) so the
 * whole app answers on one port.
 */

export type { HealthCheck };

/** The same DynamoDB check the HTTP API Lambda runs. */
export const dynamoHealthCheck = dynamoTableCheck;

export const sqsHealthCheck = (client: SQSClient, queueUrl: string): HealthCheck => ({
  name: "sqs",
  check: async (signal) => {
    await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }), {
      abortSignal: signal,
    });
  },
});

/**
 * The WebSocket feed, as a client finds it: "starting" until the gateway accepts upgrades (its
 * routes are registered last, once the functions behind them run), down once it has closed. So a
 * script that waits for /health and then connects is never refused.
 */
export const feedHealthCheck = (gateway: Pick<WebSocketGateway, "state">): HealthCheck => ({
  name: "feed",
  check: async () => {
    const state = gateway.state();
    if (state === "closed") throw new Error("The WebSocket gateway has closed");
    return state === "starting" ? "starting" : undefined;
  },
});

/** Adds routes or sub-apps (`app.route("/api", api)`); runs before the server takes a request. */
export type HttpMount = (app: Hono) => void;

/**
 * What the dashboard mount serves once its build is settled: `ok: false` keeps the API running
 * and makes /app/ say why there is no page and how to build it.
 */
export type DashboardBuild = { ok: true } | { ok: false; reason: string };

/** `/app/config.json`: where the page finds the API and the feed (see web/src/config.ts). Public: never a secret. */
export interface DashboardConfig {
  api_base: string;
  /** null: the page derives `ws(s)://<its host>/ws/v1/trades`. */
  ws_url: string | null;
  /** The feed refuses clients without `?token=` (WS_TOKEN set): the page asks for the token. */
  ws_token_required: boolean;
}

/**
 * What `npm start` serves: the API and the feed on the page's own origin. ws-connect checks a token
 * when WS_TOKEN or WS_TOKEN_SECRET_ARN is set (#commons/secrets.js), so then the page asks for it.
 */
export const localDashboardConfig = (config: Pick<Config, "WS_TOKEN" | "WS_TOKEN_SECRET_ARN">): DashboardConfig => ({
  api_base: "",
  ws_url: null,
  ws_token_required: config.WS_TOKEN !== undefined || config.WS_TOKEN_SECRET_ARN !== undefined,
});

export interface DashboardOptions {
  /** The built page: web/dist. */
  dir: string;
  /** Settles when the page may be served; requests wait for a build still running. */
  ready?: Promise<DashboardBuild>;
  config?: DashboardConfig;
}

export const DASHBOARD_PATH = "/app/";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/**
 * Vite names what it emits under assets/ by content hash, so those never change; everything else
 * (index.html, favicon) is revalidated, as the S3 deployment does (lib/dashboard.ts).
 */
const cacheControlFor = (relative: string): string => (relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache");

/**
 * The part of a request path under /app/ as safe path segments, or null for anything that could
 * leave the directory or name a hidden file: `..`, `.`, dot-files, backslashes, NUL, bad escapes.
 * (The URL parser already resolved literal and %2e dot segments; `%2f` and `%5c` are decoded here.)
 */
export const dashboardSegments = (pathname: string): string[] | null => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice(DASHBOARD_PATH.length));
  } catch {
    return null;
  }
  if (decoded.includes("\\") || decoded.includes("\0")) return null;
  const segments = decoded.split("/").filter((s) => s !== "");
  return segments.some((s) => s.startsWith(".")) ? null : segments;
};

const notBuiltPage = (reason: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;background:#0b1118;color:#e6edf3}code,pre{background:#121b25;padding:.1rem .3rem;border-radius:4px}pre{padding:.75rem;overflow:auto;white-space:pre-wrap}a{color:#7cc4ff}</style></head>
<body><h1>The dashboard is not built</h1>
<p>The API and the live feed are running; only the web page is missing. Build it with</p>
<pre>npm run build</pre><p>and reload this page (or restart <code>npm start</code>, which builds it when <code>web/</code> changed).</p>
<p>Why it is missing:</p><pre>${reason.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</pre>
<p>Meanwhile: <a href="/docs">API documentation</a> · <a href="/health">health</a></p></body></html>`;

/**
 * Serves the dashboard (web/dist) at /app/: hashed assets cached for a year, index.html revalidated,
 * and every path that is not a file answered with index.html (the page routes by hash, so this only
 * matters for mistyped links). Register it first: the API's middleware never sees these requests.
 */
export const dashboardMount =
  (o: DashboardOptions): HttpMount =>
  (app) => {
    const root = path.resolve(o.dir);
    const config: DashboardConfig = o.config ?? localDashboardConfig({});
    const ready = o.ready ?? Promise.resolve<DashboardBuild>({ ok: true });

    const file = async (relative: string): Promise<Buffer | null> => {
      const full = path.resolve(root, relative);
      if (full !== root && !full.startsWith(root + path.sep)) return null;
      try {
        if (!(await stat(full)).isFile()) return null;
        return await readFile(full);
      } catch {
        return null;
      }
    };
    const send = (body: Buffer, relative: string, status = 200) =>
      new Response(new Uint8Array(body), {
        status,
        headers: {
          "Content-Type": CONTENT_TYPES[path.extname(relative).toLowerCase()] ?? "application/octet-stream",
          "Cache-Control": cacheControlFor(relative),
          "X-Content-Type-Options": "nosniff",
        },
      });
    const text = (status: number, body: string) =>
      new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache" } });

    app.get("/app", (c) => {
      const url = new URL(c.req.url);
      return c.redirect(`${DASHBOARD_PATH}${url.search}`, 301);
    });
    app.get("/app/config.json", (c) => {
      c.header("Cache-Control", "no-cache");
      return c.json(config);
    });
    app.get("/app/*", async (c) => {
      const segments = dashboardSegments(new URL(c.req.url).pathname);
      if (segments === null) return text(404, "Not found");
      const build = await ready;
      if (!build.ok) {
        return new Response(notBuiltPage(build.reason), {
          status: 503,
          headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
        });
      }
      const relative = segments.join("/");
      if (relative !== "") {
        const body = await file(relative);
        if (body) return send(body, relative);
        // A missing file (it has an extension, or lives under assets/) is a 404, not the page.
        if (path.extname(relative) !== "" || segments[0] === "assets") return text(404, "Not found");
      }
      const index = await file("index.html");
      if (index) return send(index, "index.html");
      return new Response(notBuiltPage(`${path.join(root, "index.html")} does not exist.`), {
        status: 503,
        headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
      });
    });
  };

export interface HttpAppOptions {
  checks: readonly HealthCheck[];
  mounts?: readonly HttpMount[];
  /** Per check; a dependency that does not answer in time is reported down. */
  checkTimeoutMs?: number;
  startedAt?: number;
  logger?: AppLogger;
}

export type { HealthBody };

export const createHttpApp = (o: HttpAppOptions): Hono => {
  const log = o.logger ?? defaultLogger;
  const startedAt = o.startedAt ?? Date.now();
  const app = new Hono();

  app.get("/health", async (c) => {
    const { healthy, body } = await runHealthChecks(o.checks, {
      timeoutMs: o.checkTimeoutMs ?? 2_000,
      startedAt,
      now: Date.now(),
      log,
    });
    return c.json(body, healthy ? 200 : 503);
  });

  for (const mount of o.mounts ?? []) mount(app);
  return app;
};

export interface RunningHttpServer {
  url: string;
  port: number;
  /** The Node server, e.g. to handle WebSocket `upgrade` requests next to the Hono routes. */
  server: Server;
  stop(): Promise<void>;
}

export interface StartHttpOptions {
  port: number;
  /** Loopback by default: the local API has no authentication. */
  hostname?: string;
}

export const portInUseMessage = (port: number): string =>
  `Port ${port} is already in use: stop the other process or start with PORT=${port === 65_535 ? port - 1 : port + 1} npm start.`;

export const startHttpServer = async (app: Hono, o: StartHttpOptions): Promise<RunningHttpServer> => {
  const hostname = o.hostname ?? "127.0.0.1";
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const message =
        error.code === "EADDRINUSE"
          ? portInUseMessage(o.port)
          : `The HTTP server could not listen on ${hostname}:${o.port}: ${error.message}.`;
      reject(new LocalStartupError(message, { cause: error }));
    };
    server.once("error", onError);
    server.listen(o.port, hostname, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  const shownHost = hostname === "127.0.0.1" || hostname === "0.0.0.0" ? "localhost" : hostname;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    server,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections would otherwise hold close() open for seconds.
        server.closeIdleConnections();
      }),
  };
};
