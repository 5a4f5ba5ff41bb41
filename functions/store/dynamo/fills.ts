import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chunk } from "#domain/concurrency.js";
import type { FillStore } from "#domain/ports.js";
import { fillSortKey } from "./keys.js";
import { untilProcessed } from "./retry.js";

/** Fills keyed by time + tid: storing the same fill twice overwrites it with itself. */
export const createDynamoFillStore = (doc: DynamoDBDocumentClient, tableName: string): FillStore => ({
  async putFills(address, fills) {
    for (const part of chunk(fills, 25)) {
      type Req = { PutRequest: { Item: Record<string, unknown> } };
      await untilProcessed<Req[]>(
        part.map((f) => ({ PutRequest: { Item: { trader_address: address, sk: fillSortKey(f.time, f.tid), ...f } } })),
        async (requests) => {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          return out.UnprocessedItems?.[tableName] as Req[] | undefined;
        },
        (requests) => requests.length === 0,
        "BatchWrite fills",
      );
    }
    return fills.length;
  },
});
