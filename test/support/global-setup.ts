import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "#local/dynamodb-local.js";
import { startLocalSqs } from "#local/sqs.js";
import { TEST_REGION } from "./env.js";

/**
 * Runs once per `vitest run`, in the main process, and only when an integration test is selected
 * (it belongs to the integration project): one DynamoDB Local and one SQS server for every test
 * file. Files keep out of each other's way with uniquely named tables and queues (see ./aws.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The workers get this from vitest.config.ts; this process builds SDK clients too.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [dynamo, sqs] = await Promise.all([
    // Every project's setup starts at once (the e2e one builds the page meanwhile): on a 2-core
    // CI machine the JVM can take far longer than its usual 2 s, and nothing runs until it is up.
    startDynamoDbLocal({ inMemory: true, startTimeoutMs: 120_000 }),
    startLocalSqs({ region: TEST_REGION }),
  ]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  return async () => {
    await Promise.allSettled([sqs.stop(), dynamo.stop()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}
