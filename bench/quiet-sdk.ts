import { quietSdkNodeWarning } from "./util.js";

/**
 * Imported first by bench/api.ts: some modules it imports build an SDK client as they load
 * (#commons/clients/dynamodb.js), before any statement of api.ts could set the switch.
 */
quietSdkNodeWarning();
