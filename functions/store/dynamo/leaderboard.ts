import { randomBytes } from "node:crypto";
import { BatchWriteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chunk } from "#domain/concurrency.js";
import type { LeaderboardOrdering, LeaderboardRow, LeaderboardSnapshotHeader, LeaderboardStore } from "#domain/leaderboard.js";
import { LEADERBOARD_PAGE_DIGITS, leaderboardHeaderKey, leaderboardPageKey } from "./keys.js";
import { untilProcessed } from "./retry.js";

/**
 * Leaderboard snapshots in the state table: per ordering, one header item and the snapshot's rows
 * split into pages, so that any number of traders fits and a reader fetches only the pages it serves.
 *
 *   pk = "leaderboard", sk = "<sort_by>#<order>"                       header, e.g. "win_rate#desc"
 *     snapshot_id  the snapshot this header points at
 *     updated_at   ISO time the metrics job computed the rows
 *     total        rows in the snapshot
 *     page_size    rows per page (the last page may hold fewer)
 *     expires_at   epoch seconds, the same as the pages' (see below)
 *
 *   pk = "leaderboard", sk = "<sort_by>#<order>#<snapshot_id>#p<0000>"  page n, e.g. "win_rate#desc#9f3a…#p0003"
 *     rows         rows [n × page_size, (n + 1) × page_size) as ONE JSON string, already sorted
 *     expires_at   TTL attribute of the state table
 *
 * Why this shape:
 * - Pages are keyed by snapshot id and never overwritten, and the header is written LAST: a reader
 *   that has a header always finds every page of that snapshot, and never mixes two snapshots.
 * - Rows are a JSON string, not a list of maps: the SDK converts a list of maps attribute by
 *   attribute (tens of ms for a few hundred KB), JSON.parse does the same bytes natively.
 * - Old snapshots are not deleted (a delete costs as much write capacity as the put): every item of a
 *   snapshot expires by TTL `retentionSeconds` after it was written. The job rewrites every ordering
 *   each run, well within that, so replaced snapshots linger at most that long. A header past its
 *   `expires_at` reads as "no snapshot": a leaderboard the job stopped refreshing is withdrawn
 *   rather than served stale forever, and is never half-deleted by TTL.
 * - Page size: `LEADERBOARD_PAGE_ROWS` rows, halved until every page is under `MAX_PAGE_BYTES`
 *   (far below DynamoDB's 400 KB item limit); the header records the size used.
 */

/** Rows per page unless rows are unusually large: ~85 KB of typical rows, one Get per 100-row response. */
export const LEADERBOARD_PAGE_ROWS = 250;
/** Bytes of the `rows` string a page may hold; DynamoDB's item limit is 400 KB. */
export const MAX_PAGE_BYTES = 300_000;
/** Two days: an hourly job replaces a snapshot ~48 times before it expires. */
export const DEFAULT_SNAPSHOT_RETENTION_SECONDS = 2 * 24 * 3600;

export interface WriteSnapshotOptions {
  retentionSeconds?: number;
  /** Epoch ms; the clock the expiry is counted from. */
  now?: number;
}

export interface LeaderboardSnapshotWriter {
  /** Writes a whole new snapshot of one ordering (pages, then the header) and returns its id. */
  writeSnapshot(
    ordering: LeaderboardOrdering,
    rows: readonly LeaderboardRow[],
    updatedAt: string,
    options?: WriteSnapshotOptions,
  ): Promise<string>;
}

/** The largest page size ≤ LEADERBOARD_PAGE_ROWS (halving) whose every page fits in MAX_PAGE_BYTES. */
const choosePageSize = (rowJson: readonly string[]): number => {
  const fits = (size: number): boolean => {
    for (let i = 0; i < rowJson.length; i += size) {
      let bytes = 2;
      for (const r of rowJson.slice(i, i + size)) bytes += Buffer.byteLength(r) + 1;
      if (bytes > MAX_PAGE_BYTES) return false;
    }
    return true;
  };
  let size = LEADERBOARD_PAGE_ROWS;
  while (!fits(size)) {
    if (size === 1) throw new Error(`A leaderboard row is larger than ${MAX_PAGE_BYTES} bytes`);
    size = Math.floor(size / 2);
  }
  return size;
};

const parseHeader = (item: Record<string, unknown> | undefined, nowS: number): LeaderboardSnapshotHeader | null => {
  // An item without snapshot_id is the older one-item layout: treated as absent until rewritten.
  if (item === undefined || typeof item.snapshot_id !== "string") return null;
  const { snapshot_id, updated_at, total, page_size, expires_at } = item;
  if (typeof updated_at !== "string" || typeof total !== "number" || typeof page_size !== "number" || typeof expires_at !== "number") {
    throw new Error(`Malformed leaderboard header ${String(item.sk)}`);
  }
  if (expires_at <= nowS) return null;
  return { snapshotId: snapshot_id, updatedAt: updated_at, total, pageSize: page_size, expiresAt: expires_at };
};

export const createDynamoLeaderboardStore = (
  doc: DynamoDBDocumentClient,
  tableName: string,
  now: () => number = Date.now,
): LeaderboardStore & LeaderboardSnapshotWriter => ({
  async header({ sortBy, order }) {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: leaderboardHeaderKey(sortBy, order) }));
    return parseHeader(out.Item, Math.floor(now() / 1000));
  },

  async page({ sortBy, order }, snapshotId, page) {
    const key = leaderboardPageKey(sortBy, order, snapshotId, page);
    // Consistent: an eventually consistent read could miss a page written just before the header
    // this reader already saw. Each instance reads a page once per snapshot, so it costs little.
    const out = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: "#rows",
        ExpressionAttributeNames: { "#rows": "rows" },
      }),
    );
    const rows = out.Item?.rows;
    // Pages are written before their header and expire with it: missing is a bug, not a race.
    if (typeof rows !== "string") throw new Error(`Leaderboard page ${key.sk} is missing`);
    return JSON.parse(rows) as LeaderboardRow[];
  },

  async writeSnapshot({ sortBy, order }, rows, updatedAt, options = {}) {
    const snapshotId = randomBytes(8).toString("hex");
    const expiresAt = Math.floor((options.now ?? now()) / 1000) + (options.retentionSeconds ?? DEFAULT_SNAPSHOT_RETENTION_SECONDS);
    const rowJson = rows.map((r) => JSON.stringify(r));
    const pageSize = choosePageSize(rowJson);
    const pages = chunk(rowJson, pageSize);
    if (pages.length > 10 ** LEADERBOARD_PAGE_DIGITS) throw new Error(`A leaderboard snapshot of ${rows.length} rows needs too many pages`);
    type Req = { PutRequest: { Item: Record<string, unknown> } };
    // 25 puts of ≤ 300 KB stay under BatchWriteItem's 16 MB request limit.
    for (const [b, batch] of chunk(pages, 25).entries()) {
      await untilProcessed<Req[]>(
        batch.map((page, i) => ({
          PutRequest: {
            Item: { ...leaderboardPageKey(sortBy, order, snapshotId, b * 25 + i), rows: `[${page.join(",")}]`, expires_at: expiresAt },
          },
        })),
        async (requests) => {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          return out.UnprocessedItems?.[tableName] as Req[] | undefined;
        },
        (requests) => requests.length === 0,
        "BatchWrite leaderboard pages",
      );
    }
    // Last: until this put, readers keep using the previous snapshot, whose pages are untouched.
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...leaderboardHeaderKey(sortBy, order),
          snapshot_id: snapshotId,
          updated_at: updatedAt,
          total: rows.length,
          page_size: pageSize,
          expires_at: expiresAt,
        },
      }),
    );
    return snapshotId;
  },
});
