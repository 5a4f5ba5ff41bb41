import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebSocket } from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_FEED_MESSAGE_BYTES } from "#domain/feed/messages.js";
import { connectionIdOf, createManagementApi, type ManagedConnection } from "#local/management-api.js";

/** A connection whose socket records what it was sent and whether it was closed. */
const sent: string[] = [];
let closedWith: number | undefined;
let failSend = false;
const conn: ManagedConnection = {
  ws: {
    send: (data: Buffer, _o: unknown, cb: (e?: Error) => void) => {
      sent.push(data.toString());
      cb(failSend ? new Error("socket closed") : undefined);
    },
    close: (code: number) => (closedWith = code),
  } as unknown as WebSocket,
  connectedAt: Date.parse("2026-11-27T08:00:00Z"),
  lastActiveAt: Date.parse("2026-11-27T08:01:00Z"),
  sourceIp: "127.0.0.1",
  userAgent: "test",
};

let server: Server;
let base: string;
beforeAll(async () => {
  const api = createManagementApi((id) => (id === "ab=c" ? conn : undefined));
  server = createServer((req, res) => {
    if (!api(req, res)) res.writeHead(299).end("app");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  sent.length = 0;
  closedWith = undefined;
  failSend = false;
});

describe("local management API", () => {
  it("reads the connection id from the path, percent-decoded", () => {
    expect(connectionIdOf("/@connections/ab%3Dc")).toBe("ab=c");
    expect(connectionIdOf("/@connections/ab%3Dc?x=1")).toBe("ab=c");
    expect(connectionIdOf("/@connections/")).toBeUndefined();
    expect(connectionIdOf("/@connections/a/b")).toBeUndefined();
    expect(connectionIdOf("/@connections/%E0%A4%A")).toBeUndefined();
    expect(connectionIdOf("/health")).toBeUndefined();
  });

  it("posts the body to the client as it came, and answers 200 once it is sent", async () => {
    const r = await fetch(`${base}/@connections/ab%3Dc`, { method: "POST", body: '{"type":"pong"}' });
    expect(r.status).toBe(200);
    expect(sent).toEqual(['{"type":"pong"}']);
  });

  it("answers 410 GoneException for an unknown connection and for a send that failed", async () => {
    const unknown = await fetch(`${base}/@connections/nobody`, { method: "POST", body: "x" });
    expect(unknown.status).toBe(410);
    expect(unknown.headers.get("x-amzn-errortype")).toBe("GoneException");
    expect(await unknown.json()).toEqual({ message: "Gone" });
    failSend = true;
    expect((await fetch(`${base}/@connections/ab%3Dc`, { method: "POST", body: "x" })).status).toBe(410);
  });

  it("answers 413 PayloadTooLargeException for a body over API Gateway's 128 KB, and sends nothing", async () => {
    const r = await fetch(`${base}/@connections/ab%3Dc`, { method: "POST", body: "x".repeat(MAX_FEED_MESSAGE_BYTES + 1) });
    expect(r.status).toBe(413);
    expect(r.headers.get("x-amzn-errortype")).toBe("PayloadTooLargeException");
    expect(sent).toEqual([]);
    expect((await fetch(`${base}/@connections/ab%3Dc`, { method: "POST", body: "x".repeat(MAX_FEED_MESSAGE_BYTES) })).status).toBe(200);
    expect(sent.map((m) => m.length)).toEqual([MAX_FEED_MESSAGE_BYTES]);
  });

  it("describes a connection (GET) and closes it (DELETE)", async () => {
    const got = await fetch(`${base}/@connections/ab%3Dc`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({
      connectedAt: "2026-11-27T08:00:00.000Z",
      lastActiveAt: "2026-11-27T08:01:00.000Z",
      identity: { sourceIp: "127.0.0.1", userAgent: "test" },
    });
    expect((await fetch(`${base}/@connections/ab%3Dc`, { method: "DELETE" })).status).toBe(204);
    expect(closedWith).toBe(1000);
  });

  it("answers 404 for another method or path under it, and leaves other paths to the app", async () => {
    expect((await fetch(`${base}/@connections/ab%3Dc`, { method: "PUT", body: "x" })).status).toBe(404);
    expect((await fetch(`${base}/@connections/a/b`)).status).toBe(404);
    const other = await fetch(`${base}/health`);
    expect([other.status, await other.text()]).toEqual([299, "app"]);
  });
});
