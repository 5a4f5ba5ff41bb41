import { PutCommand, ScanCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { localDynamoClient } from "#local/aws.js";
import { startDynamoDbLocal, type DynamoDbLocal } from "#local/dynamodb-local.js";
import { createTables } from "#local/tables.js";
import { TRADERS_TABLE } from "#store/tables.js";
import { TEST_REGION } from "../support/env.js";

/**
 * A data directory from an older version: `npm start` adds the indexes declared since.
 *
 * Its own DynamoDB Local, because in the shared one the new index may never leave CREATING: with
 * ten or more tables with TTL in one DynamoDB Local 3.3 (the test files make dozens), an index added
 * by UpdateTable was still CREATING after 150 s in most tries, while without TTL tables, or with a
 * user's two, it was ready within a second every time. The file runs alone (vitest.config.ts), so
 * the JVM starts in time.
 */

let dynamo: DynamoDbLocal;
beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ inMemory: true, startTimeoutMs: 120_000 });
}, 150_000);
afterAll(async () => dynamo?.stop());

it("an existing table gets the indexes declared since it was made, its data kept and indexed, once", async () => {
  const client = localDynamoClient({ endpoint: dynamo.endpoint, region: TEST_REGION });
  const doc = DynamoDBDocumentClient.from(client);
  const names = { traders: "hl-traders" } as Parameters<typeof createTables>[1];
  // The traders table as versions before hinted-index made it.
  const older = { ...TRADERS_TABLE, globalIndexes: TRADERS_TABLE.globalIndexes.filter((i) => i.indexName !== "hinted-index") };
  await createTables(client, names, [older]);
  await doc.send(new PutCommand({ TableName: "hl-traders", Item: { address: "0xabc", active_shard: "active", traded_at: 5 } }));
  await doc.send(new PutCommand({ TableName: "hl-traders", Item: { address: "0xdef", active_shard: "active" } }));

  const started = await createTables(client, names, [TRADERS_TABLE]);
  expect(started).toEqual({ created: [], existing: ["hl-traders"], indexesAdded: ["hl-traders/hinted-index"], indexesBuilding: [] });
  const { Items } = await doc.send(new ScanCommand({ TableName: "hl-traders", IndexName: "hinted-index" }));
  expect(Items).toEqual([{ address: "0xabc", active_shard: "active", traded_at: 5 }]);
  expect(await createTables(client, names, [TRADERS_TABLE])).toMatchObject({ indexesAdded: [], indexesBuilding: [] });
  client.destroy();
}, 60_000);
