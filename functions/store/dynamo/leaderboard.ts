import { randomBytes } from "node:crypto";
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chunk } from "#domain/concurrency.js";
import type { LeaderboardRow, LeaderboardSnapshotHeader, LeaderboardStore, LeaderboardWindow } from "#domain/leaderboard.js";
import { LEADERBOARD_PAGE_DIGITS, leaderboardHeaderKey, leaderboardPageKey } from "./keys.js";
import { untilProcessed } from "./retry.js";

/**
 * Leaderboard snapshots in the state table: per window, one header item and all of that window's
 * rows split into pages, so that any number of traders fits in DynamoDB's 400 KB items.
 *
 *   pk = "leaderboard", sk = "window#<window>"                        header, e.g. "window#7d"
 *     snapshot_id  the snapshot this header points at
 *     updated_at   ISO time the leaderboard job computed the rows
 *     total        rows in the snapshot
 *     page_count   pages the rows are split into
 *     expires_at   epoch seconds, the same as the pages' (see below)
 *
 *   pk = "leaderboard", sk = "window#<window>#<snapshot_id>#p<0000>"  page n, e.g. "window#7d#9f3a…#p0003"
 *     rows         consecutive rows as ONE JSON array string, at most MAX_PAGE_BYTES
 *     expires_at   TTL attribute of the state table
 *
 * Why this shape:
 * - One snapshot per window, in no particular order: the API filters and sorts it in memory by
 *   whatever the request asks (functions/domain/leaderboard.ts `leaderboardView`), so every sort
 *   and filter is served without a scan and without a snapshot per ordering.
 * - Pages are keyed by snapshot id and never overwritten, and the header is written LAST: a reader
 *   that has a header always finds every page of that snapshot, and never mixes two snapshots.
 * - Rows are a JSON string, not a list of maps: the SDK converts a list of maps attribute by
 *   attribute (tens of ms for a few hundred KB), JSON.parse does the same bytes natively.
 * - Pages are filled by bytes, not by a row count: a reader always loads the whole snapshot, so
 *   fewer, fuller items are fewer round trips. A row is ~650 bytes, ~800 with every metric present
 *   and 18-digit decimals: 10,000 traders are 22–27 pages (npm run bench:api), one BatchGetItem.
 * - Old snapshots are not deleted (a delete costs as much write capacity as the put): every item of a
 *   snapshot expires by TTL `retentionSeconds` after it was written. The job rewrites every window
 *   each run, well within that, so replaced snapshots linger at most that long. A header past its
 *   `expires_at` reads as "no snapshot": a leaderboard the job stopped refreshing is withdrawn
 *   rather than served stale forever, and is never half-deleted by TTL.
 */

/** Bytes of the `rows` string a page may hold: DynamoDB's item limit is 400 KB (keys and attribute names included). */
export const MAX_PAGE_BYTES = 300_000;
/** Two days: an hourly job replaces a snapshot ~48 times before it expires. */
export const DEFAULT_SNAPSHOT_RETENTION_SECONDS = 2 * 24 * 3600;
/** BatchGetItem answers at most 16 MB: 50 full pages stay under it (and under its 100-key limit). */
const PAGES_PER_BATCH_GET = 50;
/** BatchWriteItem takes 25 items and 16 MB: 25 full pages are 7.5 MB. */
const PAGES_PER_BATCH_WRITE = 25;

/** The sort-key prefix of a window's items (keys.ts joins it with `#`). */
const WINDOW_PREFIX = "window";
const headerKey = (window: LeaderboardWindow) => leaderboardHeaderKey(WINDOW_PREFIX, window);
const pageKey = (window: LeaderboardWindow, snapshotId: string, n: number) => leaderboardPageKey(WINDOW_PREFIX, window, snapshotId, n);

export interface WriteSnapshotOptions {
  retentionSeconds?: number;
  /** Epoch ms; the clock the expiry is counted from. */
  now?: number;
}

export interface LeaderboardSnapshotWriter {
  /** Writes a whole new snapshot of one window (pages, then the header) and returns its id. */
  writeSnapshot(
    window: LeaderboardWindow,
    rows: readonly LeaderboardRow[],
    updatedAt: string,
    options?: WriteSnapshotOptions,
  ): Promise<string>;
}

/** Consecutive rows, as JSON array strings of at most MAX_PAGE_BYTES each. */
export const packPages = (rows: readonly LeaderboardRow[]): string[] => {
  const pages: string[] = [];
  let current: string[] = [];
  let bytes = 2; // "[" and "]"
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = Buffer.byteLength(json) + 1; // and its comma
    if (size + 2 > MAX_PAGE_BYTES) throw new Error(`A leaderboard row of ${size} bytes is larger than a page (${MAX_PAGE_BYTES} bytes)`);
    if (bytes + size > MAX_PAGE_BYTES) {
      pages.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) pages.push(`[${current.join(",")}]`);
  return pages;
};

const parseHeader = (item: Record<string, unknown> | undefined, nowS: number): LeaderboardSnapshotHeader | null => {
  if (item === undefined) return null;
  const { snapshot_id, updated_at, total, page_count, expires_at } = item;
  if (
    typeof snapshot_id !== "string" ||
    typeof updated_at !== "string" ||
    typeof total !== "number" ||
    typeof page_count !== "number" ||
    typeof expires_at !== "number"
  ) {
    throw new Error(`Malformed leaderboard header ${String(item.sk)}`);
  }
  if (expires_at <= nowS) return null;
  return { snapshotId: snapshot_id, updatedAt: updated_at, total, pages: page_count, expiresAt: expires_at };
};

export const createDynamoLeaderboardStore = (
  doc: DynamoDBDocumentClient,
  tableName: string,
  now: () => number = Date.now,
): LeaderboardStore & LeaderboardSnapshotWriter => ({
  async header(window) {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: headerKey(window) }));
    return parseHeader(out.Item, Math.floor(now() / 1000));
  },

  async rows(window, header) {
    const keys = Array.from({ length: header.pages }, (_, n) => pageKey(window, header.snapshotId, n));
    const found = new Map<string, string>();
    type Keys = Record<string, unknown>[];
    await Promise.all(
      chunk(keys, PAGES_PER_BATCH_GET).map((batch) =>
        untilProcessed<Keys>(
          batch,
          async (pending) => {
            // Consistent: an eventually consistent read could miss a page written just before the
            // header this reader already saw. An instance reads a snapshot once, so it costs little.
            const out = await doc.send(
              new BatchGetCommand({
                RequestItems: {
                  [tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: "#sk, #rows", ExpressionAttributeNames: { "#sk": "sk", "#rows": "rows" } },
                },
              }),
            );
            for (const item of out.Responses?.[tableName] ?? []) {
              if (typeof item.sk === "string" && typeof item.rows === "string") found.set(item.sk, item.rows);
            }
            return out.UnprocessedKeys?.[tableName]?.Keys as Keys | undefined;
          },
          (pending) => pending.length === 0,
          "BatchGet leaderboard pages",
        ),
      ),
    );
    const rows: LeaderboardRow[] = [];
    for (const key of keys) {
      const page = found.get(key.sk);
      // Pages are written before their header and expire with it: missing is a bug, not a race.
      if (page === undefined) throw new Error(`Leaderboard page ${key.sk} is missing`);
      for (const row of JSON.parse(page) as LeaderboardRow[]) rows.push(row);
    }
    if (rows.length !== header.total) throw new Error(`Leaderboard snapshot ${header.snapshotId} has ${rows.length} rows, its header says ${header.total}`);
    return rows;
  },

  async writeSnapshot(window, rows, updatedAt, options = {}) {
    const snapshotId = randomBytes(8).toString("hex");
    const expiresAt = Math.floor((options.now ?? now()) / 1000) + (options.retentionSeconds ?? DEFAULT_SNAPSHOT_RETENTION_SECONDS);
    const pages = packPages(rows);
    if (pages.length > 10 ** LEADERBOARD_PAGE_DIGITS) throw new Error(`A leaderboard snapshot of ${rows.length} rows needs too many pages`);
    type Req = { PutRequest: { Item: Record<string, unknown> } };
    for (const [b, batch] of chunk(pages, PAGES_PER_BATCH_WRITE).entries()) {
      await untilProcessed<Req[]>(
        batch.map((page, i) => ({
          PutRequest: { Item: { ...pageKey(window, snapshotId, b * PAGES_PER_BATCH_WRITE + i), rows: page, expires_at: expiresAt } },
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
          ...headerKey(window),
          snapshot_id: snapshotId,
          updated_at: updatedAt,
          total: rows.length,
          page_count: pages.length,
          expires_at: expiresAt,
        },
      }),
    );
    return snapshotId;
  },
});
