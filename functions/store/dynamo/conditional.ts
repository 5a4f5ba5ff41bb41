import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** Runs a conditional write; false when its condition did not hold (any other error is thrown). */
export const conditionally = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
};
