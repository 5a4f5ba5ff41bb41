import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { configSchema, type Config } from "./config.js";
import { ConfigError } from "./errors.js";

/**
 * Settings that are secrets. In AWS their values live in Secrets Manager and a function only gets
 * the secret's ARN (`<SETTING>_SECRET_ARN`), so the value is in no Lambda configuration, template
 * or console page; the function reads it once at cold start. Locally the value itself is set.
 */
export const SECRET_SETTINGS = {
  ADMIN_API_KEY: "ADMIN_API_KEY_SECRET_ARN",
  WS_TOKEN: "WS_TOKEN_SECRET_ARN",
  ORIGIN_SECRET: "ORIGIN_SECRET_SECRET_ARN",
} as const satisfies Partial<Record<keyof Config, keyof Config>>;

export type SecretSetting = keyof typeof SECRET_SETTINGS;

/** Reads a secret's string value: Secrets Manager in AWS, anything in tests. */
export type SecretFetcher = (secretId: string) => Promise<string>;

export const secretsManagerFetcher =
  (client: Pick<SecretsManagerClient, "send">): SecretFetcher =>
  async (secretId) => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (out.SecretString === undefined) throw new ConfigError(`Secret ${secretId} has no string value`);
    return out.SecretString;
  };

/**
 * The value of a secret setting: the plain value when set (the local runtime), else the secret its
 * ARN names, fetched once here (call it at module scope: once per cold start), else undefined.
 * A secret that cannot be read, or holds a value the setting's schema refuses, fails the cold start.
 * Messages name the setting and the ARN, never the value.
 */
export const resolveSecretSetting = async (
  config: Config,
  setting: SecretSetting,
  fetchSecret: SecretFetcher,
): Promise<string | undefined> => {
  const plain = config[setting];
  if (plain !== undefined) return plain;
  const arnKey = SECRET_SETTINGS[setting];
  const arn = config[arnKey];
  if (arn === undefined) return undefined;

  let value: string;
  try {
    value = await fetchSecret(arn);
  } catch (error) {
    // The SDK's message names the ARN and the role at most; the error's name says what went wrong.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ConfigError(`${setting}: cannot read the secret ${arnKey}=${arn} (${reason})`);
  }
  const parsed = configSchema.shape[setting].safeParse(value);
  if (!parsed.success || parsed.data === undefined) {
    const problem = parsed.success ? "it is empty" : parsed.error.issues.map((i) => i.message).join("; ");
    throw new ConfigError(`${setting}: the secret ${arnKey}=${arn} does not hold a valid value: ${problem}`);
  }
  return parsed.data;
};
