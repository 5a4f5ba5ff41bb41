import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDynamoEventReader } from "#store/dynamo/event-reader.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoSyncStateReader } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoRunStateStore } from "#store/dynamo/run-state.js";
import { createDynamoStatsReader } from "#store/dynamo/stats.js";
import { createDynamoStreamStatusStore } from "#store/dynamo/stream-status.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import type { ApiDeps, HealthCheck } from "./deps.js";

export interface ApiTableNames {
  traders: string;
  events: string;
  state: string;
  connections: string;
  pages: string;
  /** The followers table; without it the /followers routes answer 503. */
  followers?: string;
}

export const dynamoTableCheck = (client: DynamoDBClient, tableName: string): HealthCheck => ({
  name: "dynamodb",
  check: async (signal) => {
    await client.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: signal });
  },
});

/** The API's stores over DynamoDB: what the Lambda handler, the local runtime and the tests all use. */
export const createDynamoApiStores = (
  client: DynamoDBClient,
  doc: DynamoDBDocumentClient,
  tables: ApiTableNames,
): Pick<ApiDeps, "traders" | "directory" | "events" | "runState" | "leaderboard" | "stats" | "history" | "pages" | "streamStatus" | "followers"> => ({
  traders: createDynamoTraderStore(doc, { traders: tables.traders }),
  directory: createDynamoTraderDirectory(doc, tables.traders),
  events: createDynamoEventReader(doc, tables.events),
  runState: createDynamoRunStateStore(doc, tables.state),
  leaderboard: createDynamoLeaderboardStore(doc, tables.state),
  stats: createDynamoStatsReader(client, tables),
  history: createDynamoSyncStateReader(doc, tables.state),
  pages: createDynamoTraderPagesStore(doc, tables.pages),
  streamStatus: createDynamoStreamStatusStore(doc, tables.state),
  ...(tables.followers !== undefined && { followers: createDynamoFollowerStore(doc, tables.followers) }),
});
