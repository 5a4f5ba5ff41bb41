import { gunzipSync, gzipSync } from "node:zlib";
import { BatchWriteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { Address } from "#domain/address.js";
import type { Fill } from "#domain/exchange.js";
import { dedupeFills } from "#domain/fills.js";
import { initialCursor } from "#domain/history/cursor.js";
import type { HistoryReader, HistoryStore, HistorySyncState, StreamCursor } from "#domain/history/ports.js";
import type { EquityPoint, FundingPayment, LedgerEntry, PortfolioHistory } from "#domain/metrics/types.js";
import { chunk } from "#domain/concurrency.js";
import {
  FILL_SK_END,
  FUNDING_SK_PREFIX,
  LEDGER_SK_PREFIX,
  fillSortKey,
  fundingSortKey,
  historyPortfolioKey,
  historyStateKey,
  ledgerSortKey,
} from "./keys.js";
import { queryAll } from "./query-all.js";
import { untilProcessed } from "./retry.js";

/**
 * A trader's account history in DynamoDB:
 * - fills table, partition = trader: fills under `fillSortKey` (written by the shared FillStore,
 *   tracking and backfill alike), ledger entries under `ledger#<time>#<hash>` and funding payments
 *   under `funding#<time>#<coin>`. One partition is
 *   everything the metrics read per trader, and each kind is read by its own key range.
 * - state table, pk `history#<address>`: `sync` holds the cursors (a few hundred bytes, plus the
 *   keys already stored at each cursor's millisecond), `portfolio` the latest `portfolio` answer,
 *   gzipped JSON (a few KB; thinned if it ever came near DynamoDB's 400 KB item limit).
 * Neither expires: a cursor lost would only cost a refetch, but history is what the leaderboard
 * is computed from.
 */

export interface HistoryTables {
  fills: string;
  state: string;
}

/** Under DynamoDB's 400 KB item limit with room for the keys and attribute names. */
const MAX_PORTFOLIO_BYTES = 350_000;

const cursorItem = z.object({
  cursor: z.number().int().nonnegative(),
  seen: z.array(z.string()),
  caught_up: z.boolean(),
  synced_at: z.number().nullable(),
});
const failingSince = z
  .object({ ledger: z.number(), portfolio: z.number(), fills: z.number(), funding: z.number(), role: z.number() })
  .partial();
const syncItem = z.object({
  fills: cursorItem,
  ledger: cursorItem,
  // Items written before funding and the role were synced lack them: start those afresh.
  funding: cursorItem.optional(),
  portfolio_fetched_at: z.number().nullable(),
  role: z.object({ role: z.string(), fetched_at: z.number() }).nullable().optional(),
  // Absent from items stored before it was kept: nothing known to be failing.
  failing_since: failingSince.optional(),
});

const point = z.tuple([z.number(), z.string()]).readonly();
const periodsSchema = z.record(z.string(), z.object({ accountValueHistory: z.array(point), pnlHistory: z.array(point) }));

const toCursorItem = (c: StreamCursor): z.input<typeof cursorItem> => ({
  cursor: c.cursor,
  seen: c.seen,
  caught_up: c.caughtUp,
  synced_at: c.syncedAt,
});
const fromCursorItem = (c: z.output<typeof cursorItem>): StreamCursor => ({
  cursor: c.cursor,
  seen: c.seen,
  caughtUp: c.caught_up,
  syncedAt: c.synced_at,
});

/** zod's partial() types absent keys as `undefined`; the domain's record has no such keys. */
const withoutUndefined = (r: z.output<typeof failingSince>): HistorySyncState["failingSince"] =>
  Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));

/** Every other sample of a series, keeping the first and the last (the span matters more than density). */
const thin = (list: EquityPoint[]): EquityPoint[] =>
  list.length <= 2 ? list : list.filter((_, i) => i % 2 === 0 || i === list.length - 1);

export const encodePortfolio = (periods: PortfolioHistory["periods"]): Uint8Array => {
  let current = periods;
  for (;;) {
    const body = gzipSync(JSON.stringify(current));
    if (body.byteLength <= MAX_PORTFOLIO_BYTES) return body;
    const series = Object.values(current).flatMap((p) => [p.accountValueHistory, p.pnlHistory]);
    if (series.every((s) => s.length <= 2)) throw new Error(`portfolio does not fit one item: ${body.byteLength} bytes gzipped`);
    current = Object.fromEntries(
      Object.entries(current).map(([name, p]) => [name, { accountValueHistory: thin(p.accountValueHistory), pnlHistory: thin(p.pnlHistory) }]),
    );
  }
};

const decodePortfolio = (body: Uint8Array): PortfolioHistory["periods"] =>
  periodsSchema.parse(JSON.parse(gunzipSync(body).toString("utf8")));

/** Strips the table's keys: the rest of a fill item is the Fill as stored by the FillStore. */
const toFill = (item: Record<string, unknown>): Fill => {
  const { trader_address: _a, sk: _s, ...fill } = item;
  return fill as unknown as Fill;
};

const toLedgerEntry = (item: Record<string, unknown>): LedgerEntry => ({
  time: Number(item.time),
  hash: String(item.hash),
  delta: JSON.parse(String(item.delta)) as LedgerEntry["delta"],
});

const toFundingPayment = (item: Record<string, unknown>): FundingPayment => ({
  time: Number(item.time),
  coin: String(item.coin),
  usdc: String(item.usdc),
});

/** The trader's sync state item; null before the first sync. */
const readSyncState = async (doc: DynamoDBDocumentClient, tables: Pick<HistoryTables, "state">, address: Address): Promise<HistorySyncState | null> => {
  const out = await doc.send(new GetCommand({ TableName: tables.state, Key: historyStateKey(address) }));
  if (out.Item === undefined) return null;
  const parsed = syncItem.safeParse(out.Item);
  // Our own item in a shape we cannot read is a bug to see, not a reason to refetch silently.
  if (!parsed.success) throw new Error(`History sync state of ${address} is malformed: ${parsed.error.message}`);
  const s = parsed.data;
  return {
    fills: fromCursorItem(s.fills),
    ledger: fromCursorItem(s.ledger),
    funding: s.funding === undefined ? initialCursor() : fromCursorItem(s.funding),
    portfolioFetchedAt: s.portfolio_fetched_at,
    failingSince: withoutUndefined(s.failing_since ?? {}),
    role: s.role == null ? null : { role: s.role.role, fetchedAt: s.role.fetched_at },
  };
};

/** The sync state alone: what the HTTP API reads of the history (data freshness), from the state table. */
export const createDynamoSyncStateReader = (doc: DynamoDBDocumentClient, stateTable: string): Pick<HistoryReader, "syncState"> => ({
  syncState: (address) => readSyncState(doc, { state: stateTable }, address),
});

/** The read side alone (the stored fills by time range, the portfolio, the sync state). */
export const createDynamoHistoryReader = (doc: DynamoDBDocumentClient, tables: HistoryTables): HistoryReader => ({
  async portfolio(address) {
    const out = await doc.send(new GetCommand({ TableName: tables.state, Key: historyPortfolioKey(address) }));
    const item = out.Item;
    if (item === undefined) return null;
    return { fetchedAt: Number(item.fetched_at), periods: decodePortfolio(item.body as Uint8Array) };
  },

  async fills(address, after) {
    // Fill keys start with the zero-padded time, so `time > after` is a key range: the smallest
    // key of the next millisecond up to the end of the fills (ledger keys sort after it).
    const items = await queryAll(doc, {
      TableName: tables.fills,
      KeyConditionExpression: after === undefined ? "trader_address = :a AND sk < :end" : "trader_address = :a AND sk BETWEEN :from AND :end",
      ExpressionAttributeValues: {
        ":a": address,
        ":end": FILL_SK_END,
        ...(after !== undefined && { ":from": fillSortKey(Math.max(0, Math.floor(after) + 1), 0) }),
      },
    });
    return dedupeFills(items.map(toFill));
  },

  syncState: (address) => readSyncState(doc, tables, address),

  async funding(address, after) {
    const items = await queryAll(doc, {
      TableName: tables.fills,
      KeyConditionExpression: "trader_address = :a AND sk BETWEEN :from AND :end",
      ExpressionAttributeValues: {
        ":a": address,
        ":from": fundingSortKey(after === undefined ? 0 : Math.max(0, Math.floor(after) + 1), ""),
        // The character after "#": every key under the prefix sorts below it.
        ":end": `${FUNDING_SK_PREFIX.slice(0, -1)}$`,
      },
    });
    return items.map(toFundingPayment);
  },
});

export const createDynamoHistoryStore = (doc: DynamoDBDocumentClient, tables: HistoryTables): HistoryStore => {
  const reader = createDynamoHistoryReader(doc, tables);

  /** Puts items into the fills table, 25 a batch, until DynamoDB has processed each. Keys must be distinct. */
  const batchPut = async (items: Record<string, unknown>[], what: string): Promise<void> => {
    type Req = { PutRequest: { Item: Record<string, unknown> } };
    for (const part of chunk(items, 25)) {
      await untilProcessed<Req[]>(
        part.map((Item) => ({ PutRequest: { Item } })),
        async (requests) => {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tables.fills]: requests } }));
          return out.UnprocessedItems?.[tables.fills] as Req[] | undefined;
        },
        (requests) => requests.length === 0,
        what,
      );
    }
  };

  return {
    getSyncState: (address) => reader.syncState(address),

    async saveSyncState(address, state: HistorySyncState) {
      await doc.send(
        new PutCommand({
          TableName: tables.state,
          Item: {
            ...historyStateKey(address),
            fills: toCursorItem(state.fills),
            ledger: toCursorItem(state.ledger),
            funding: toCursorItem(state.funding),
            portfolio_fetched_at: state.portfolioFetchedAt,
            failing_since: state.failingSince,
            role: state.role === null ? null : { role: state.role.role, fetched_at: state.role.fetchedAt },
          },
        }),
      );
    },

    async putLedger(address, entries) {
      // One batch must not name a key twice; the last copy of an entry wins.
      const byKey = new Map(entries.map((e) => [ledgerSortKey(e.time, e.hash), e]));
      await batchPut(
        // The delta as JSON: its fields differ per type and must come back exactly as they came.
        [...byKey].map(([sk, e]) => ({ trader_address: address, sk, time: e.time, hash: e.hash, delta: JSON.stringify(e.delta) })),
        "BatchWrite ledger",
      );
      return byKey.size;
    },

    async putFunding(address, payments) {
      const byKey = new Map(payments.map((p) => [fundingSortKey(p.time, p.coin), p]));
      await batchPut(
        [...byKey].map(([sk, p]) => ({ trader_address: address, sk, time: p.time, coin: p.coin, usdc: p.usdc })),
        "BatchWrite funding",
      );
      return byKey.size;
    },

    async putPortfolio(address, portfolio) {
      await doc.send(
        new PutCommand({
          TableName: tables.state,
          Item: { ...historyPortfolioKey(address), fetched_at: portfolio.fetchedAt, encoding: "gzip+json", body: encodePortfolio(portfolio.periods) },
        }),
      );
    },

    async loadTraderHistory(address, { after, ledgerIf } = {}) {
      const ledgerOf = async () =>
        (
          await queryAll(doc, {
            TableName: tables.fills,
            KeyConditionExpression: "trader_address = :a AND begins_with(sk, :p)",
            ExpressionAttributeValues: { ":a": address, ":p": LEDGER_SK_PREFIX },
          })
        ).map(toLedgerEntry);
      const portfolioRead = reader.portfolio(address);
      const [fills, ledger, portfolio, funding, state] = await Promise.all([
        reader.fills(address, after),
        ledgerIf === undefined ? ledgerOf() : portfolioRead.then((p) => (ledgerIf(p) ? ledgerOf() : [])),
        portfolioRead,
        reader.funding(address, after),
        reader.syncState(address),
      ]);
      return { fills, ledger, portfolio, funding, role: state?.role?.role ?? null };
    },
  };
};
