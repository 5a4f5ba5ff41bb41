import { describe, expect, it } from "vitest";
import { loadConfig } from "#commons/config.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { trackWorkerMaxConcurrency } from "../../lib/ingestion.js";
import { readDeploySettings, sourceFrom } from "../../lib/settings.js";

/** Settings as bin/app.ts reads them, from a plain context object and environment. */
const read = (context: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  readDeploySettings(sourceFrom((key) => context[key], env));

describe("deploy settings", () => {
  it("defaults come from the config module, stack options from their own defaults", () => {
    const s = read();
    expect(s.stack).toEqual({
      STACK_NAME: "HlCopytrader",
      DELETION_PROTECTION: true,
      LOG_RETENTION_DAYS: 30,
      LOG_LEVEL: "INFO",
      WS_TOKEN_REQUIRED: false,
      HTTP_API_RATE_LIMIT: 100,
      HTTP_API_BURST_LIMIT: 200,
      FIXED_EGRESS_IP: false,
      COPY_ORDER_ERRORS_ALARM_THRESHOLD: 5,
    });
    expect(s.appEnv.TRACKING_INTERVAL_SECONDS).toBe(String(loadConfig({}).TRACKING_INTERVAL_SECONDS));
    expect(s.appEnv.HYPERLIQUID_API_URL).toBe("https://api.hyperliquid.xyz");
  });

  it("an environment variable wins over context; an empty one does not count", () => {
    const s = read({ TRACK_BATCH_SIZE: 10, STACK_NAME: "FromContext" }, { TRACK_BATCH_SIZE: "20", STACK_NAME: "" });
    expect(s.appEnv.TRACK_BATCH_SIZE).toBe("20");
    expect(s.stack.STACK_NAME).toBe("FromContext");
  });

  it("values are normalised the way the functions would read them", () => {
    const s = read({
      HYPERLIQUID_API_URL: "https://api.hyperliquid-testnet.xyz/info/",
      POPULAR_COINS: "BTC, ETH,BTC",
      DELETION_PROTECTION: "false",
      LOG_LEVEL: "debug",
    });
    expect(s.appEnv.HYPERLIQUID_API_URL).toBe("https://api.hyperliquid-testnet.xyz");
    expect(s.appEnv.POPULAR_COINS).toBe("BTC,ETH");
    expect(s.stack.DELETION_PROTECTION).toBe(false);
    expect(s.stack.LOG_LEVEL).toBe("DEBUG");
    expect(read().appEnv.POPULAR_COINS).toBeUndefined();
  });

  it("resource names, the region, the local port and the budget mode are the stack's, not the user's", () => {
    const s = read({}, { TRADERS_TABLE: "mine", TRACKING_QUEUE_URL: "https://q", AWS_REGION: "eu-west-1", PORT: "1", HL_BUDGET_MODE: "local" });
    for (const key of ["TRADERS_TABLE", "TRACKING_QUEUE_URL", "AWS_REGION", "PORT", "HL_BUDGET_MODE"]) {
      expect(s.appEnv[key]).toBeUndefined();
    }
  });

  it("secrets never come from the user: the stack generates them in Secrets Manager and passes ARNs", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mine-AbCdEf";
    const s = read(
      { WS_TOKEN: "from-context" },
      { ADMIN_API_KEY: "a-local-admin-key-123456", ADMIN_API_KEY_SECRET_ARN: arn, WS_TOKEN_SECRET_ARN: arn },
    );
    for (const key of ["ADMIN_API_KEY", "WS_TOKEN", "ADMIN_API_KEY_SECRET_ARN", "WS_TOKEN_SECRET_ARN"]) {
      expect(s.appEnv[key]).toBeUndefined();
    }
  });

  it.each([
    [{ TRACKING_INTERVAL_SECONDS: 30 }, /TRACKING_INTERVAL_SECONDS=30 is not a whole number of minutes/],
    [{ DISCOVERY_INTERVAL_SECONDS: "abc" }, /DISCOVERY_INTERVAL_SECONDS/],
    [{ DISCOVERY_MAX_RUN_SECONDS: 600 }, /DISCOVERY_MAX_RUN_SECONDS=600 must be below the discovery timeout/],
    [{ HYPERLIQUID_API_URL: "ftp://x" }, /HYPERLIQUID_API_URL/],
    [{ LOG_RETENTION_DAYS: 31 }, /LOG_RETENTION_DAYS/],
    [{ STACK_NAME: "1 bad name" }, /STACK_NAME/],
    [{ DELETION_PROTECTION: "yes" }, /DELETION_PROTECTION/],
    [{ WS_TOKEN_REQUIRED: "maybe" }, /WS_TOKEN_REQUIRED/],
    [{ HTTP_API_RATE_LIMIT: 0 }, /HTTP_API_RATE_LIMIT/],
    [{ ALARM_EMAIL: "ops@" }, /Invalid stack options: ALARM_EMAIL: must be an email address/],
    [{ COPY_RECONCILE_INTERVAL_SECONDS: 90 }, /COPY_RECONCILE_INTERVAL_SECONDS=90 is not a whole number of minutes/],
    [{ COPY_ORDER_ERRORS_ALARM_THRESHOLD: 0 }, /COPY_ORDER_ERRORS_ALARM_THRESHOLD/],
    // Without a trailing "/", "Admin" would also reach the stack's own AdminApiKey<id>-<random> secret.
    [{ COPY_AGENT_SECRET_PREFIX: "Admin" }, /COPY_AGENT_SECRET_PREFIX="Admin" must be a Secrets Manager name path ending in "\/"/],
    // A wildcard of the user's own would widen the grant's `<prefix>*` beyond the path.
    [{ COPY_AGENT_SECRET_PREFIX: "agents*/" }, /COPY_AGENT_SECRET_PREFIX/],
    [{ COPY_AGENT_SECRET_PREFIX: "/" }, /COPY_AGENT_SECRET_PREFIX/],
  ])("rejects %o at synth time", (context, message) => {
    expect(() => read(context)).toThrow(message);
  });

  it("the agent-secret prefix is validated and kept for the function that reads agent secrets, not every function's env", () => {
    const s = read({ COPY_AGENT_SECRET_PREFIX: "team-a/agents/" });
    expect(s.app.COPY_AGENT_SECRET_PREFIX).toBe("team-a/agents/");
    expect(s.appEnv.COPY_AGENT_SECRET_PREFIX).toBeUndefined();
    expect(read().app.COPY_AGENT_SECRET_PREFIX).toBe(loadConfig({}).COPY_AGENT_SECRET_PREFIX);
  });

  it("ALARM_EMAIL is optional and passed through when it is an address", () => {
    expect(read().stack.ALARM_EMAIL).toBeUndefined();
    expect(read({}, { ALARM_EMAIL: "ops@example.com" }).stack.ALARM_EMAIL).toBe("ops@example.com");
  });
});

describe("tracking worker concurrency", () => {
  const timeout = TRACKING_QUEUE.workerTimeoutSeconds;

  it("lets in as many workers as the weight budget serves within one worker timeout", () => {
    // 1,080 weight/min × 50/60 = 900 per timeout; 5 messages × 25 traders × weight 2 = 250 per invocation.
    expect(trackWorkerMaxConcurrency(loadConfig({}), TRACKING_QUEUE, timeout)).toBe(3);
    expect(trackWorkerMaxConcurrency(loadConfig({ HL_WEIGHT_PER_MINUTE: "12000" }), TRACKING_QUEUE, timeout)).toBe(36);
  });

  it("stays within what SQS event sources accept (2..1000)", () => {
    expect(trackWorkerMaxConcurrency(loadConfig({ TRACK_BATCH_SIZE: "50" }), TRACKING_QUEUE, timeout)).toBe(2);
    expect(trackWorkerMaxConcurrency(loadConfig({ HL_WEIGHT_PER_MINUTE: "10000000" }), TRACKING_QUEUE, timeout)).toBe(1000);
  });

  it("refuses settings under which no worker could finish a batch before its timeout", () => {
    // 5 × 100 × 2 = 1,000 weight per invocation, but only 900 arrive within 50 s.
    expect(() => trackWorkerMaxConcurrency(loadConfig({ TRACK_BATCH_SIZE: "100" }), TRACKING_QUEUE, timeout)).toThrow(
      /needs 1000 weight but only 900/,
    );
  });
});
