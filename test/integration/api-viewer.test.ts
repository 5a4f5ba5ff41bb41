import type { APIGatewayProxyEventV2, Context as LambdaContext } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { createApiApp } from "#api/index.js";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "#api/viewer.js";
import { stubApiDeps } from "../support/api-deps.js";
import { serveApp, type Served } from "../support/serve.js";

/**
 * Who the rate limit counts (issue 16, finding 2). In AWS every request reaches the function from
 * a CloudFront edge: API Gateway's sourceIp is the edge, shared by every viewer near it. The viewer
 * is CloudFront-Viewer-Address, believed only with the origin secret CloudFront adds; a request
 * without the secret (the execute-api URL called directly) is refused.
 */

const ORIGIN_SECRET = "origin-secret-0123456789abcdef";
const EDGE_IP = "130.176.0.1";
const LIMIT = { capacity: 3, refillPerSecond: 0.01 };

const lambdaContext = { functionName: "http-api", awsRequestId: "r", getRemainingTimeInMillis: () => 29_000 } as unknown as LambdaContext;

/** An API Gateway HTTP API (payload 2.0) event as CloudFront's origin request arrives: from the edge. */
const fromEdge = (headers: Record<string, string>, path = "/"): APIGatewayProxyEventV2 => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: path,
  rawQueryString: "",
  headers: { host: "abc123.execute-api.us-east-1.amazonaws.com", ...headers },
  requestContext: {
    accountId: "123456789012",
    apiId: "abc123",
    domainName: "abc123.execute-api.us-east-1.amazonaws.com",
    domainPrefix: "abc123",
    http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: EDGE_IP, userAgent: "Amazon CloudFront" },
    requestId: "id",
    routeKey: "$default",
    stage: "$default",
    time: "06/Dec/2026:12:00:00 +0000",
    timeEpoch: 0,
  },
  isBase64Encoded: false,
});

const lambdaApi = (originSecret: string | undefined) => {
  const handler = handle(createApiApp(stubApiDeps({ originSecret, limits: { rateLimit: LIMIT } })));
  return async (headers: Record<string, string>) => {
    const r = (await handler(fromEdge(headers) as unknown as Parameters<typeof handler>[0], lambdaContext)) as { statusCode: number; body: string; headers?: Record<string, string> };
    return { status: r.statusCode, body: JSON.parse(r.body) as { error?: { code: string; message: string } } };
  };
};

const through = (viewer: string) => ({ [ORIGIN_VERIFY_HEADER]: ORIGIN_SECRET, [VIEWER_ADDRESS_HEADER]: viewer });

describe("behind CloudFront (ORIGIN_SECRET set, as the stack deploys it)", () => {
  it("a request without the origin secret (the direct execute-api URL) is refused, 403 in JSON; with it, answered", async () => {
    const call = lambdaApi(ORIGIN_SECRET);
    const direct = await call({});
    expect(direct.status).toBe(403);
    expect(direct.body.error?.code).toBe("FORBIDDEN");
    expect(direct.body.error?.message).toContain("CloudFront");
    expect((await call({ [ORIGIN_VERIFY_HEADER]: "not-the-secret-0123456789" })).status).toBe(403);
    // A forged viewer address does not help without the secret.
    expect((await call({ [VIEWER_ADDRESS_HEADER]: "198.51.100.7:5000" })).status).toBe(403);
    expect((await call(through("198.51.100.7:5000"))).status).toBe(200);
  });

  it("each viewer has his own bucket: one client over the limit is refused, the others at the same edge are not", async () => {
    const call = lambdaApi(ORIGIN_SECRET);
    const abusive = [];
    for (let i = 0; i < 5; i++) abusive.push((await call(through(`198.51.100.7:${5000 + i}`))).status);
    expect(abusive).toEqual([200, 200, 200, 429, 429]);
    // Same edge (sourceIp), other viewers: before, they were all one client and got 429 too.
    expect((await call(through("203.0.113.9:6000"))).status).toBe(200);
    expect((await call(through("2001:db8:aa::1:443"))).status).toBe(200);
  });

  it("an IPv6 viewer is limited per /64, so rotating addresses inside it gains nothing", async () => {
    const call = lambdaApi(ORIGIN_SECRET);
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await call(through(`2001:db8:bb:1::${i.toString(16)}:443`))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("without CloudFront (locally: no ORIGIN_SECRET)", () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it("the socket's peer is the client: a CloudFront-Viewer-Address a client writes itself is ignored", async () => {
    served = await serveApp(createApiApp(stubApiDeps({ limits: { rateLimit: LIMIT } })));
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${served.url}/`, { headers: { [VIEWER_ADDRESS_HEADER]: `198.51.100.${i}:5000` } });
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("the Lambda without a configured secret (an old deployment) still answers, keyed on the edge", async () => {
    const call = lambdaApi(undefined);
    expect((await call({})).status).toBe(200);
  });
});
