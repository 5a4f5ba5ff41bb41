import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { chunk, mapWithConcurrency } from "#domain/concurrency.js";
import type { PositionMap } from "#domain/positions.js";
import { localDynamoClient } from "#local/aws.js";
import { ACTIVE_SHARD } from "#store/dynamo/keys.js";
import type { Child } from "./ipc.js";
import type { SimMethods } from "./sim-process.js";
import { requireEnv } from "./util.js";

/**
 * Seeds the traders table as discovery would leave it, or (`baseline`) with each trader's stored
 * baseline too (his positions as the simulator holds them), so a benchmark starts where it means to.
 */
export const seedTraders = async (
  sim: Child<SimMethods, unknown>,
  addresses: string[],
  o: { baseline: boolean; tradersTable: string },
): Promise<void> => {
  const seeder = localDynamoClient({ endpoint: requireEnv("AWS_ENDPOINT_URL_DYNAMODB"), region: requireEnv("AWS_REGION") });
  const { createDocumentClient } = await import("#commons/clients/dynamodb.js");
  const doc = createDocumentClient(seeder);
  const positions: Record<string, PositionMap> = o.baseline ? await sim.call("positions", addresses) : {};
  const simNow = await sim.call("now");
  const at = Date.now();
  const items = addresses.map((address) => ({
    address,
    first_seen_at: new Date(at).toISOString(),
    discovery_source: "bench",
    is_active: true,
    active_shard: ACTIVE_SHARD,
    ...(o.baseline && {
      positions: positions[address] ?? {},
      state_version: 0,
      fills_cursor: simNow,
      baseline_at: at,
      last_changed_at: at,
    }),
  }));
  await mapWithConcurrency(chunk(items, 25), 4, async (part) => {
    let pending: unknown[] = part.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error("seeding the traders table: items still unprocessed");
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [o.tradersTable]: pending as never } }));
      pending = out.UnprocessedItems?.[o.tradersTable] ?? [];
    }
  });
  seeder.destroy();
};
