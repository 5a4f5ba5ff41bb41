import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type {
  LeaderboardOrder,
  LeaderboardRow,
  LeaderboardSnapshot,
  LeaderboardSortField,
  LeaderboardStore,
} from "#domain/leaderboard.js";
import { leaderboardSnapshotKey } from "./keys.js";

/**
 * Leaderboard snapshots in the state table, one item per ordering:
 *
 *   pk = "leaderboard", sk = "<sort_by>#<order>"   e.g. sk = "win_rate#desc"
 *   rows:       list of LeaderboardRow maps, already sorted (ties by trader_address)
 *   updated_at: ISO time the metrics job computed them
 *
 * The metrics job writes all 14 orderings (7 fields × asc/desc) each run with `writeSnapshot`;
 * the API reads one item per cache miss and never scans. An item holds at most 400 KB, about
 * 1,500 rows of this size: the job keeps the top rows of each ordering within that.
 */
export const createDynamoLeaderboardStore = (
  doc: DynamoDBDocumentClient,
  tableName: string,
): LeaderboardStore & {
  writeSnapshot(sortBy: LeaderboardSortField, order: LeaderboardOrder, snapshot: LeaderboardSnapshot): Promise<void>;
} => ({
  async snapshot(sortBy, order) {
    const out = await doc.send(
      new GetCommand({ TableName: tableName, Key: leaderboardSnapshotKey(sortBy, order), ConsistentRead: false }),
    );
    const item = out.Item;
    if (item === undefined || !Array.isArray(item.rows)) return null;
    return { rows: item.rows as LeaderboardRow[], updatedAt: String(item.updated_at) };
  },

  async writeSnapshot(sortBy, order, snapshot) {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...leaderboardSnapshotKey(sortBy, order), rows: snapshot.rows, updated_at: snapshot.updatedAt },
      }),
    );
  },
});
