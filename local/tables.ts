import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { Config } from "#commons/config.js";
import { ALL_TABLES, type IndexDef, type KeyDef, type TableDef } from "#store/tables.js";

/**
 * Builds the tables from the shared definitions in #store/tables.js, the same ones the CDK stack
 * reads, so a key or index added there exists locally on the next start.
 */

export type TableNames = Record<TableDef["id"], string>;

/** Physical names from the config, through each definition's env var (a new table needs no change here). */
export const tableNamesFromConfig = (config: Config): TableNames =>
  Object.fromEntries(ALL_TABLES.map((d) => [d.id, String(config[d.envVar as keyof Config])])) as TableNames;

const keySchema = (pk: KeyDef, sk: KeyDef | undefined) => [
  { AttributeName: pk.name, KeyType: "HASH" as const },
  ...(sk ? [{ AttributeName: sk.name, KeyType: "RANGE" as const }] : []),
];

/** Every key attribute of the table and its indexes, once each (DynamoDB rejects duplicates). */
const attributeDefinitions = (def: TableDef): AttributeDefinition[] => {
  const keys = [def.partitionKey, def.sortKey, ...def.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const byName = new Map<string, AttributeDefinition>();
  for (const key of keys) {
    if (!key) continue;
    const seen = byName.get(key.name);
    if (seen && seen.AttributeType !== key.type) {
      throw new Error(`Table ${def.id}: attribute ${key.name} is declared as both ${seen.AttributeType} and ${key.type}.`);
    }
    byName.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  return [...byName.values()];
};

const indexInput = (index: IndexDef) => ({
  IndexName: index.indexName,
  KeySchema: keySchema(index.partitionKey, index.sortKey),
  Projection: {
    ProjectionType: index.projection,
    ...(index.nonKeyAttributes !== undefined && { NonKeyAttributes: [...index.nonKeyAttributes] }),
  },
});

export const createTableInput = (def: TableDef, tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: attributeDefinitions(def),
  KeySchema: keySchema(def.partitionKey, def.sortKey),
  ...(def.globalIndexes.length > 0 && { GlobalSecondaryIndexes: def.globalIndexes.map(indexInput) }),
  ...(def.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }),
});

/** The table's description, or undefined when it does not exist. */
const describeTable = async (client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> => {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table ?? {};
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

/** How long a start waits for an index it added to become readable before it goes on without. */
const INDEX_WAIT_MS = 30_000;

/** TTL is set apart from CreateTable (that is how the API works); also repairs tables made before a TTL was declared. */
const ensureTtl = async (client: DynamoDBClient, def: TableDef, tableName: string): Promise<void> => {
  if (!def.ttlAttribute) return;
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl?.TimeToLiveStatus === "ENABLED" && ttl.AttributeName === def.ttlAttribute) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: def.ttlAttribute },
    }),
  );
};

/**
 * Adds the indexes a table made before they were declared lacks (a persisted data directory from an
 * older version), one per UpdateTable as DynamoDB requires, each waited for until it can be read.
 * One still building after INDEX_WAIT_MS is reported, not fatal: its readers get by without it until then.
 */
const ensureIndexes = async (
  client: DynamoDBClient,
  def: TableDef,
  tableName: string,
  table: TableDescription,
): Promise<{ added: string[]; building: string[] }> => {
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const added: string[] = [];
  const building: string[] = [];
  for (const index of def.globalIndexes.filter((i) => !present.has(i.indexName))) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributeDefinitions(def),
        GlobalSecondaryIndexUpdates: [{ Create: indexInput(index) }],
      }),
    );
    added.push(index.indexName);
    if (!(await untilActive(client, tableName, index.indexName))) building.push(index.indexName);
  }
  return { added, building };
};

const untilActive = async (client: DynamoDBClient, tableName: string, indexName: string): Promise<boolean> => {
  const deadline = Date.now() + INDEX_WAIT_MS;
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const status = table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName)?.IndexStatus;
    if (status === undefined || status === "ACTIVE") return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
};

export interface CreateTablesResult {
  created: string[];
  existing: string[];
  /** `<table>/<index>`: indexes added to existing tables. */
  indexesAdded: string[];
  /** Of those, the ones not yet readable when the wait for them ended. */
  indexesBuilding: string[];
}

/**
 * Creates the tables that do not exist yet; leaves existing ones (and their data) alone but for the
 * indexes and TTL they lack, so it is safe on every start against a persisted data directory.
 */
export const createTables = async (
  client: DynamoDBClient,
  names: TableNames,
  defs: readonly TableDef[] = ALL_TABLES,
): Promise<CreateTablesResult> => {
  const result: CreateTablesResult = { created: [], existing: [], indexesAdded: [], indexesBuilding: [] };
  await Promise.all(
    defs.map(async (def) => {
      const tableName = names[def.id];
      const existing = await describeTable(client, tableName);
      if (existing !== undefined) {
        result.existing.push(tableName);
        const { added, building } = await ensureIndexes(client, def, tableName, existing);
        result.indexesAdded.push(...added.map((index) => `${tableName}/${index}`));
        result.indexesBuilding.push(...building.map((index) => `${tableName}/${index}`));
      } else {
        try {
          await client.send(new CreateTableCommand(createTableInput(def, tableName)));
          result.created.push(tableName);
        } catch (error) {
          // Someone else created it between our check and our create: same outcome.
          if (!(error instanceof ResourceInUseException)) throw error;
          result.existing.push(tableName);
        }
      }
      await ensureTtl(client, def, tableName);
    }),
  );
  return result;
};
