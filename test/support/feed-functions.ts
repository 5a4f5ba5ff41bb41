import { inject } from "vitest";
import { loadConfig } from "#commons/config.js";
import type { AppLogger } from "#commons/logger.js";
import { localStreamsClient } from "#local/aws.js";
import { startFunctions, type RunningFunctions } from "#local/functions.js";
import type { WebSocketGateway } from "#local/ws-gateway.js";
import { FEED_FUNCTIONS } from "../../functions/catalog.js";
import { testSqsClient } from "./aws.js";
import { TEST_REGION } from "./env.js";
import type { Pipeline } from "./pipeline.js";

/**
 * The live feed's functions (connect, welcome, default, disconnect, broadcaster) over a pipeline's
 * tables, posting through `gateway` on the HTTP server at `port`, as the local runtime runs them
 * (a pipeline's, or tables of their own: the feed sends to no queue).
 */
export const startFeedFunctions = (
  p: Pick<Pipeline, "tables"> & Partial<Pick<Pipeline, "queue">>,
  o: { gateway: WebSocketGateway; port: number; logger: AppLogger; pollIntervalMs?: number },
): Promise<RunningFunctions> => {
  // What the runtime does before the handler modules load: they read these when imported, as they read Lambda's environment.
  Object.assign(process.env, p.tables.env, { WS_CALLBACK_URL: `http://127.0.0.1:${o.port}` });
  return startFunctions({
    config: loadConfig(process.env),
    sqsClient: p.queue?.client ?? testSqsClient(),
    queue: () => {
      throw new Error("the feed uses no queue");
    },
    gateway: o.gateway,
    streams: {
      dynamo: p.tables.client,
      client: localStreamsClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION }),
      tableName: (def) => p.tables.names[def.id],
      ...(o.pollIntervalMs !== undefined && { pollIntervalMs: o.pollIntervalMs }),
      workerEndpoint: inject("dynamoEndpoint"),
    },
    functions: FEED_FUNCTIONS,
    logger: o.logger,
  });
};
