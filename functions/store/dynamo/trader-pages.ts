import { gunzipSync, gzipSync } from "node:zlib";
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { chunk } from "#domain/concurrency.js";
import type { MetricWindow } from "#domain/metrics/types.js";
import type { PagesMarker, StoredEquity, TraderPagesPlan, TraderPagesReader, TraderPagesWriter } from "#domain/trader-story/pages.js";
import type { ListedRoundTrip } from "#domain/trader-story/round-trip-list.js";
import { metricsCheckpointSchema } from "#domain/metrics/checkpoint-schema.js";
import { joinRealized, thinSeries, type SeriesPoint } from "#domain/trader-story/series.js";
import { PAGES_META_SK, TRIP_SK_PREFIX, equitySortKey, realizedPrefixSortKey, tripScope, tripSortKey, tripTimeEnd } from "./keys.js";
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
  realizedAfter: z.number().nullable().optional(),
});

const markerItem = z.object({
  basis: z.object({
    // Markers written before checkpoints counted every fill.
    after: z.number().nullable().default(null),
    fills: z.number().int(),
    lastFill: z.object({ time: z.number(), tid: z.number() }).nullable(),
    funding: z.number().int(),
    lastFunding: z.object({ time: z.number(), coin: z.string() }).nullable(),
  }),
  newestTrip: z.object({ closedAt: z.number(), closeTid: z.number() }).nullable(),
  seriesHash: z.record(z.string(), z.string()),
  computedAt: z.number(),
  retiredPrefix: z.number().nullable().optional(),
  // Gzipped JSON: a checkpoint is ~1.5 KB, but one carrying a market maker's bot week is far more.
  checkpoint: z.instanceof(Uint8Array).optional(),
});

/** Under DynamoDB's 400 KB item limit with room for the marker's other attributes. */
const MAX_CHECKPOINT_BYTES = 300_000;

const prefixItem = z.object({ points: z.array(point) });

/** Our own items in a shape we cannot read are a bug to see, not data to skip. */
const parseOwn = <T>(schema: z.ZodType<T>, item: unknown, what: string): T => {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new Error(`Stored ${what} is malformed: ${parsed.error.message}`);
  return parsed.data;
};

const toTrip = (item: Record<string, unknown>): ListedRoundTrip => parseOwn(tripItem, item, "round trip");

const gzipJson = (value: unknown): Uint8Array => gzipSync(JSON.stringify(value));
const gunzipJson = (body: Uint8Array): unknown => JSON.parse(gunzipSync(body).toString("utf8"));

const toMarker = (item: Record<string, unknown>): PagesMarker => {
  const { checkpoint, ...marker } = parseOwn(markerItem, item, "trader page marker");
  return { ...marker, checkpoint: checkpoint === undefined ? null : parseOwn(metricsCheckpointSchema, gunzipJson(checkpoint), "metrics checkpoint") };
};

/** The marker as an item; a checkpoint too large for one is left out (the next run then loads the whole history). */
export const markerAttributes = (marker: PagesMarker): Record<string, unknown> => {
  const { checkpoint, ...rest } = marker;
  const body = checkpoint === null ? null : gzipJson(checkpoint);
  return body === null || body.byteLength > MAX_CHECKPOINT_BYTES ? rest : { ...rest, checkpoint: body };
};

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

  const readPrefix = async (address: string, horizon: number): Promise<SeriesPoint[] | null> => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: { trader_address: address, sk: realizedPrefixSortKey(horizon) } }));
    return out.Item === undefined ? null : parseOwn(prefixItem, gunzipJson(out.Item.body as Uint8Array), "realized PnL prefix").points;
  };

  /**
   * The stored round-trip keys, in both lists, of those closed after `after`: read from the
   * all-dex list's key range (each item names its dex), so the cost is that of the trips after it.
   */
  const tripKeysAfter = async (address: string, after: number): Promise<string[]> => {
    const all = tripScope();
    const items = await queryAll(doc, {
      TableName: table,
      KeyConditionExpression: "trader_address = :a AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":a": address, ":from": tripSortKey(all, Math.floor(after) + 1, 0), ":to": `${all}~` },
      ProjectionExpression: "dex, closed_at, close_tid",
    });
    return items.flatMap((item) => {
      const { dex, closed_at, close_tid } = parseOwn(tripItem.pick({ dex: true, closed_at: true, close_tid: true }), item, "round trip");
      return [tripSortKey(all, closed_at, close_tid), tripSortKey(tripScope(dex), closed_at, close_tid)];
    });
  };

  return {
    async readMarker(address) {
      const out = await doc.send(new GetCommand({ TableName: table, Key: { trader_address: address, sk: PAGES_META_SK } }));
      return out.Item === undefined ? null : toMarker(out.Item);
    },

    readPrefix: (address, horizon) => readPrefix(address, horizon),

    async apply(address, plan: TraderPagesPlan) {
      const puts = new Map<string, Record<string, unknown>>();
      for (const rt of plan.trips) {
        for (const scope of [tripScope(), tripScope(rt.dex)]) {
          const sk = tripSortKey(scope, rt.closed_at, rt.close_tid);
          puts.set(sk, { trader_address: address, sk, ...rt });
        }
      }
      // First: the series written below name it.
      if (plan.prefix !== null) {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: { trader_address: address, sk: realizedPrefixSortKey(plan.prefix.horizon), body: gzipJson({ points: plan.prefix.points }) },
          }),
        );
      }
      const replaced = plan.replaceAll ? await storedTripKeys(address) : plan.replaceAfter !== null ? await tripKeysAfter(address, plan.replaceAfter) : [];
      const stale = replaced.filter((sk) => !puts.has(sk));
      await batchWrite([
        ...stale.map((sk): Req => ({ DeleteRequest: { Key: { trader_address: address, sk } } })),
        ...[...puts.values()].map((Item): Req => ({ PutRequest: { Item } })),
      ]);
      for (const { window, equity } of plan.series) {
        // Three series of 2,000 points with long decimals are ~410 KB of JSON, over DynamoDB's 400 KB item
        // limit; gzipped ~100 KB (test/integration/trader-pages.test.ts).
        await doc.send(
          new PutCommand({ TableName: table, Item: { trader_address: address, sk: equitySortKey(window), body: gzipJson(equity) } }),
        );
      }
      // Last: until it is written, the next run builds from the previous marker again (puts are idempotent).
      if (!plan.writeMarker) return;
      await doc.send(new PutCommand({ TableName: table, Item: { trader_address: address, sk: PAGES_META_SK, ...markerAttributes(plan.marker) } }));
      if (plan.dropPrefix !== null) {
        await batchWrite([{ DeleteRequest: { Key: { trader_address: address, sk: realizedPrefixSortKey(plan.dropPrefix) } } }]);
      }
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
      const { realizedAfter, ...equity } = parseOwn(equityBody, gunzipJson(out.Item.body as Uint8Array), "equity series");
      if (realizedAfter == null) return equity;
      // `all` past a checkpoint: its points up to the horizon are the prefix item. Missing only
      // when the job replaced it between these two reads: the series then starts at the horizon.
      const prefix = (await readPrefix(address, realizedAfter)) ?? [];
      return { ...equity, realized_pnl: thinSeries(joinRealized(prefix, equity.realized_pnl)) };
    },
  };
};
