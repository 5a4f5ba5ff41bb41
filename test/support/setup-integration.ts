import { inject } from "vitest";
import { localAwsEnv, applyEnv } from "#local/aws.js";
import { TEST_REGION } from "./env.js";

/**
 * Runs in each integration worker before the test file is imported, so that modules which read
 * their endpoints from the environment when they load (as the handlers do) see the local servers.
 */
applyEnv(
  localAwsEnv({ region: TEST_REGION, dynamoEndpoint: inject("dynamoEndpoint"), sqsEndpoint: inject("sqsEndpoint") }),
);
