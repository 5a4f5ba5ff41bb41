import { gunzipSync, gzipSync } from "node:zlib";
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { chunk } from "#domain/concurrency.js";
import type { MetricWindow } from "#domain/metrics/types.js";
import type { PagesMarker, StoredEquity, TraderPagesPlan, TraderPagesReader, TraderPagesWriter } from "#domain/trader-story/pages.js";
import type { ListedRoundTrip } from "#domain/trader-story/round-trip-list.js";
import { PAGES_META_SK, TRIP_SK_PREFIX, equitySortKey, tripScope, tripSortKey, tripTimeEnd } from "./keys.js";
import { queryAll } from "./query-all.js";
import { untilProcessed } from "./retry.js";

/**
 * The precomputed trader page in DynamoDB (pages table, keys in ./keys.ts): the leaderboard job
 * writes it (TraderPagesWriter), the HTTP API reads it (TraderPagesReader) with one Query per
 * page of round trips and one GetItem per equity window, whatever the size of the history.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const tripItem = z.object({
  coin: z.string(),
  dex: z.string(),
  side: z.enum(["LONG", "SHORT"]),
  opened_at: z.number(),
  closed_at: z.number(),
  hold_ms: z.number(),
  max_size: decimal,
  volume_usd: decimal,
  realized_pnl: decimal,
  funding: decimal,
  fees: decimal,
  fills: z.number().int(),
  close_tid: z.number().int(),
});

const point = z.object({ t: z.number(), v: decimal });
const equityBody = z.object({
  account_value: z.array(point),
  pnl: z.array(point),
  realized_pnl: z.array(point),
  portfolioFetchedAt: z.number().nullable(),
});

const markerItem = z.object({
  basis: z.object({
    fills: z.number().int(),
    lastFill: z.object({ time: z.number(), tid: z.number() }).nullable(),
    funding: z.number().int(),
    lastFunding: z.object({ time: z.number(), coin: z.string() }).nullable(),
  }),
  newestTrip: z.object({ closedAt: z.number(), closeTid: z.number() }).nullable(),
  seriesHash: z.record(z.string(), z.string()),
  computedAt: z.number(),
});

/** Our own items in a shape we cannot read are a bug to see, not data to skip. */
const parseOwn = <T>(schema: z.ZodType<T>, item: unknown, what: string): T => {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new Error(`Stored ${what} is malformed: ${parsed.error.message}`);
  return parsed.data;
};

const toTrip = (item: Record<string, unknown>): ListedRoundTrip => parseOwn(tripItem, item, "round trip");

export const createDynamoTraderPagesStore = (doc: DynamoDBDocumentClient, table: string): TraderPagesReader & TraderPagesWriter => {
  type Req = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };
  const batchWrite = async (requests: Req[]): Promise<void> => {
    for (const part of chunk(requests, 25)) {
      await untilProcessed<Req[]>(
        part,
        async (pending) => {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          return out.UnprocessedItems?.[table] as Req[] | undefined;
        },
        (pending) => pending.length === 0,
        "Trader page write",
      );
    }
  };

  /** Every stored round-trip key of the trader, for a rebuild to delete those no longer listed. */
  const storedTripKeys = async (address: string): Promise<string[]> => {
    const items = await queryAll(doc, {
      TableName: table,
      KeyConditionExpression: "trader_address = :a AND begins_with(sk, :p)",
      ExpressionAttributeValues: { ":a": address, ":p": TRIP_SK_PREFIX },
      ProjectionExpression: "sk",
    });
    return items.map((item) => String(item.sk));
  };

  return {
    async readMarker(address) {
      const out = await doc.send(new GetCommand({ TableName: table, Key: { trader_address: address, sk: PAGES_META_SK } }));
      return out.Item === undefined ? null : (parseOwn(markerItem, out.Item, "trader page marker") as PagesMarker);
    },

    async apply(address, plan: TraderPagesPlan) {
      const puts = new Map<string, Record<string, unknown>>();
      for (const rt of plan.trips) {
        for (const scope of [tripScope(), tripScope(rt.dex)]) {
          const sk = tripSortKey(scope, rt.closed_at, rt.close_tid);
          puts.set(sk, { trader_address: address, sk, ...rt });
        }
      }
      const stale = plan.replaceAll ? (await storedTripKeys(address)).filter((sk) => !puts.has(sk)) : [];
      await batchWrite([
        ...stale.map((sk): Req => ({ DeleteRequest: { Key: { trader_address: address, sk } } })),
        ...[...puts.values()].map((Item): Req => ({ PutRequest: { Item } })),
      ]);
      for (const { window, equity } of plan.series) {
        // Three series of 2,000 points with long decimals are ~410 KB of JSON, over DynamoDB's 400 KB item
        // limit; gzipped ~100 KB (test/integration/trader-pages.test.ts).
        await doc.send(
          new PutCommand({ TableName: table, Item: { trader_address: address, sk: equitySortKey(window), body: gzipSync(JSON.stringify(equity)) } }),
        );
      }
      // Last: until it is written, the next run builds from the previous marker again (puts are idempotent).
      if (!plan.writeMarker) return;
      await doc.send(new PutCommand({ TableName: table, Item: { trader_address: address, sk: PAGES_META_SK, ...plan.marker } }));
    },

    async roundTrips(address, q) {
      const scope = tripScope(q.dex);
      const from = tripSortKey(scope, q.closedAfter === null ? 0 : Math.max(0, Math.floor(q.closedAfter) + 1), 0);
      const before = q.before;
      // Inclusive upper key: everything of the window's last millisecond, or what sorts just before the cursor's round trip.
      const to =
        before === undefined || before.closedAt > q.closedUntil
          ? tripTimeEnd(scope, Math.floor(q.closedUntil))
          : before.closeTid > 0
            ? tripSortKey(scope, before.closedAt, before.closeTid - 1)
            : tripTimeEnd(scope, before.closedAt - 1);
      if (to < from) return [];
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "trader_address = :a AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":a": address, ":from": from, ":to": to },
          ScanIndexForward: false,
          Limit: q.limit,
        }),
      );
      return (out.Items ?? []).map(toTrip);
    },

    async equity(address, window: MetricWindow): Promise<StoredEquity | null> {
      const out = await doc.send(new GetCommand({ TableName: table, Key: { trader_address: address, sk: equitySortKey(window) } }));
      if (out.Item === undefined) return null;
      return parseOwn(equityBody, JSON.parse(gunzipSync(out.Item.body as Uint8Array).toString("utf8")), "equity series");
    },
  };
};
