import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { isDecimalString } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import type { StoredOpening } from "#domain/copy/engine-ports.js";
import { eventSortKey } from "./keys.js";

/**
 * A leader's latest OPEN or FLIP event in a coin at or before a state version, from the events
 * table (his partition, newest first by version); null when his latest such event there is a
 * CLOSE. The copy engine asks for it when a run finds a position new without its event's message
 * (#domain/copy/engine-openings.js), which happens seldom and is usually among his last few
 * events. A page bills every event it reads, filtered or not: small pages (20 events, ~10 read
 * units consistently), and the read stops after `maxPages` of them and answers null, rather than
 * reading an active trader's whole history.
 */
export const OPENING_PAGE_SIZE = 20;
export const OPENING_MAX_PAGES = 10;

const openingItem = z.object({
  event_type: z.string(),
  timestamp: z.string(),
  version: z.number().int().nonnegative(),
  details: z.looseObject({ szi: z.string().refine(isDecimalString) }),
});

export const createDynamoLeaderOpenings =
  (doc: DynamoDBDocumentClient, eventsTable: string, opts: { pageSize?: number; maxPages?: number } = {}) =>
  async (leader: Address, coin: string, version: number): Promise<StoredOpening | null> => {
    const pageSize = opts.pageSize ?? OPENING_PAGE_SIZE;
    const maxPages = opts.maxPages ?? OPENING_MAX_PAGES;
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPages; page++) {
      const out = await doc.send(
        new QueryCommand({
          TableName: eventsTable,
          // Every key of a version sorts below the next version's first one.
          KeyConditionExpression: "trader_address = :a AND sk < :next",
          // His closes too: the first of these found, newest first, decides. A close means the
          // opening of what he holds is not in what this read sees, and an older opening is
          // another position's.
          FilterExpression: "#d.coin = :c AND event_type IN (:open, :flip, :close)",
          ProjectionExpression: "event_type, #ts, version, #d.szi",
          // The state that showed the position was just read: its events must be in this read.
          ConsistentRead: true,
          ExpressionAttributeNames: { "#d": "details", "#ts": "timestamp" },
          ExpressionAttributeValues: {
            ":a": leader,
            ":next": eventSortKey(version + 1, ""),
            ":c": coin,
            ":open": "OPEN_POSITION",
            ":flip": "FLIP_POSITION",
            ":close": "CLOSE_POSITION",
          },
          ScanIndexForward: false,
          Limit: pageSize,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      const item = out.Items?.[0];
      if (item !== undefined) {
        const parsed = openingItem.safeParse(item);
        const at = parsed.success ? Date.parse(parsed.data.timestamp) : Number.NaN;
        // A malformed item is not an opening to size from: as if none were found.
        if (!parsed.success || !Number.isFinite(at) || parsed.data.event_type === "CLOSE_POSITION") return null;
        return { signalAt: at, szi: parsed.data.details.szi, version: parsed.data.version };
      }
      start = out.LastEvaluatedKey;
      if (start === undefined) return null;
    }
    return null;
  };
