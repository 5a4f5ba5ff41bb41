import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** Command-line flags of `npm start`; kept apart from main.ts so they can be tested without starting anything. */

export const USAGE = `Usage: npm start -- [--in-memory | --data-dir <dir>] [--demo]

  --in-memory        keep all data in memory (gone when you stop)
  --data-dir <dir>   where DynamoDB Local keeps its data (default: .local-data/)
  --demo             run against the built-in exchange simulator instead of Hyperliquid
                     (in memory unless --data-dir is given, so simulated traders never mix with real ones)`;

export interface LocalFlags {
  inMemory: boolean;
  dataDir: string;
  demo: boolean;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const parseFlags = (argv: string[]): LocalFlags | "help" => {
  const { values } = parseArgs({
    args: argv,
    options: {
      "in-memory": { type: "boolean", default: false },
      "data-dir": { type: "string" },
      demo: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  if (values["in-memory"] && values["data-dir"] !== undefined) {
    throw new Error("--in-memory and --data-dir exclude each other: pick one.");
  }
  const demo = values.demo;
  return {
    demo,
    inMemory: values["in-memory"] || (demo && values["data-dir"] === undefined),
    dataDir: path.resolve(values["data-dir"] ?? path.join(repoRoot, ".local-data")),
  };
};
