import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createHttpApp, startHttpServer } from "#local/http.js";
import { createWebSocketGateway } from "#local/ws-gateway.js";
import { startFeedFunctions } from "../support/feed-functions.js";
import { startPipeline } from "../support/pipeline.js";
import { recordingLogger } from "../support/logger.js";

/**
 * The feed while it starts, as `npm start` starts it: the port answers before the feed's functions
 * are up. A file of its own: the handler modules read their tables and callback URL once per
 * process, and feed.test.ts has already loaded them for its own tables.
 */

/** Opens a WebSocket; rejects with `HTTP <status>` when the upgrade is refused. */
const open = (url: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
    ws.once("open", () => resolve(ws));
  });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("start-up", () => {
  it("greets the first client the gateway accepts while the feed's functions start (refused with 503 before)", async () => {
    const p = await startPipeline({ seed: 22 });
    cleanups.push(() => p.close());
    const gateway = createWebSocketGateway({ logger: recordingLogger().logger });
    const http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
    gateway.attach(http.server);
    cleanups.push(() => http.stop(), () => gateway.close());
    const starting = startFeedFunctions(p, { gateway, port: http.port, logger: recordingLogger().logger, pollIntervalMs: 100 });
    cleanups.push(async () => (await starting).stop());

    const refusals: string[] = [];
    let ws: WebSocket | undefined;
    while (ws === undefined) {
      ws = await open(`ws://127.0.0.1:${http.port}/ws/v1/trades`).catch((e: Error) => {
        refusals.push(e.message);
        return new Promise<undefined>((r) => setTimeout(() => r(undefined), 5));
      });
    }
    const client = ws;
    cleanups.push(() => client.terminate());
    expect(refusals.filter((m) => m !== "HTTP 503")).toEqual([]);
    const welcome = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no connection message within 2 s")), 2_000);
      client.once("message", (data) => {
        clearTimeout(timer);
        resolve(JSON.parse(String(data)));
      });
    });
    expect(welcome).toMatchObject({ type: "connection", message: "Connected to real-time trade feed" });
  });
});
