import { inspect } from "node:util";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { Logger } from "@aws-lambda-powertools/logger";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, ValidationError } from "#commons/errors.js";
import { secretsManagerFetcher } from "#commons/secrets.js";
import {
  AgentKey,
  agentKeyLoader,
  envAgentKeyLoader,
  parseAgentKeyRef,
  secretsManagerAgentKeyLoader,
} from "#hyperliquid/exchange/keys.js";
import { iocOrderAction } from "#hyperliquid/exchange/actions.js";
import { signExchangeRequest } from "#hyperliquid/exchange/request.js";

// A throwaway key (not the vectors'): its hex digits must appear in no printed form.
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const KEY_DIGITS = KEY.slice(2);
// Its address, as any Ethereum tool derives it from the key.
const ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

describe("agent_key_ref", () => {
  it("reads secretsmanager:<name or ARN> and env:<VAR>", () => {
    expect(parseAgentKeyRef("secretsmanager:copy/agent-1")).toEqual({ source: "secretsmanager", name: "copy/agent-1" });
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:copy/agent-1-AbCdEf";
    expect(parseAgentKeyRef(`secretsmanager:${arn}`)).toEqual({ source: "secretsmanager", name: arn });
    expect(parseAgentKeyRef("env:HL_AGENT_KEY")).toEqual({ source: "env", variable: "HL_AGENT_KEY" });
  });

  it.each(["", "HL_AGENT_KEY", "env:", "env:1BAD", "env:HL AGENT", "secretsmanager:", "vault:x", "file:/etc/key"])(
    "refuses %j",
    (ref) => {
      expect(() => parseAgentKeyRef(ref)).toThrow(ValidationError);
    },
  );

  it("refuses a key pasted where its reference belongs, without echoing it", () => {
    expect(() => parseAgentKeyRef(KEY)).toThrow(ValidationError);
    expect(() => parseAgentKeyRef(`env:${KEY}`)).toThrow(ValidationError);
    for (const ref of [KEY, `env:${KEY}`]) {
      try {
        parseAgentKeyRef(ref);
      } catch (e) {
        expect((e as Error).message).not.toContain(KEY_DIGITS);
      }
    }
  });
});

describe("AgentKey", () => {
  it("derives the agent's address from the key", () => {
    expect(AgentKey.fromString(KEY, "test").address).toBe(ADDRESS);
  });

  it.each([
    ["63 hex digits", KEY.slice(0, -1)],
    ["65 hex digits", `${KEY}0`],
    ["no 0x", KEY_DIGITS],
    ["not hex", `0x${"g".repeat(64)}`],
    ["an address", ADDRESS],
  ])("refuses %s with a message that names where, never the value", (_label, value) => {
    expect(() => AgentKey.fromString(value, "the variable HL_AGENT_KEY")).toThrow(ConfigError);
    expect(() => AgentKey.fromString(value, "the variable HL_AGENT_KEY")).toThrow(/the variable HL_AGENT_KEY/);
    try {
      AgentKey.fromString(value, "the variable HL_AGENT_KEY");
    } catch (e) {
      expect(String(e)).not.toContain(value.replace(/^0x/, "").slice(0, 60));
    }
  });

  it("prints as a placeholder in every form (String, JSON, util.inspect)", () => {
    const key = AgentKey.fromString(KEY, "test");
    for (const printed of [String(key), `${key}`, JSON.stringify({ key }), inspect({ key }, { depth: 5 })]) {
      expect(printed).not.toContain(KEY_DIGITS);
      expect(printed).toContain("redacted");
    }
  });
});

describe("key loaders", () => {
  it("env: reads the variable the reference names", async () => {
    const load = envAgentKeyLoader({ HL_AGENT_KEY: KEY });
    expect((await load({ source: "env", variable: "HL_AGENT_KEY" })).address).toBe(ADDRESS);
    await expect(load({ source: "env", variable: "MISSING" })).rejects.toThrow(/MISSING is not set/);
    await expect(load({ source: "secretsmanager", name: "x" })).rejects.toThrow(ConfigError);
  });

  it("secretsmanager: reads the secret's string with GetSecretValue", async () => {
    const send = vi.fn(async (command: unknown) => {
      expect(command).toBeInstanceOf(GetSecretValueCommand);
      expect((command as GetSecretValueCommand).input).toEqual({ SecretId: "copy/agent-1" });
      return { SecretString: `${KEY}\n` }; // a trailing newline, as `aws secretsmanager put-secret-value --secret-string file://…` leaves it
    });
    const load = secretsManagerAgentKeyLoader(secretsManagerFetcher({ send } as never));
    expect((await load({ source: "secretsmanager", name: "copy/agent-1" })).address).toBe(ADDRESS);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it("secretsmanager: a denied read says which secret and why, and a wrong value never shows", async () => {
    const denied = secretsManagerAgentKeyLoader(async () => {
      throw Object.assign(new Error("User is not authorized to perform secretsmanager:GetSecretValue"), { name: "AccessDeniedException" });
    });
    await expect(denied({ source: "secretsmanager", name: "copy/agent-1" })).rejects.toThrow(
      /copy\/agent-1 \(AccessDeniedException: User is not authorized/,
    );
    const wrong = secretsManagerAgentKeyLoader(async () => KEY.slice(0, -2));
    await expect(wrong({ source: "secretsmanager", name: "copy/agent-1" })).rejects.toThrow(ConfigError);
    await wrong({ source: "secretsmanager", name: "copy/agent-1" }).catch((e: Error) =>
      expect(e.message).not.toContain(KEY_DIGITS.slice(0, 62)),
    );
  });

  it("one loader dispatches on the reference, and says so when a kind has no reader", async () => {
    const load = agentKeyLoader({ env: envAgentKeyLoader({ K: KEY }) });
    expect((await load(parseAgentKeyRef("env:K"))).address).toBe(ADDRESS);
    await expect(load(parseAgentKeyRef("secretsmanager:copy/agent-1"))).rejects.toThrow(/no reader for secretsmanager/);
  });
});

describe("no key in the logs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("the signing path, logged at DEBUG through the real logger, prints the agent's address and never its key", async () => {
    const written: string[] = [];
    const capture = (chunk: unknown): boolean => (written.push(String(chunk)), true);
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    vi.stubEnv("POWERTOOLS_DEV", "false"); // the JSON lines Lambda writes, to stdout (dev mode would use console.*)
    const logger = new Logger({ serviceName: "copy-engine-test", logLevel: "DEBUG" });

    const key = await envAgentKeyLoader({ HL_AGENT_KEY: KEY })(parseAgentKeyRef("env:HL_AGENT_KEY"));
    const action = iocOrderAction([
      { asset: 1, isBuy: true, price: "3000.5", size: "0.01", reduceOnly: false, cloid: "0x000000000000000000000000000000aa" },
    ]);
    const request = await signExchangeRequest({ key, action, nonce: 1_765_000_000_000, network: "testnet", logger });
    // What careless code would do next: log the key object, the request, an error that held it.
    logger.info("order sent", { key, request });
    logger.error("failed", { error: new ConfigError(`agent ${String(key)}`), key });
    try {
      AgentKey.fromString(`${KEY}ff`, "the variable HL_AGENT_KEY");
    } catch (error) {
      logger.error("bad key", error as Error);
    }

    const output = written.join("");
    expect(output).toContain("signed exchange action"); // the path did log
    expect(output.toLowerCase()).toContain(ADDRESS.toLowerCase());
    expect(output.toLowerCase()).not.toContain(KEY_DIGITS);
    // Not even a long piece of it (a truncated or re-encoded key is still a leak).
    for (let i = 0; i + 16 <= KEY_DIGITS.length; i += 8) expect(output.toLowerCase()).not.toContain(KEY_DIGITS.slice(i, i + 16));
  });
});
