export { createApiApp, mountApi, transportClientIp, DEFAULT_MAX_BODY_BYTES } from "./app.js";
export type { ApiDeps, HealthCheck } from "./deps.js";
export type { ApiEnv } from "./env.js";
export { createDynamoApiStores, dynamoTableCheck, type ApiTableNames } from "./dynamo.js";
