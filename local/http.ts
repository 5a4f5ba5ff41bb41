import { createServer, type Server } from "node:http";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import type { HealthCheck } from "#api/deps.js";
import { dynamoTableCheck } from "#api/dynamo.js";
import { runHealthChecks, type HealthBody } from "#api/health.js";
import { logger as defaultLogger, type AppLogger } from "#commons/logger.js";
import { LocalStartupError } from "./errors.js";

/**
 * The local HTTP server: `/health` now; the HTTP API and the WebSocket are mounted on the same
 * server (see `mounts` and `RunningHttpServer.server`) so the whole app answers on one port.
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

/** Adds routes or sub-apps (`app.route("/api", api)`); runs before the server takes a request. */
export type HttpMount = (app: Hono) => void;

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
