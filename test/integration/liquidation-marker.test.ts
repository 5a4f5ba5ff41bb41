import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { buildEvent, type PositionEvent } from "#domain/events.js";
import { MAX_LISTED_TIDS } from "#domain/fills.js";
import { diffPositions } from "#domain/positions.js";
import type { StreamFill } from "#domain/stream-fills.js";
import { createDynamoLiquidationMarker } from "#store/dynamo/liquidations.js";
import { eventItem } from "#store/dynamo/traders.js";
import { EVENTS_TABLE } from "#store/tables.js";
import { testTables, type TestTables } from "../support/aws.js";

/**
 * The history sync's liquidation marker on events whose tids are cut (more fills than
 * MAX_LISTED_TIDS): a liquidation fill among the fills left out of the list still marks the event,
 * found by its coin and time, and an event of another coin over the same time is left alone.
 */
const A = "0x00000000000000000000000000000000000000a9" as Address;
const FILLS = 3 * MAX_LISTED_TIDS;
const T0 = 1_764_158_000_000;

/** A close told by the trades stream (liquidation: null) behind FILLS fills of `coin`, one a millisecond. */
const streamClose = (coin: string, firstTid: number, version: number): PositionEvent => {
  const fills: StreamFill[] = Array.from({ length: FILLS }, (_, i) => ({
    coin, px: "150", sz: "0.01", side: "A", time: T0 + i, tid: firstTid + i, hash: `0x${(firstTid + i).toString(16)}`,
  }));
  const [change] = diffPositions({ [coin]: { szi: String(FILLS / 100), entryPx: "150", leverage: { type: "cross", value: 5 } } }, {});
  return buildEvent(A, version, change!, fills, T0 + FILLS + 500, "stream");
};

describe("liquidation marker, tids cut", () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await testTables("liqcut", [EVENTS_TABLE]);
  });

  const stored = async (e: PositionEvent) =>
    (await tables.doc.send(new GetCommand({ TableName: tables.names.events, Key: { trader_address: A, sk: eventItem(e).sk } }))).Item as PositionEvent;

  it("marks the event whose left-out fill was the liquidation, not another coin's over the same time", async () => {
    const sol = streamClose("SOL", 1_000, 2);
    const eth = streamClose("ETH", 5_000, 3);
    for (const e of [sol, eth]) await tables.doc.send(new PutCommand({ TableName: tables.names.events, Item: eventItem(e) }));
    const middle = FILLS / 2; // not among the first or last 50
    expect(sol.details.tids_truncated).toBe(true);
    expect(sol.details.tids).not.toContain(1_000 + middle);

    const marker = createDynamoLiquidationMarker(tables.doc, tables.names.events);
    expect(await marker.markLiquidations(A, [{ coin: "SOL", tid: 1_000 + middle, time: T0 + middle }])).toBe(1);
    expect((await stored(sol)).details.liquidation).toBe(true);
    expect((await stored(eth)).details.liquidation).toBeNull();
  });
});
