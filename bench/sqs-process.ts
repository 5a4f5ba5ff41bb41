import { startLocalSqs } from "#local/sqs.js";
import { serveParent } from "./ipc.js";
import { quietSdkNodeWarning } from "./util.js";

/**
 * The SQS server (fauxqs) in a process of its own, forked by bench/tracking.ts, so that serving
 * SendMessageBatch / ReceiveMessage / DeleteMessageBatch costs the measured process nothing.
 * Queues are created by the parent through the ordinary SQS API.
 */

export interface SqsReady {
  endpoint: string;
}

quietSdkNodeWarning();

await serveParent(async () => {
  const sqs = await startLocalSqs({ port: 0 });
  return { ready: { endpoint: sqs.endpoint } satisfies SqsReady, methods: {}, stop: () => sqs.stop() };
});
