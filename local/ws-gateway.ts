import { randomBytes, randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Context } from "aws-lambda";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { MAX_FEED_MESSAGE_BYTES } from "#domain/feed/messages.js";
import type { WebSocketRoute } from "../functions/catalog.js";
import { createLambdaContext, invokeWithTimeout, type InvocationResult } from "./lambda-context.js";
import { createManagementApi, type ManagedConnection } from "./management-api.js";
import { DEFAULT_WS_LIMITS, messageBucket, originAllowed, type WebSocketLimits } from "./ws-limits.js";

/**
 * The local stand-in for an API Gateway WebSocket API. It accepts WebSocket upgrades on the HTTP
 * server's port, gives each connection an id, invokes the very `$connect` / `$disconnect` /
 * `$default` handler modules with API Gateway-shaped events, and serves the management API
 * (`POST|GET|DELETE /@connections/{id}`, 410 GoneException for unknown ids, 413 for a post over
 * API Gateway's 128 KB message limit, which also bounds what a client may send) so that
 * `ApiGatewayManagementApiClient` code posts to local clients exactly as it does in AWS.
 */

export const WS_PATHS = ["/ws/v1/trades", "/ws/v1/updates"] as const;

export type RouteHandler = (event: unknown, context: Context) => unknown;

export interface RouteOptions {
  functionName: string;
  timeoutSeconds: number;
  memoryMb?: number;
}

export interface WebSocketGatewayOptions {
  paths?: readonly string[];
  stage?: string;
  region?: string;
  logger?: AppLogger;
  /** What one client may do (./ws-limits.ts); each unset one is the default. */
  limits?: Partial<WebSocketLimits>;
}

export interface WebSocketGateway {
  /** Registers the function behind a route (the catalog's `websocket` triggers). */
  route(key: WebSocketRoute, handler: RouteHandler, options: RouteOptions): void;
  /**
   * Starts accepting WebSocket upgrades on the server, and serves the management API
   * (`/@connections/{id}`, see ./management-api.ts) ahead of its HTTP app.
   */
  attach(server: Server): void;
  /**
   * "starting" until `$connect` has a function (upgrades are refused with 503 meanwhile), "open"
   * while upgrades are accepted, "closed" once close() was called. The local /health reports it.
   */
  state(): "starting" | "open" | "closed";
  /** Ids of the open connections. */
  connectionIds(): string[];
  /** Closes every connection (their `$disconnect` runs) and stops accepting new ones. */
  close(): Promise<void>;
}

interface LocalConnection extends ManagedConnection {
  /** `$default` invocations of one connection run one after another, in the order sent. */
  queue: Promise<void>;
  /** Of those, how many are waiting or running. */
  queued: number;
}

const isOk = (outcome: InvocationResult): boolean => {
  if (outcome.status !== "succeeded") return false;
  const status = (outcome.value as { statusCode?: unknown } | null | undefined)?.statusCode;
  // API Gateway treats a missing status as 200.
  return status === undefined || (typeof status === "number" && status >= 200 && status < 300);
};

const statusOf = (outcome: InvocationResult): number => {
  const status = outcome.status === "succeeded" ? (outcome.value as { statusCode?: unknown } | null)?.statusCode : undefined;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
};

const refuse = (socket: Duplex, status: number) => {
  const body = STATUS_CODES[status] ?? "Error";
  socket.end(`HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};

export const createWebSocketGateway = (o: WebSocketGatewayOptions = {}): WebSocketGateway => {
  const log = o.logger ?? defaultLogger;
  const paths = new Set(o.paths ?? WS_PATHS);
  const stage = o.stage ?? "local";
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const routes = new Map<WebSocketRoute, { handler: RouteHandler; options: RouteOptions }>();
  const connections = new Map<string, LocalConnection>();
  const inFlight = new Set<Promise<unknown>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FEED_MESSAGE_BYTES });
  const limits: WebSocketLimits = { ...DEFAULT_WS_LIMITS, ...o.limits };
  /** Upgrades accepted or being accepted, per source address (their $connect may still run). */
  const perIp = new Map<string, number>();
  let admitted = 0;
  let closed = false;
  let domainName = "localhost";

  const state = () => (closed ? "closed" : routes.has("$connect") ? "open" : "starting");

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  const invoke = (key: WebSocketRoute, connectionId: string, extra: Record<string, unknown>, connectedAt: number, sourceIp: string) => {
    const route = routes.get(key);
    if (!route) return Promise.resolve<InvocationResult>({ status: "failed", error: new Error(`No function for route ${key}`) });
    const now = Date.now();
    const event = {
      requestContext: {
        routeKey: key,
        eventType: key === "$connect" ? "CONNECT" : key === "$disconnect" ? "DISCONNECT" : "MESSAGE",
        messageDirection: "IN",
        connectionId,
        connectedAt,
        requestTimeEpoch: now,
        requestId: randomUUID(),
        extendedRequestId: randomUUID(),
        apiId: "local",
        domainName,
        stage,
        // As API Gateway says who connected on every route; the connection caps count by it.
        identity: { sourceIp },
      },
      isBase64Encoded: false,
      ...extra,
    };
    const context = createLambdaContext({
      functionName: route.options.functionName,
      timeoutSeconds: route.options.timeoutSeconds,
      region,
      ...(route.options.memoryMb !== undefined && { memoryMb: route.options.memoryMb }),
    });
    return track(
      invokeWithTimeout((ctx) => route.handler(event, ctx), context).then((outcome) => {
        if (outcome.status === "failed") log.error(`WebSocket ${key} failed`, { connectionId, error: outcome.error });
        else if (outcome.status === "timedOut") log.error(`WebSocket ${key} timed out`, { connectionId });
        return outcome;
      }),
    );
  };

  const disconnect = (connectionId: string, connectedAt: number, sourceIp: string) => {
    connections.delete(connectionId);
    void invoke("$disconnect", connectionId, {}, connectedAt, sourceIp);
  };

  const open = (ws: WebSocket, connectionId: string, req: IncomingMessage, connectedAt: number, sourceIp: string) => {
    const conn: LocalConnection = {
      ws,
      connectedAt,
      lastActiveAt: Date.now(),
      sourceIp,
      userAgent: req.headers["user-agent"] ?? "",
      queue: Promise.resolve(),
      queued: 0,
    };
    connections.set(connectionId, conn);
    const bucket = messageBucket(limits);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      conn.lastActiveAt = Date.now();
      if (!bucket.take()) {
        // API Gateway's answer to a throttled message; the message itself goes nowhere.
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ message: "Too Many Requests", connectionId, requestId: randomUUID() }));
        return;
      }
      if (conn.queued >= limits.maxQueued) {
        log.warn("WebSocket client closed: it sends faster than its messages are handled", { connectionId, queued: conn.queued });
        ws.close(1008, "too many messages waiting");
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      const body = isBinary ? { body: buf.toString("base64"), isBase64Encoded: true } : { body: buf.toString("utf8") };
      conn.queued++;
      conn.queue = conn.queue.then(async () => {
        try {
          const outcome = await invoke("$default", connectionId, body, connectedAt, sourceIp);
          if (!isOk(outcome) && ws.readyState === ws.OPEN) {
            // What API Gateway tells the client when the integration fails.
            ws.send(JSON.stringify({ message: "Internal server error", connectionId, requestId: randomUUID() }));
          }
        } finally {
          conn.queued--;
        }
      });
    });
    ws.on("error", (error) => log.debug("WebSocket error", { connectionId, error }));
    ws.on("close", () => disconnect(connectionId, connectedAt, sourceIp));
  };

  /** Counts an upgrade against the caps until its socket closes; false (nothing counted) when over one. */
  const admit = (socket: Duplex, ip: string): boolean => {
    const fromIp = perIp.get(ip) ?? 0;
    if (admitted >= limits.maxConnections || fromIp >= limits.maxConnectionsPerIp) return false;
    admitted++;
    perIp.set(ip, fromIp + 1);
    socket.once("close", () => {
      admitted--;
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
    return true;
  };

  const accept = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    socket.on("error", () => socket.destroy());
    if (state() !== "open") return refuse(socket, 503);
    if (!originAllowed(req, limits)) return refuse(socket, 403);
    const sourceIp = req.socket.remoteAddress ?? "127.0.0.1";
    if (!admit(socket, sourceIp)) return refuse(socket, 429);
    const connectionId = randomBytes(12).toString("base64url");
    const connectedAt = Date.now();
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
    );
    const query = Object.fromEntries(url.searchParams);
    const outcome = await invoke(
      "$connect",
      connectionId,
      { headers, queryStringParameters: Object.keys(query).length > 0 ? query : undefined },
      connectedAt,
      sourceIp,
    );
    if (!isOk(outcome)) return refuse(socket, statusOf(outcome));
    if (socket.destroyed || closed) {
      // The client gave up while $connect ran: it never opened, but $connect stored it.
      void invoke("$disconnect", connectionId, {}, connectedAt, sourceIp);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => open(ws, connectionId, req, connectedAt, sourceIp));
  };

  const managementApi = createManagementApi((id) => {
    const conn = connections.get(id);
    return conn !== undefined && conn.ws.readyState === conn.ws.OPEN ? conn : undefined;
  });

  return {
    route(key, handler, options) {
      routes.set(key, { handler, options });
    },
    attach(server) {
      const address = server.address();
      if (typeof address === "object" && address) domainName = `localhost:${address.port}`;
      // The management API answers ahead of the server's other listeners (the HTTP app).
      const others = server.listeners("request") as RequestListener[];
      server.removeAllListeners("request");
      server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        if (managementApi(req, res)) return;
        for (const listener of others) listener.call(server, req, res);
      });
      server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        if (!paths.has(url.pathname)) return refuse(socket, 404);
        void accept(req, socket, head, url).catch((error: unknown) => {
          log.error("WebSocket upgrade failed", { error });
          socket.destroy();
        });
      });
    },
    state,
    connectionIds: () => [...connections.keys()],
    close: async () => {
      closed = true;
      for (const conn of connections.values()) conn.ws.close(1001, "server stopping");
      // Give clients a moment to answer the close handshake; then cut the rest.
      const deadline = Date.now() + 1_000;
      while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of connections.values()) conn.ws.terminate();
      await Promise.allSettled([...inFlight]);
      wss.close();
    },
  };
};
