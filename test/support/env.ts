/**
 * The environment every test worker gets (vitest.config.ts `test.env`). Credentials are fake and
 * the endpoints point at a port nothing listens on, so a unit test that reaches for AWS by mistake
 * fails at once instead of talking to a real account; integration tests replace the endpoints
 * with the local servers (./setup-integration.ts).
 */
export const TEST_REGION = "us-east-1";

const NOWHERE = "http://127.0.0.1:9";

export const testEnv: Record<string, string> = {
  AWS_REGION: TEST_REGION,
  AWS_DEFAULT_REGION: TEST_REGION,
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_SESSION_TOKEN: "",
  AWS_PROFILE: "",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_ENDPOINT_URL_DYNAMODB: NOWHERE,
  AWS_ENDPOINT_URL_SQS: NOWHERE,
  // Printed once per worker; it says nothing about the code under test.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  POWERTOOLS_DEV: "true",
  LOG_LEVEL: "WARN",
  HL_BUDGET_MODE: "local",
};
