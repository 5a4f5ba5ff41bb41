import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { loadConfig } from "#commons/config.js";
import { ConfigError } from "#commons/errors.js";

/**
 * The API Gateway management client the live feed posts through, built once per process. Its
 * endpoint is WS_CALLBACK_URL: the WebSocket API's stage URL in AWS, the local gateway locally.
 * Only functions that post import this module, so only they need the setting.
 */
const config = loadConfig();
if (config.WS_CALLBACK_URL === undefined) {
  throw new ConfigError("WS_CALLBACK_URL must be set for functions that post to WebSocket clients");
}

export const managementApi = new ApiGatewayManagementApiClient({ endpoint: config.WS_CALLBACK_URL });
