import { parseFlags, USAGE, type LocalFlags } from "./flags.js";

/**
 * `npm start` / `npm run demo`: the whole application on this machine, with DynamoDB Local and an
 * in-process SQS server instead of AWS.
 *
 * This file only reads the flags and sets the environment that other modules read when they load
 * (the logger decides on pretty output at construction), then imports the runtime. Keep it free of
 * static imports of project modules for that reason.
 */

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const main = async () => {
  let flags: LocalFlags | "help";
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (flags === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Readable logs unless the user asked otherwise; set before any module builds the logger.
  process.env.POWERTOOLS_DEV ??= "true";
  const { runLocal } = await import("./runtime.js");
  await runLocal(flags);
};

await main();
