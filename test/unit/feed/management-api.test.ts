import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { createManagementApiClient, directPostOf } from "#store/management-api.js";
import { createApiGatewaySender } from "#store/ws-sender.js";
import { ConnectionGoneError, MessageTooLargeError } from "#domain/feed/ports.js";
import { answerOk, startRecordingServer, type RecordedRequest, type RecordingServer } from "../../support/recording-server.js";

/** A stand-in for the management API that records each request's headers, path and body. */
let server: RecordingServer;
let endpoint: string;

beforeAll(async () => {
  server = await startRecordingServer();
  endpoint = server.url;
});
afterAll(() => server.close());
afterEach(() => {
  vi.unstubAllEnvs();
  server.seen.length = 0;
});

const KEY = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

/** `20261127T060000Z` → that instant. */
const amzDate = (v: string): Date =>
  new Date(`${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}T${v.slice(9, 11)}:${v.slice(11, 13)}:${v.slice(13, 15)}Z`);

/**
 * What API Gateway checks: the Authorization header's signature, recomputed from the request as it
 * arrived (method, path, the headers it names as signed, body) with the secret key.
 */
const expectedAuthorization = async (r: RecordedRequest, sha256: ConstructorParameters<typeof SignatureV4>[0]["sha256"]) => {
  const auth = String(r.headers.authorization);
  const names = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
  const headers = Object.fromEntries(names.map((n) => [n, String(r.headers[n])]));
  const verifier = new SignatureV4({ credentials: KEY, region: "eu-west-1", service: "execute-api", sha256 });
  const signed = await verifier.sign(
    { method: "POST", protocol: "http:", hostname: "127.0.0.1", path: r.url, query: {}, headers, body: r.body },
    { signingDate: amzDate(String(r.headers["x-amz-date"])), signableHeaders: new Set(names) },
  );
  return signed.headers.authorization;
};

describe("management API client for fan-out", () => {
  it("signs every post validly for execute-api with its one reused signer, and sends what the default client sends", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", KEY.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", KEY.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", "");
    const plain = new ApiGatewayManagementApiClient({ endpoint, region: "eu-west-1" });
    const tuned = createManagementApiClient(endpoint, { maxSockets: 4, region: "eu-west-1" });
    const post = (c: ApiGatewayManagementApiClient, id: string) =>
      c.send(new PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode(`{"to":"${id}"}`) }));

    await post(plain, "abc=");
    await post(tuned, "abc=");
    await post(tuned, "xyz=");
    await post(plain, "xyz=");
    const [p, t1, t2, p2] = server.seen;
    const sha256 = plain.config.sha256;
    // The verifier agrees with the SDK's default signing (so it checks something), then with ours.
    expect(await expectedAuthorization(p!, sha256), "default client").toBe(p!.headers.authorization);
    expect(await expectedAuthorization(t1!, sha256), "first post").toBe(t1!.headers.authorization);
    expect(await expectedAuthorization(p2!, sha256), "default second").toBe(p2!.headers.authorization);
    expect(await expectedAuthorization(t2!, sha256), "second post").toBe(t2!.headers.authorization);
    expect(t1?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
    // Same request otherwise: path, body, payload hash.
    expect(t1?.url).toBe(p?.url);
    expect(t1?.body).toBe(p?.body);
    expect(t1?.headers["x-amz-content-sha256"]).toBe(p?.headers["x-amz-content-sha256"]);
    // What it leaves out: the SDK's User-Agent, which the default client sends.
    expect(p?.headers["x-amz-user-agent"]).toBeDefined();
    expect(t1?.headers["x-amz-user-agent"]).toBeUndefined();
    plain.destroy();
    tuned.destroy();
  });

  it("posts directly the very request the SDK's command sends, validly signed (session token included), under the endpoint's stage path", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", KEY.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", KEY.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", "session-token");
    const plain = new ApiGatewayManagementApiClient({ endpoint: `${endpoint}/v1`, region: "eu-west-1" });
    const tuned = createManagementApiClient(`${endpoint}/v1`, { maxSockets: 4, region: "eu-west-1" });
    const direct = directPostOf(tuned)!;
    expect(directPostOf(plain)).toBeUndefined();
    const data = new TextEncoder().encode('{"to":"ab+c=/d!"}');
    await plain.send(new PostToConnectionCommand({ ConnectionId: "ab+c=/d!", Data: data }));
    expect(await direct("ab+c=/d!", data)).toBe(200);
    const [p, d] = server.seen;
    expect(d?.method).toBe("POST");
    expect(d?.url).toBe(p?.url);
    expect(d?.url).toBe("/v1/@connections/ab%2Bc%3D%2Fd%21");
    expect(d?.body).toBe(p?.body);
    for (const h of ["content-type", "content-length", "x-amz-content-sha256", "x-amz-security-token", "host"]) {
      expect(d?.headers[h], h).toBe(p?.headers[h]);
    }
    expect(await expectedAuthorization(d!, plain.config.sha256)).toBe(d!.headers.authorization);
    plain.destroy();
    tuned.destroy();
  });

  it("maps a direct post's answer as the SDK's errors are mapped: 410 gone, 413 too large, a throttle retried", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", KEY.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", KEY.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", "");
    const tuned = createManagementApiClient(endpoint, { maxSockets: 4, region: "eu-west-1" });
    const sender = createApiGatewaySender(tuned);
    const message = { type: "pong" as const, timestamp: "2026-12-06T00:00:00.000Z" };
    const answerWith = (statuses: number[]) => {
      server.answer = (_req, res) => res.writeHead(statuses.shift() ?? 200, { "content-length": "0" }).end();
    };
    try {
      answerWith([410]);
      await expect(sender.send("gone=", message)).rejects.toBeInstanceOf(ConnectionGoneError);
      answerWith([413]);
      await expect(sender.send("big=", message)).rejects.toBeInstanceOf(MessageTooLargeError);
      server.seen.length = 0;
      answerWith([429, 500, 200]);
      await sender.send("busy=", message);
      expect(server.seen.map((r) => r.url)).toEqual(Array(3).fill("/@connections/busy%3D"));
      answerWith([500, 500, 500]);
      await expect(sender.send("down=", message)).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    } finally {
      server.answer = answerOk;
      tuned.destroy();
    }
  });
});
