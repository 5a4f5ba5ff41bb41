import { loadConfig } from "#commons/config.js";
import { ConfigError } from "#commons/errors.js";
import { MAX_FAN_OUT_CONCURRENCY } from "#domain/feed/fan-out.js";
import { createManagementApiClient } from "#store/management-api.js";

/**
 * The API Gateway management client the live feed posts through, built once per process. Its
 * endpoint is WS_CALLBACK_URL: the WebSocket API's stage URL in AWS, the local gateway locally.
 * Only functions that post import this module, so only they need the setting.
 */
const config = loadConfig();
if (config.WS_CALLBACK_URL === undefined) {
  throw new ConfigError("WS_CALLBACK_URL must be set for functions that post to WebSocket clients");
}

/** A fan-out posts up to MAX_FAN_OUT_CONCURRENCY at once: that many sockets stay open. */
export const managementApi = createManagementApiClient(config.WS_CALLBACK_URL, { maxSockets: MAX_FAN_OUT_CONCURRENCY });
