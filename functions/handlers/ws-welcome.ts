import { managementApi } from "#commons/clients/apigateway.js";
import { logger } from "#commons/logger.js";
import { createWelcomeHandler } from "#app/feed/welcome.js";
import { createApiGatewaySender } from "#store/ws-sender.js";

/** Lambda entry: the connections table's stream (INSERT) → the `connection` welcome message. */
export const handler = createWelcomeHandler({
  sender: createApiGatewaySender(managementApi),
  logger,
  now: Date.now,
});
