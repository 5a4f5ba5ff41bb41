import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import type { QueueDef } from "#commons/queues.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { localDynamoClient, localSqsClient } from "#local/aws.js";
import { createQueueWithDlq, type CreatedQueue } from "#local/sqs.js";
import { createTables, type TableNames } from "#local/tables.js";
import { ALL_TABLES, type TableDef } from "#store/tables.js";
import { TEST_REGION } from "./env.js";

/**
 * Helpers for integration tests, which all share the DynamoDB Local and SQS server started by
 * ./global-setup.ts. Every call makes uniquely named tables or queues, so test files (which run in
 * parallel) and tests within a file never see each other's data.
 */

/** A short unique name: `<prefix>-<8 hex>`, valid for both tables and queues. */
export const uniqueName = (prefix = "test"): string => `${prefix}-${randomUUID().slice(0, 8)}`;

let dynamo: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;

/** One DynamoDB client per worker, pointed at the shared DynamoDB Local. */
export const testDynamoClient = (): DynamoDBClient =>
  (dynamo ??= localDynamoClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION }));

/** One SQS client per worker, pointed at the shared SQS server. */
export const testSqsClient = (): SQSClient =>
  (sqs ??= localSqsClient({ endpoint: inject("sqsEndpoint"), region: TEST_REGION }));

export interface TestTables {
  /** Physical table name per logical id. */
  names: TableNames;
  /** The same names as the environment variables the functions read (`TRADERS_TABLE`, ...). */
  env: Record<string, string>;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/**
 * Creates a fresh set of tables (all of ALL_TABLES by default), with the indexes, stream and TTL
 * of their definitions.
 */
export const testTables = async (prefix = "test", defs: readonly TableDef[] = ALL_TABLES): Promise<TestTables> => {
  const base = uniqueName(prefix);
  const names = Object.fromEntries(ALL_TABLES.map((d) => [d.id, `${base}-${d.id}`])) as TableNames;
  const client = testDynamoClient();
  await createTables(client, names, defs);
  return {
    names,
    env: Object.fromEntries(defs.map((d) => [d.envVar, names[d.id]])),
    client,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  };
};

export interface TestQueue extends CreatedQueue {
  name: string;
  client: SQSClient;
}

/**
 * A fresh queue and its DLQ, configured from `def` (visibility timeout, maxReceiveCount);
 * override fields to make redrive tests fast, e.g. `testQueue({ ...TRACKING_QUEUE, visibilityTimeoutSeconds: 1 })`.
 */
export const testQueue = async (def: QueueDef = TRACKING_QUEUE, prefix = `test-${def.id}`): Promise<TestQueue> => {
  const client = testSqsClient();
  const name = uniqueName(prefix);
  return { name, client, ...(await createQueueWithDlq(client, def, name)) };
};
