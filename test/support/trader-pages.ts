import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { dataFreshness, freshnessRules } from "#domain/history/freshness.js";
import { completeBefore } from "#domain/history/plan.js";
import { runLeaderboardJob, type HistorySource, type LeaderboardJobSummary } from "#domain/leaderboard-job/job.js";
import { scoreRows } from "#domain/metrics/score.js";
import { localDynamoClient } from "#local/aws.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import type { TestTables } from "./aws.js";
import { TEST_REGION } from "./env.js";
import { recordingLogger } from "./logger.js";

/**
 * The leaderboard job over what is already stored (its history sync finds nothing to fetch): how
 * the API tests get the precomputed trader pages the real job writes, without an exchange.
 */
export const runJobOnStoredHistory = (
  tables: TestTables,
  now: number,
  doc: DynamoDBDocumentClient = tables.doc,
): Promise<LeaderboardJobSummary> => {
  const store = createDynamoHistoryStore(doc, { fills: tables.names.fills, state: tables.names.state });
  const rules = freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 });
  const history: HistorySource = {
    sync: async () => null,
    load: async (trader, after) => ({ address: trader.address, ...(await store.loadTraderHistory(trader.address, { ...(after !== undefined && { after }) })), firstSeenAt: 0 }),
    status: async (trader, at) => {
      const state = await store.getSyncState(trader.address);
      return { freshness: dataFreshness(state, 0, at, rules), completeBefore: completeBefore(state, null) };
    },
  };
  return runLeaderboardJob({
    directory: createDynamoTraderDirectory(doc, tables.names.traders),
    history,
    score: scoreRows,
    snapshots: createDynamoLeaderboardStore(doc, tables.names.state),
    pages: createDynamoTraderPagesStore(doc, tables.names.pages),
    logger: recordingLogger().logger,
    now: () => now,
    concurrency: 2,
    syncDeadlineMs: 60_000,
  });
};

/** One DynamoDB call: the action (as IAM names it), the table it went to, and how many items a batch write carried. */
export interface RecordedCall {
  action: string;
  table: string;
  puts: number;
  deletes: number;
}

const ITEM_ACTIONS = new Set(["Get", "Put", "Update", "Delete", "BatchGet", "BatchWrite"]);

/** A client of its own on DynamoDB Local that records every command sent through it. */
export const recordingDynamo = (): { client: DynamoDBClient; doc: DynamoDBDocumentClient; calls: RecordedCall[] } => {
  const client = localDynamoClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION });
  const calls: RecordedCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; RequestItems?: Record<string, Record<string, unknown>[]> };
      // The document client's commands reach the middleware under their own or the low-level names.
      const name = (context.commandName ?? "?").replace(/Command$/, "");
      const action = name.endsWith("Item") || !ITEM_ACTIONS.has(name) ? name : `${name}Item`;
      if (input.TableName !== undefined) calls.push({ action, table: input.TableName, puts: 0, deletes: 0 });
      for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
        const count = (kind: string) => (Array.isArray(requests) ? requests.filter((r) => kind in r).length : 0);
        calls.push({ action, table, puts: count("PutRequest"), deletes: count("DeleteRequest") });
      }
      return next(args);
    },
    { step: "initialize", name: "recordCalls" },
  );
  return { client, doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), calls };
};
