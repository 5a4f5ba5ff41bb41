import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * Built once per process (module scope) and shared by every handler in it. The endpoint comes from
 * the SDK's own AWS_ENDPOINT_URL_DYNAMODB, which the local runtime sets to DynamoDB Local.
 */
export const createDocumentClient = (client = new DynamoDBClient({})): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export const dynamodb = new DynamoDBClient({});
export const documentClient = createDocumentClient(dynamodb);
