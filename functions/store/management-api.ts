import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { SignatureV4 } from "@smithy/signature-v4";
import { createPoolHttpHandler, escape } from "./pool-http-handler.js";
import { createPostSigner } from "./post-signer.js";

/** SigV4 signing name of the API Gateway management API (`execute-api`). */
const SIGNING_NAME = "execute-api";

/**
 * An API Gateway management client tuned for fan-out, where one command type is sent a thousand
 * times in a row. Same requests and signatures as the SDK's defaults, less work per post:
 * - the requests go over undici's connection pool (./pool-http-handler.ts), cheaper per request
 *   than Node's http client; `maxSockets` connections stay open between posts (and invocations),
 *   so no post waits for a socket or pays a new TCP/TLS handshake;
 * - the middleware stack is resolved once per command type (`cacheMiddleware`);
 * - the SigV4 signer is built once, from the client's own credentials, region and hash: by default
 *   the SDK builds a new one for every request, copying its whole resolved config each time;
 * - no per-post work nobody reads: the User-Agent string (rebuilt and escaped for every request),
 *   the logger middleware (there is no logger), the recursion-detection header (it matters only
 *   for calls that can invoke a Lambda; posting to a WebSocket client cannot).
 * Together about a third of a post's CPU.
 */

/** API Gateway answers a post in milliseconds; a post that waits this long is stuck, and retried. */
const POST_TIMEOUT_MS = 10_000;

/**
 * A post to one connection as the fan-out sends it thousands of times: the very request the SDK's
 * PostToConnectionCommand sends (path, body, headers, SigV4 signature as its signer computes it,
 * ./post-signer.ts), built and signed directly and sent on the same pool (its status alone read),
 * without the SDK's command pipeline. That pipeline
 * (serialization schema, endpoint resolution, retry strategy, deserialization) copies the client's
 * whole resolved config several times per command: most of a post's CPU in a profile of a
 * 10,000-client fan-out. Answers with the status; the caller maps it (#store/ws-sender.js).
 */
export type PostToConnection = (connectionId: string, data: Uint8Array) => Promise<number>;

const directPosts = new WeakMap<ApiGatewayManagementApiClient, PostToConnection>();

/** The direct post of a client built by createManagementApiClient; undefined for any other client. */
export const directPostOf = (client: ApiGatewayManagementApiClient): PostToConnection | undefined => directPosts.get(client);


export const createManagementApiClient = (endpoint: string, o: { maxSockets: number; region?: string }): ApiGatewayManagementApiClient => {
  let signer: Promise<SignatureV4> | undefined;
  // Built on first use, from the client's own credentials, region and hash.
  const signerOnce = (): Promise<SignatureV4> =>
    (signer ??= (async () =>
      new SignatureV4({
        credentials: client.config.credentials,
        region: await client.config.region(),
        service: SIGNING_NAME,
        sha256: client.config.sha256,
        uriEscapePath: client.config.signingEscapePath,
      }))());
  const handler = createPoolHttpHandler({ connections: o.maxSockets, timeoutMs: POST_TIMEOUT_MS });
  const client: ApiGatewayManagementApiClient = new ApiGatewayManagementApiClient({
    endpoint,
    ...(o.region !== undefined && { region: o.region }),
    requestHandler: handler,
    cacheMiddleware: true,
    signer: () => signerOnce(),
  });
  for (const name of ["getUserAgentMiddleware", "loggerMiddleware", "recursionDetectionMiddleware"]) {
    client.middlewareStack.remove(name);
  }

  const url = new URL(endpoint);
  const base = url.pathname.replace(/\/+$/, "");
  const port = url.port === "" ? undefined : Number(url.port);
  let signPost: Promise<ReturnType<typeof createPostSigner>> | undefined;
  // Built on first use, from the client's own region and path escaping.
  const postSignerOnce = () =>
    (signPost ??= (async () =>
      createPostSigner({ host: url.host, region: await client.config.region(), service: SIGNING_NAME, escapePath: client.config.signingEscapePath }))());
  directPosts.set(client, async (connectionId, data) => {
    const path = `${base}/@connections/${escape(connectionId)}`;
    // The SDK's provider: the same object until the credentials are refreshed.
    const headers = (await postSignerOnce())(await client.config.credentials(), path, data, Date.now());
    return handler.status({ method: "POST", protocol: url.protocol, hostname: url.hostname, ...(port !== undefined && { port }), path, headers, body: data });
  });
  return client;
};
