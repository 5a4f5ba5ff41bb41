import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { z } from "zod";
import { configSchema, type Config } from "#commons/config.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { SECRET_SETTINGS } from "#commons/secrets.js";
import { ALL_TABLES } from "#store/tables.js";
import { DISCOVERY_FUNCTION } from "../functions/catalog.js";

/**
 * Deploy-time settings: the stack's own options plus the application settings the functions get
 * as environment variables. Application settings are validated by the very schema the functions
 * use at cold start (#commons/config.js), so a bad value fails `cdk synth` instead of a deployed
 * Lambda, and their defaults live in that one module only (cdk.json does not repeat them).
 */

/** Settings the stack owns rather than the user: resource names come from the resources, the rest is not for Lambda. */
const NOT_FROM_USER = new Set<string>([
  ...ALL_TABLES.map((t) => t.envVar),
  TRACKING_QUEUE.envVar,
  "AWS_REGION", // reserved by Lambda
  "PORT", // local HTTP server only
  "HL_BUDGET_MODE", // always `dynamodb` in the cloud, see FUNCTION_FIXED_ENV
  "WS_CALLBACK_URL", // the stack's own WebSocket stage, given only to the functions that post (lib/feed.ts)
  // Secrets: generated in Secrets Manager by the stack and read at cold start, so neither the values
  // nor a user's own choice (e.g. a local ADMIN_API_KEY in the deploying shell) reach a function's env.
  ...Object.entries(SECRET_SETTINGS).flat(),
]);

/**
 * User settings that reach only the functions that need them, not every function's environment:
 * the agent-secret prefix goes to the function the catalog lets read agent secrets (`readsAgentSecrets`,
 * lib/house-function.ts), beside the grant it scopes.
 */
export const FUNCTION_SCOPED_SETTINGS: ReadonlySet<string> = new Set(["COPY_AGENT_SECRET_PREFIX"]);

/**
 * Secrets Manager name characters, not starting but ending with `/`: the prefix names a folder of its own, so its
 * `<prefix>*` grant cannot reach the stack's generated secrets (CloudFormation names them
 * `<LogicalId>-<random>`, without a `/`) nor any other name that merely starts the same way.
 */
const AGENT_SECRET_PREFIX = /^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]*\/$/;

/** Every application setting a user may choose at deploy time (any new key in config.ts flows through). */
export const APP_SETTING_KEYS: readonly string[] = Object.keys(configSchema.shape).filter(
  (k) => !NOT_FROM_USER.has(k),
);

/**
 * Always set in the cloud: every Lambda instance has its own egress IP pool but the exchange
 * limits per IP we cannot control, so the weight budget is shared through the state table.
 */
export const FUNCTION_FIXED_ENV: Readonly<Record<string, string>> = { HL_BUDGET_MODE: "dynamodb" };

const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === "number"),
);

const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((s) => s === "true")]);

const stackOptionsSchema = z.object({
  /** CloudFormation stack name; lets one account hold several independent copies. */
  STACK_NAME: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, "letters, digits and '-', starting with a letter")
    .default("HlCopytrader"),
  /** Tables refuse deletion and are retained when the stack goes; turn off for throwaway stacks. */
  DELETION_PROTECTION: bool.default(true),
  LOG_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .refine((d) => RETENTION_DAYS.has(d), "must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)")
    .default(30),
  LOG_LEVEL: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(["DEBUG", "INFO", "WARN", "ERROR"]))
    .default("INFO"),
  /** Generate a WebSocket token in Secrets Manager that clients must send as `?token=` to connect. */
  WS_TOKEN_REQUIRED: bool.default(false),
  /** The HTTP API's stage throttle (requests per second, steady and burst) behind CloudFront's cache. */
  HTTP_API_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(100),
  HTTP_API_BURST_LIMIT: z.coerce.number().int().min(1).max(5_000).default(200),
  /**
   * Run the functions that call the exchange in a VPC behind one NAT gateway with an Elastic IP,
   * so Hyperliquid sees one fixed address (lib/egress.ts). Costs ~$36 a month idle; off by default.
   */
  FIXED_EGRESS_IP: bool.default(false),
  /**
   * Copy orders the exchange (or the paper venue) refused or that failed to send, summed over 5
   * minutes, at which the copy-order-errors alarm fires (lib/alarms.ts). One is a rejected order
   * (tick, lot, margin) that the next reconciliation retries; a handful in 5 minutes is a pattern.
   */
  COPY_ORDER_ERRORS_ALARM_THRESHOLD: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Subscribed by email to the alarm topic (AWS sends a confirmation link first); unset: no subscription. */
  ALARM_EMAIL: z.email("must be an email address, e.g. ops@example.com").optional(),
});

export type StackOptions = z.infer<typeof stackOptionsSchema>;

export interface DeploySettings {
  stack: StackOptions;
  /** The validated application config (defaults applied), for synth-time decisions. */
  app: Config;
  /** The application settings as Lambda environment variables (normalised strings). */
  appEnv: Record<string, string>;
}

/** Reads one key: a non-empty environment variable wins over CDK context (`-c KEY=value` or cdk.json). */
type Source = (key: string) => unknown;

export const sourceFrom =
  (tryGetContext: (key: string) => unknown, env: Record<string, string | undefined>): Source =>
  (key) => {
    const fromEnv = env[key];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const fromContext: unknown = tryGetContext(key);
    return fromContext === "" || fromContext === null ? undefined : fromContext;
  };

const formatIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");

const asEnvValue = (value: unknown): string =>
  Array.isArray(value) ? value.join(",") : String(value);

/** Scheduler rates are whole minutes; a seconds value that is not one would be silently wrong. */
const SCHEDULE_KEYS = [
  "DISCOVERY_INTERVAL_SECONDS",
  "TRACKING_INTERVAL_SECONDS",
  "LEADERBOARD_INTERVAL_SECONDS",
  "COPY_RECONCILE_INTERVAL_SECONDS",
] as const;

export const readDeploySettings = (source: Source): DeploySettings => {
  const stackRaw = Object.fromEntries(
    Object.keys(stackOptionsSchema.shape).map((k) => [k, source(k)]).filter(([, v]) => v !== undefined),
  );
  const stack = stackOptionsSchema.safeParse(stackRaw);
  if (!stack.success) throw new Error(`Invalid stack options: ${formatIssues(stack.error)}`);

  // Context values from cdk.json may be numbers or booleans; the config schema coerces strings.
  const appRaw: Record<string, string> = {};
  for (const key of APP_SETTING_KEYS) {
    const value = source(key);
    if (value !== undefined) appRaw[key] = asEnvValue(value);
  }
  const app = configSchema.safeParse(appRaw);
  if (!app.success) throw new Error(`Invalid application settings: ${formatIssues(app.error)}`);

  const problems = SCHEDULE_KEYS.filter((k) => app.data[k] % 60 !== 0).map(
    (k) => `${k}=${app.data[k]} is not a whole number of minutes (EventBridge Scheduler runs at most once a minute)`,
  );
  // A run allowed to wait longer than its Lambda may live would be killed mid-write instead of stopping cleanly.
  if (app.data.DISCOVERY_MAX_RUN_SECONDS >= DISCOVERY_FUNCTION.timeoutSeconds) {
    problems.push(
      `DISCOVERY_MAX_RUN_SECONDS=${app.data.DISCOVERY_MAX_RUN_SECONDS} must be below the discovery timeout (${DISCOVERY_FUNCTION.timeoutSeconds}s)`,
    );
  }
  if (!AGENT_SECRET_PREFIX.test(app.data.COPY_AGENT_SECRET_PREFIX)) {
    problems.push(
      `COPY_AGENT_SECRET_PREFIX="${app.data.COPY_AGENT_SECRET_PREFIX}" must be a Secrets Manager name path ending in "/" ` +
        `(letters, digits, /_+=.@-), e.g. "hyperliquid-copytrader/agent/": the copy worker may read every secret under it`,
    );
  }
  if (problems.length > 0) throw new Error(`Invalid application settings: ${problems.join("; ")}`);

  // Pass every user-facing setting, defaults included, so the deployed value is visible in the console.
  const appEnv: Record<string, string> = {};
  for (const key of APP_SETTING_KEYS.filter((k) => !FUNCTION_SCOPED_SETTINGS.has(k))) {
    const value: unknown = app.data[key as keyof Config];
    if (value !== undefined) appEnv[key] = asEnvValue(value);
  }
  return { stack: stack.data, app: app.data, appEnv };
};
