import { inspect } from "node:util";
import { z } from "zod";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { SecretFetcher } from "#commons/secrets.js";
import { ConfigError, ValidationError } from "#commons/errors.js";

/**
 * Where an agent wallet's private key lives, and how it is read. The key is never stored with the
 * follower, never logged and never returned: a follower only names it (`agent_key_ref`), as
 * `secretsmanager:<name>` in AWS (the copy engine's role alone may read it) or `env:<VAR>` locally.
 * The key is read into memory when needed and lives there inside an AgentKey, whose every printed
 * form (String, JSON, util.inspect, so also the logger) is a placeholder.
 */

const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/; // a secret name (letters, digits, /_+=.@-) or its ARN (adds :)
const ENV_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type AgentKeyRef = { source: "secretsmanager"; name: string } | { source: "env"; variable: string };

/** `secretsmanager:<name>` | `env:<VAR>`, as the API accepts it (the message never echoes the input). */
export const agentKeyRefSchema = z.string().transform((ref, ctx): AgentKeyRef => {
  const colon = ref.indexOf(":");
  const scheme = colon < 0 ? "" : ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (scheme === "secretsmanager" && SECRET_NAME_RE.test(rest)) return { source: "secretsmanager", name: rest };
  if (scheme === "env" && ENV_VAR_RE.test(rest)) return { source: "env", variable: rest };
  ctx.addIssue({ code: "custom", message: "expected secretsmanager:<secret name or ARN> or env:<VARIABLE>" });
  return z.NEVER;
});

export const parseAgentKeyRef = (ref: string): AgentKeyRef => {
  const parsed = agentKeyRefSchema.safeParse(ref);
  if (!parsed.success) throw new ValidationError(`agent_key_ref: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
};

/** A secp256k1 private key as wallets export it: 0x and 64 hex digits. The messages never include the input. */
export const privateKeySchema = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{64}$/, { error: "expected 0x followed by 64 hex digits" });

const REDACTED = "[agent key redacted]";

/** An agent wallet's key in memory. Only `account` (viem's, which keeps the key in a closure) leaves it. */
export class AgentKey {
  readonly #account: PrivateKeyAccount;

  private constructor(account: PrivateKeyAccount) {
    this.#account = account;
  }

  /** Validates and wraps a key; throws a message that names `where` but never the value. */
  static fromString(value: string, where: string): AgentKey {
    const parsed = privateKeySchema.safeParse(value);
    if (!parsed.success) throw new ConfigError(`${where} does not hold an agent private key (0x followed by 64 hex digits)`);
    return new AgentKey(privateKeyToAccount(parsed.data as `0x${string}`));
  }

  get account(): PrivateKeyAccount {
    return this.#account;
  }

  /** The agent's address: what the user approves on the exchange, and what the exchange recovers from a signature. */
  get address(): `0x${string}` {
    return this.#account.address;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** The port: reads the key a reference names. */
export type AgentKeyLoader = (ref: AgentKeyRef) => Promise<AgentKey>;

/** Local runtime: the key is in the process environment. */
export const envAgentKeyLoader =
  (env: NodeJS.ProcessEnv = process.env): AgentKeyLoader =>
  async (ref) => {
    if (ref.source !== "env") throw new ConfigError(`agent_key_ref: ${ref.source} keys are not readable here (env: only)`);
    const value = env[ref.variable];
    if (value === undefined || value === "") throw new ConfigError(`agent_key_ref: the variable ${ref.variable} is not set`);
    return AgentKey.fromString(value, `the variable ${ref.variable}`);
  };

/** AWS: the key is a Secrets Manager secret's string value (GetSecretValue, through #commons/secrets.js). */
export const secretsManagerAgentKeyLoader =
  (fetchSecret: SecretFetcher): AgentKeyLoader =>
  async (ref) => {
    if (ref.source !== "secretsmanager") {
      throw new ConfigError(`agent_key_ref: ${ref.source} keys are not readable here (secretsmanager: only)`);
    }
    let value: string;
    try {
      value = await fetchSecret(ref.name);
    } catch (error) {
      // The SDK's message names the secret and the role at most, never a value.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new ConfigError(`agent_key_ref: cannot read the secret ${ref.name} (${reason})`);
    }
    return AgentKey.fromString(value, `the secret ${ref.name}`);
  };

/** One loader for both kinds of reference, each read by its adapter when one is given. */
export const agentKeyLoader =
  (adapters: { env?: AgentKeyLoader; secretsmanager?: AgentKeyLoader }): AgentKeyLoader =>
  async (ref) => {
    const load = adapters[ref.source];
    if (load === undefined) throw new ConfigError(`agent_key_ref: no reader for ${ref.source} keys is configured`);
    return load(ref);
  };
