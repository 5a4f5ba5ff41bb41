import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { startPipeline, type Pipeline } from "../support/pipeline.js";

/**
 * A hint kept on a trader (his trades a failed poll or a refused hand-off left behind no stored
 * state) while the trades stream is up: the dispatcher's slices reach him only once a period, so
 * each tick polls the hinted traders on top of its slice (functions/domain/dispatch-hinted.ts).
 */

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const [A, B, C, D] = [addr(0xa2), addr(0xb2), addr(0xc2), addr(0xd2)];

describe("a hint kept on a trader while the trades stream is up", () => {
  let p: Pipeline;
  let streamUp = false;
  beforeAll(async () => {
    p = await startPipeline({
      seed: 69,
      simRealTime: true,
      // A slice of one trader a tick (half of 2 polls), and room for one hinted trader.
      pollsPerInterval: 2,
      reconcile: { periodMs: 30 * 60_000, share: 0.5, streamUp: async () => streamUp },
    });
    for (const t of [A, B, C, D]) await trackTrader(p.traders, t, { source: "manual", at: Date.now() });
    // Baselines: the stream is down, so this tick polls everyone.
    await p.cycle();
    streamUp = true;
  });
  afterAll(async () => p.close());

  const item = async (a: Address) =>
    (await p.tables.doc.send(new GetCommand({ TableName: p.tables.names.traders, Key: { address: a }, ConsistentRead: true }))).Item!;

  it("is served by the next tick, not by the slices' turn: his round trip is behind two events, and the hint is gone", async () => {
    const open = p.sim.execute({ user: D, coin: "ETH", size: "2", px: "3000" }).trade;
    const close = p.sim.execute({ user: D, coin: "ETH", size: "-2", px: "3005" }).trade;
    // What a listener keeps when the tracking queue refuses its hand-off.
    await p.traders.noteTraded(D, close.time);

    await p.cycle();
    const events = (await p.events(D)).sort((a, b) => a.version - b.version);
    expect(events.map((e) => [e.event_type, e.details.tids])).toEqual([
      ["OPEN_POSITION", [open.tid]],
      ["CLOSE_POSITION", [close.tid]],
    ]);
    expect((await item(D)).traded_at).toBeUndefined();
    // The tick's slice was one trader (the first in address order), so D came in as hinted.
    expect((await p.traders.pageHinted(100)).traders).toEqual([]);
  });

  it("lists only traders still tracked, each with when his polls last failed", async () => {
    const directory = createDynamoTraderDirectory(p.tables.doc, p.tables.names.traders);
    await p.traders.recordFailure(B, 1_700, "HTTP 500", 1_000);
    await p.traders.noteTraded(C, 2_000);
    await directory.stopTracking(C);
    const { traders } = await p.traders.pageHinted(100);
    expect(traders.filter((t) => t.address === B || t.address === C)).toEqual([{ address: B, tradedAt: 1_000, lastFailedAt: 1_700 }]);
  });
});
