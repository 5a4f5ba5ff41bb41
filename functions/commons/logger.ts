import { Logger } from "@aws-lambda-powertools/logger";

/**
 * The one logger. Powertools writes structured JSON (what CloudWatch Logs Insights wants);
 * locally `POWERTOOLS_DEV=true` (set by the local runtime) pretty-prints the same records.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "hl-copytrader",
  logLevel: (process.env.LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL ?? "INFO") as "INFO",
});

export type AppLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;
