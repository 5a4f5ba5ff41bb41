import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SQSClient } from "@aws-sdk/client-sqs";

/**
 * Clients for the embedded services. Credentials are fake on purpose: the local servers accept any,
 * and fake ones guarantee that a mis-pointed client fails instead of touching a real AWS account.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

export interface LocalClientOptions {
  endpoint: string;
  region?: string;
  /** 1 for probes (health, readiness) that must answer fast instead of retrying. */
  maxAttempts?: number;
}

export const localDynamoClient = ({ endpoint, region = "us-east-1", maxAttempts = 3 }: LocalClientOptions) =>
  new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts });

/** DynamoDB Local serves its streams API on the same endpoint as the tables. */
export const localStreamsClient = ({ endpoint, region = "us-east-1", maxAttempts = 3 }: LocalClientOptions) =>
  new DynamoDBStreamsClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts });

export const localSqsClient = ({ endpoint, region = "us-east-1", maxAttempts = 3 }: LocalClientOptions) =>
  new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts });

/**
 * The environment every AWS SDK client in this process (including the handler modules, which build
 * their own clients from the environment) needs to talk to the embedded services only.
 */
export const localAwsEnv = (o: {
  region: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
}): Record<string, string | undefined> => ({
  AWS_REGION: o.region,
  AWS_DEFAULT_REGION: o.region,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  // A real session token next to fake keys would only produce confusing signature errors, and a
  // profile makes the SDK skip the environment credentials altogether.
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  // Stops the SDK from probing the EC2 metadata service when it looks for credentials.
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_ENDPOINT_URL_DYNAMODB: o.dynamoEndpoint,
  AWS_ENDPOINT_URL_SQS: o.sqsEndpoint,
});

/** Sets each variable, and removes those given as `undefined`. */
export const applyEnv = (vars: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): void => {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
};
