import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type _Record } from "@aws-sdk/client-dynamodb-streams";
import { loadConfig } from "#commons/config.js";
import { logger } from "#commons/logger.js";
import { localDynamoClient, localSqsClient, localStreamsClient } from "#local/aws.js";
import { loadHandler, startFunctions, type FunctionsOptions, type LambdaHandler, type RunningFunctions } from "#local/functions.js";
import { createLambdaContext } from "#local/lambda-context.js";
import type { CreatedQueue } from "#local/sqs.js";
import { toStreamEvent } from "#local/stream-source.js";
import { tableNamesFromConfig } from "#local/tables.js";
import { COPY_DISPATCH_FUNCTION, COPY_RECONCILE_FUNCTION, COPY_WORKER_FUNCTION, type FunctionDef } from "../functions/catalog.js";
import { serveParent } from "./ipc.js";
import { quietSdkNodeWarning, requireEnv } from "./util.js";

/**
 * The copy engine under test of bench/copy.ts, wired as local/runtime.ts wires `npm start`: the
 * catalog's copy functions on their triggers through local/functions.ts startFunctions. Two roles,
 * each its own process (BENCH_COPY_ROLE), so that the worker can be killed mid-batch and started
 * again while the rest runs on:
 * - `dispatch`: copy-dispatch on the events table's stream (a worker thread, as `npm start` runs
 *   stream consumers) and the copy-reconcile schedule;
 * - `worker`: copy-worker behind an SQS event source on the copy queue.
 * Handlers are the real modules; the wrappers only note when they ran.
 */

export type CopySystemMethods = {
  /** Worker: invocations running now, and how many batches have finished. */
  inFlight: () => number;
  batches: () => { started: number; finished: number; failed: number; messages: number };
  /** Dispatch: every copy-reconcile run (start, end, epoch ms). */
  reconcileRuns: () => { startedAt: number; endedAt: number }[];
  /**
   * Dispatch: the events table's stream read again from its start and handed to the copy-dispatch
   * handler in batches of its configured size, as Lambda retries a batch: how many records, and
   * the batch-item failures it answered.
   */
  redispatch: () => Promise<{ records: number; failures: number }>;
};

quietSdkNodeWarning();

const role = requireEnv("BENCH_COPY_ROLE");
if (role !== "dispatch" && role !== "worker") throw new Error(`BENCH_COPY_ROLE must be dispatch or worker, not ${role}`);

await serveParent(async () => {
  const config = loadConfig(process.env);
  const region = config.AWS_REGION;
  const dynamoEndpoint = requireEnv("AWS_ENDPOINT_URL_DYNAMODB");
  const queue = JSON.parse(requireEnv("BENCH_COPY_QUEUE")) as CreatedQueue;
  const tableNames = tableNamesFromConfig(config);
  const dynamo = localDynamoClient({ endpoint: dynamoEndpoint, region });
  const streams = localStreamsClient({ endpoint: dynamoEndpoint, region });
  const sqsClient = localSqsClient({ endpoint: requireEnv("AWS_ENDPOINT_URL_SQS"), region });

  let inFlight = 0;
  const batches = { started: 0, finished: 0, failed: 0, messages: 0 };
  const reconciles: { startedAt: number; endedAt: number }[] = [];
  const observed = (def: FunctionDef, handler: LambdaHandler): LambdaHandler => {
    if (def === COPY_RECONCILE_FUNCTION) {
      return async (event, context) => {
        const startedAt = Date.now();
        try {
          return await handler(event, context);
        } finally {
          reconciles.push({ startedAt, endedAt: Date.now() });
        }
      };
    }
    return async (event, context) => {
      inFlight++;
      batches.started++;
      batches.messages += (event as { Records?: unknown[] }).Records?.length ?? 0;
      try {
        const result = await handler(event, context);
        batches.finished++;
        return result;
      } catch (error) {
        batches.failed++;
        throw error;
      } finally {
        inFlight--;
      }
    };
  };

  const options: FunctionsOptions = {
    config,
    sqsClient,
    queue: () => queue,
    streams: { dynamo, client: streams, tableName: (def) => tableNames[def.id], workerEndpoint: dynamoEndpoint },
    functions: role === "dispatch" ? [COPY_DISPATCH_FUNCTION, COPY_RECONCILE_FUNCTION] : [COPY_WORKER_FUNCTION],
    load: async (def) => observed(def, await loadHandler(def)),
    concurrency: Number(requireEnv("BENCH_COPY_POLLERS")),
    logger,
  };
  const running: RunningFunctions = await startFunctions(options);

  const redispatch = async (): Promise<{ records: number; failures: number }> => {
    const handler = await loadHandler(COPY_DISPATCH_FUNCTION);
    const trigger = COPY_DISPATCH_FUNCTION.trigger;
    if (trigger.kind !== "dynamodb-stream") throw new Error("copy-dispatch is not a stream consumer");
    const table = await dynamo.send(new DescribeTableCommand({ TableName: tableNames.events }));
    const streamArn = table.Table?.LatestStreamArn;
    if (streamArn === undefined) throw new Error("the events table has no stream");
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    let records = 0;
    let failures = 0;
    for (const shard of StreamDescription?.Shards ?? []) {
      let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
      while (iterator !== undefined) {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: trigger.batchSize }));
        const inserts: _Record[] = (out.Records ?? []).filter((r) => r.eventName === trigger.filter);
        if (inserts.length > 0) {
          const answer = (await handler(toStreamEvent(inserts, streamArn, region), createLambdaContext({ functionName: COPY_DISPATCH_FUNCTION.name, timeoutSeconds: COPY_DISPATCH_FUNCTION.timeoutSeconds, region }))) as
            | { batchItemFailures?: unknown[] }
            | undefined;
          records += inserts.length;
          failures += answer?.batchItemFailures?.length ?? 0;
        }
        // An open shard keeps answering an iterator: stop once it has nothing more.
        iterator = (out.Records ?? []).length === 0 ? undefined : out.NextShardIterator;
      }
    }
    return { records, failures };
  };

  const methods: CopySystemMethods = {
    inFlight: () => inFlight,
    batches: () => ({ ...batches }),
    reconcileRuns: () => reconciles,
    redispatch,
  };
  return {
    ready: { role },
    methods,
    stop: async () => {
      await running.stop();
      const { exchange } = await import("#commons/clients/hyperliquid.js");
      await exchange.close();
      dynamo.destroy();
      streams.destroy();
      sqsClient.destroy();
    },
  };
});
