import { DeleteTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { applyEnv, localAwsEnv } from "#local/aws.js";
import type { TableNames } from "#local/tables.js";
import { ALL_TABLES } from "#store/tables.js";

/**
 * The environment of a benchmark's system process: this one's, pointed at the local services and
 * the scenario's own tables (the handler modules read it once, when they load, as they read
 * Lambda's), with nothing that would make it think it runs in Lambda; then the scenario's `vars`.
 */
export const benchSystemEnv = (
  o: { region: string; names: TableNames; services: { dynamoEndpoint: string; sqsEndpoint: string } },
  vars: Record<string, string | undefined>,
): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  applyEnv(
    {
      ...localAwsEnv({ region: o.region, dynamoEndpoint: o.services.dynamoEndpoint, sqsEndpoint: o.services.sqsEndpoint }),
      ...Object.fromEntries(ALL_TABLES.map((d) => [d.envVar, o.names[d.id]])),
      HYPERLIQUID_WS_URL: undefined,
      AWS_LAMBDA_FUNCTION_NAME: undefined,
      POWERTOOLS_DEV: undefined,
      ...vars,
    },
    env,
  );
  return env;
};

/** Drops a scenario's tables (what fails is left: the next scenario has tables of its own), freeing DynamoDB Local's memory. */
export const dropTables = async (ddb: DynamoDBClient, names: TableNames): Promise<void> => {
  await Promise.all(Object.values(names).map((TableName) => ddb.send(new DeleteTableCommand({ TableName })).catch(() => undefined)));
};
