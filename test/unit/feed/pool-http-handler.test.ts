import { GoneException, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createManagementApiClient } from "#store/management-api.js";
import { createPoolHttpHandler, queryString, sdkError } from "#store/pool-http-handler.js";
import { answerOk, startRecordingServer, type RecordingServer } from "../../support/recording-server.js";

/** A management API stand-in whose answer to each request the test decides. */
let server: RecordingServer;
let port: number;

beforeAll(async () => {
  server = await startRecordingServer();
  port = server.port;
});
afterAll(() => server.close());
beforeEach(() => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
  vi.stubEnv("AWS_SESSION_TOKEN", "");
  server.seen.length = 0;
  server.answer = answerOk;
});
afterEach(() => vi.unstubAllEnvs());

const post = (id: string, data = `{"to":"${id}"}`) => {
  const client = createManagementApiClient(`http://127.0.0.1:${port}`, { maxSockets: 2, region: "eu-west-1" });
  return client.send(new PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode(data) })).finally(() => client.destroy());
};

describe("the management API client over undici's pool", () => {
  it("posts the data to @connections/{id}", async () => {
    await post("abc=", '{"type":"pong"}');
    expect(server.seen).toMatchObject([{ method: "POST", url: "/@connections/abc%3D", body: '{"type":"pong"}' }]);
    expect(server.seen).toHaveLength(1);
  });

  it("turns a 410 into the SDK's GoneException, with its status", async () => {
    server.answer = (_req, res) =>
      res.writeHead(410, { "content-type": "application/json", "x-amzn-errortype": "GoneException" }).end('{"message":"gone"}');
    const error = await post("gone=").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
    expect(server.seen).toHaveLength(1); // not retried
  });

  it("lets the SDK retry a 500, and a connection the server closed under the request", async () => {
    let n = 0;
    server.answer = (req, res) => {
      n++;
      if (n === 1) res.writeHead(500, { "content-type": "application/json" }).end('{"message":"boom"}');
      else if (n === 2) req.socket.destroy();
      else res.writeHead(200, { "content-length": "0" }).end();
    };
    await expect(post("retry=")).resolves.toMatchObject({ $metadata: { httpStatusCode: 200, attempts: 3 } });
    expect(server.seen.map((s) => s.body)).toEqual(Array(3).fill('{"to":"retry="}'));
  });
});

describe("pool HTTP handler", () => {
  it("sends the query in SigV4's encoding and hands back status, headers and body", async () => {
    server.answer = (_req, res) => {
      res.setHeader("x-many", ["a", "b"]);
      res.writeHead(201, { "content-type": "text/plain" }).end("made");
    };
    const handler = createPoolHttpHandler({ connections: 1, timeoutMs: 2_000 });
    const { response } = await handler.handle({
      method: "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path: "/p",
      query: { b: "x y", a: ["2", "1"], c: null, "d!": "(*)" },
      headers: { host: `127.0.0.1:${port}` },
    });
    handler.destroy();
    expect(server.seen[0]?.url).toBe("/p?a=2&a=1&b=x%20y&c&d%21=%28%2A%29");
    expect(response.statusCode).toBe(201);
    expect(response.headers["x-many"]).toBe("a, b");
    expect(new TextDecoder().decode(response.body)).toBe("made");
  });

  it("gives up on a server that never answers with a TimeoutError, which the SDK retries", async () => {
    server.answer = () => {}; // never
    const handler = createPoolHttpHandler({ connections: 1, timeoutMs: 1_000 });
    const started = Date.now();
    const error = await handler
      .handle({ method: "POST", protocol: "http:", hostname: "127.0.0.1", port, path: "/", headers: {}, body: "x" })
      .catch((e: unknown) => e);
    handler.destroy();
    expect(error).toMatchObject({ name: "TimeoutError" });
    // undici checks its timers about once a second.
    expect(Date.now() - started).toBeLessThan(3_500);
  });

  it("maps only undici's own errors", () => {
    const socket = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    expect(sdkError(socket)).toMatchObject({ code: "ECONNRESET", cause: socket });
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(sdkError(refused)).toBe(refused);
    expect(sdkError("text")).toBe("text");
    expect(queryString(undefined)).toBe("");
  });
});
