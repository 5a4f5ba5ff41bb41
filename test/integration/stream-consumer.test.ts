import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, inject, it } from "vitest";
import { BROADCASTER_FUNCTION, type FunctionDef } from "../../functions/catalog.js";
import { LocalStartupError } from "#local/errors.js";
import { startStreamConsumer } from "#local/isolated/stream-consumer.js";
import { testDynamoClient, testTables, uniqueName } from "../support/aws.js";
import { TEST_REGION } from "../support/env.js";
import { recordingLogger } from "../support/logger.js";

/**
 * Stream consumers on worker threads (local/isolated/): what start-up failures look like. That
 * events flow through them end to end is shown by feed.test.ts, which runs the feed this way.
 */
describe("a stream consumer on a worker thread", () => {
  const base = { dynamoEndpoint: inject("dynamoEndpoint"), region: TEST_REGION };
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  /** What the runtime sets before it starts the functions; the worker gets a copy. */
  const configure = (env: Record<string, string>) =>
    Object.assign(process.env, env, { WS_CALLBACK_URL: "http://127.0.0.1:9", FANOUT_QUEUE_URL: "http://127.0.0.1:9/000000000000/hl-fanout.fifo" });

  it("stops start-up with the handler module's own message when its configuration is missing", async () => {
    delete process.env.FANOUT_QUEUE_URL;
    const tables = await testTables("consumer");
    const error = await startStreamConsumer({ ...base, def: BROADCASTER_FUNCTION, tableName: tables.names.events }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalStartupError);
    expect((error as Error).message).toMatch(/^Function broadcaster could not be loaded from functions\/handlers\/broadcaster\.ts: FANOUT_QUEUE_URL must be set/);
  });

  it("refuses a function the catalog does not have, as a start-up error the user can read", async () => {
    const unknown: FunctionDef = { ...BROADCASTER_FUNCTION, name: "no-such-function" };
    const error = await startStreamConsumer({ ...base, def: unknown, tableName: "whatever" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalStartupError);
    expect((error as Error).message).toBe("No stream-triggered function named no-such-function in the catalog.");
  });

  it("refuses a table without a stream", async () => {
    const name = uniqueName("nostream");
    await testDynamoClient().send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
    configure((await testTables("consumer")).env);
    try {
      const error = await startStreamConsumer({ ...base, def: BROADCASTER_FUNCTION, tableName: name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalStartupError);
      expect((error as Error).message).toBe(`Table ${name} has no stream, but function broadcaster reads it.`);
    } finally {
      await testDynamoClient().send(new DeleteTableCommand({ TableName: name }));
    }
  });

  it("starts on the table's stream and stops without leaving its thread behind", async () => {
    const tables = await testTables("consumer");
    configure(tables.env);
    const { logger, entries } = recordingLogger();
    const consumer = await startStreamConsumer({ ...base, def: BROADCASTER_FUNCTION, tableName: tables.names.events, logger });
    expect(consumer.streamArn).toMatch(new RegExp(`table/${tables.names.events}/stream/`));
    await consumer.stop();
    await consumer.stop(); // twice is harmless
    // A thread that exits on request is not reported as a crash.
    expect(entries.filter((e) => e.level === "error")).toEqual([]);
  });
});
