import type { AppLogger } from "#commons/logger.js";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  extra: unknown[];
}

/**
 * A logger that keeps what it is told instead of printing it: tests stay quiet, and can assert on
 * what an operator would read (a skipped run, a retried batch).
 */
export const recordingLogger = (): { logger: AppLogger; entries: LogEntry[] } => {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry["level"]) =>
    (message: unknown, ...extra: unknown[]): void => {
      entries.push({ level, message: typeof message === "string" ? message : JSON.stringify(message), extra });
    };
  return {
    entries,
    logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
  };
};
