import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { loadConfig } from "#commons/config.js";
import { ConfigError } from "#commons/errors.js";
import { MAX_FAN_OUT_CONCURRENCY } from "#domain/feed/fan-out.js";

/**
 * The API Gateway management client the live feed posts through, built once per process. Its
 * endpoint is WS_CALLBACK_URL: the WebSocket API's stage URL in AWS, the local gateway locally.
 * Only functions that post import this module, so only they need the setting.
 */
const config = loadConfig();
if (config.WS_CALLBACK_URL === undefined) {
  throw new ConfigError("WS_CALLBACK_URL must be set for functions that post to WebSocket clients");
}

/**
 * A fan-out posts one PostToConnection per client, up to MAX_FAN_OUT_CONCURRENCY at once: keep
 * that many sockets open between posts (and invocations) so no post waits for a socket or pays a
 * new TCP/TLS handshake.
 */
const agentOptions = { keepAlive: true, maxSockets: MAX_FAN_OUT_CONCURRENCY };

export const managementApi = new ApiGatewayManagementApiClient({
  endpoint: config.WS_CALLBACK_URL,
  requestHandler: { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) },
  // Resolve the middleware stack once per command type, not once per post: a fan-out sends the
  // same command type a thousand times, and the stack never changes after construction.
  cacheMiddleware: true,
});
