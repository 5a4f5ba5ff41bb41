import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { SignatureV4 } from "@smithy/signature-v4";
import { createPoolHttpHandler } from "./pool-http-handler.js";

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

export const createManagementApiClient = (endpoint: string, o: { maxSockets: number; region?: string }): ApiGatewayManagementApiClient => {
  let signer: Promise<SignatureV4> | undefined;
  const client: ApiGatewayManagementApiClient = new ApiGatewayManagementApiClient({
    endpoint,
    ...(o.region !== undefined && { region: o.region }),
    requestHandler: createPoolHttpHandler({ connections: o.maxSockets, timeoutMs: POST_TIMEOUT_MS }),
    cacheMiddleware: true,
    signer: () =>
      (signer ??= (async () =>
        new SignatureV4({
          credentials: client.config.credentials,
          region: await client.config.region(),
          service: SIGNING_NAME,
          sha256: client.config.sha256,
          uriEscapePath: client.config.signingEscapePath,
        }))()),
  });
  for (const name of ["getUserAgentMiddleware", "loggerMiddleware", "recursionDetectionMiddleware"]) {
    client.middlewareStack.remove(name);
  }
  return client;
};
