import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { ValidationError } from "#commons/errors.js";

/** The NEW_IMAGE of a stream record as a plain object (the stream's attribute values have the SDK's shape). */
export const newImageOf = (record: DynamoDBRecord): Record<string, unknown> => {
  const image = record.dynamodb?.NewImage;
  if (image === undefined) {
    throw new ValidationError(`Stream record ${record.dynamodb?.SequenceNumber ?? record.eventID ?? "?"} has no NewImage`);
  }
  return unmarshall(image as Record<string, AttributeValue>);
};
