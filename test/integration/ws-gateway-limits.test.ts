import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createHttpApp, startHttpServer } from "#local/http.js";
import { createWebSocketGateway, type RouteHandler } from "#local/ws-gateway.js";
import type { WebSocketLimits } from "#local/ws-limits.js";
import { recordingLogger } from "../support/logger.js";

/**
 * What one local client may do to the local WebSocket gateway (local/ws-limits.ts), over real
 * sockets: a page from another origin, too many connections, messages faster than the rate, and a
 * flood while its messages are still being handled. Each must be refused or cut, never buffered.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const start = async (limits: Partial<WebSocketLimits>, onDefault: RouteHandler = () => ({ statusCode: 200 })) => {
  const gateway = createWebSocketGateway({ logger: recordingLogger().logger, limits });
  const ok: RouteHandler = () => ({ statusCode: 200 });
  gateway.route("$connect", ok, { functionName: "connect", timeoutSeconds: 5 });
  gateway.route("$disconnect", ok, { functionName: "disconnect", timeoutSeconds: 5 });
  gateway.route("$default", onDefault, { functionName: "default", timeoutSeconds: 30 });
  const http = await startHttpServer(createHttpApp({ checks: [] }), { port: 0 });
  gateway.attach(http.server);
  cleanups.push(() => http.stop(), () => gateway.close());
  return { url: `ws://127.0.0.1:${http.port}/ws/v1/trades`, gateway, port: http.port };
};

/** Opens a WebSocket; rejects with `HTTP <status>` when the upgrade is refused. */
const open = (url: string, headers: Record<string, string> = {}): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
    ws.once("open", () => {
      cleanups.push(() => ws.terminate());
      resolve(ws);
    });
  });

const closed = (ws: WebSocket): Promise<{ code: number; reason: string }> =>
  new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })));

describe("the local WebSocket gateway's limits", () => {
  it("lets in a page of its own origin and a client without one, and refuses another site's page", async () => {
    const { url, port } = await start({});
    await expect(open(url, { Origin: `http://127.0.0.1:${port}` })).resolves.toBeInstanceOf(WebSocket);
    await expect(open(url)).resolves.toBeInstanceOf(WebSocket);
    await expect(open(url, { Origin: "https://evil.example" })).rejects.toThrow("HTTP 403");
  });

  it("caps the connections from one address, and counts one that closed as gone", async () => {
    const { url } = await start({ maxConnectionsPerIp: 3 });
    const three = await Promise.all([open(url), open(url), open(url)]);
    await expect(open(url)).rejects.toThrow("HTTP 429");
    const gone = closed(three[0]!);
    three[0]!.close();
    await gone;
    await expect.poll(async () => (await open(url).then(() => "open", (e: Error) => e.message))).toBe("open");
  });

  it("answers messages beyond the rate 'Too Many Requests' and drops them", async () => {
    let handled = 0;
    const { url } = await start({ messagesPerSecond: 1, burst: 5 }, () => {
      handled++;
      return { statusCode: 200 };
    });
    const ws = await open(url);
    const answers: string[] = [];
    ws.on("message", (m) => answers.push(JSON.parse(String(m)).message));
    for (let i = 0; i < 12; i++) ws.send(JSON.stringify({ action: "ping" }));
    await expect.poll(() => answers.length).toBeGreaterThanOrEqual(6);
    // The burst passes (5, and perhaps one more token refilled meanwhile); the rest is refused.
    expect(handled).toBeGreaterThanOrEqual(5);
    expect(handled).toBeLessThanOrEqual(6);
    expect(answers.every((a) => a === "Too Many Requests")).toBe(true);
    expect(answers.length).toBe(12 - handled);
  });

  it("closes a client that keeps more messages waiting than allowed, instead of queueing without end", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    let started = 0;
    const { url } = await start({ maxQueued: 3, burst: 1_000, messagesPerSecond: 1_000 }, async () => {
      started++;
      await blocked;
      return { statusCode: 200 };
    });
    const ws = await open(url);
    const end = closed(ws);
    for (let i = 0; i < 500; i++) ws.send(JSON.stringify({ action: "ping", i }));
    expect(await end).toEqual({ code: 1008, reason: "too many messages waiting" });
    release();
    // Only what was admitted ran: one at a time, and never more than the cap in all.
    await expect.poll(() => started).toBe(3);
  });
});
