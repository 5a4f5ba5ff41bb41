import os from "node:os";

/** Small helpers shared by the benchmark's processes. */

export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} must be set (bench/tracking.ts sets it for its children)`);
  return value;
};

/**
 * The AWS SDK warns once per process that its releases after January 2027 will need Node 22. It
 * says nothing about this run; its own switch keeps it out of the output (children inherit it).
 */
export const quietSdkNodeWarning = (): void => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Runs a benchmark's `main`: exit 0 when it finishes, 1 with the reason when it fails, 130 on Ctrl-C. */
export const runMain = (main: () => Promise<void>): void => {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`Stopped by ${signal}`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
};

/** The load average, rounded: benches print it at start and end (these machines are noisy). */
export const loadAverage = (): number[] => os.loadavg().map((l) => Math.round(l * 100) / 100);

/** What a bench prints about the machine it ran on. */
export const machine = () => ({
  node: process.version,
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? "unknown",
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadAverageAtStart: loadAverage(),
});
