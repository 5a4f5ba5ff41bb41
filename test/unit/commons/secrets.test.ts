import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "#commons/config.js";
import { ConfigError } from "#commons/errors.js";
import { resolveSecretSetting, secretsManagerFetcher, type SecretFetcher } from "#commons/secrets.js";

const ADMIN_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AdminApiKey-AbCdEf";
const WS_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:WsToken-AbCdEf";
const KEY = "k".repeat(40);

/** A fetcher that answers from a map and records what it was asked. */
const fakeSecrets = (values: Record<string, string>) => {
  const fetch = vi.fn<SecretFetcher>(async (id) => {
    const value = values[id];
    if (value === undefined) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: "ResourceNotFoundException" });
    return value;
  });
  return fetch;
};

describe("resolveSecretSetting", () => {
  it("a plain value wins (the local runtime) and nothing is fetched", async () => {
    const fetch = fakeSecrets({ [ADMIN_ARN]: "from-the-secret-000000" });
    const config = loadConfig({ ADMIN_API_KEY: KEY, ADMIN_API_KEY_SECRET_ARN: ADMIN_ARN });
    expect(await resolveSecretSetting(config, "ADMIN_API_KEY", fetch)).toBe(KEY);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("else the secret the ARN names is fetched, once", async () => {
    const fetch = fakeSecrets({ [ADMIN_ARN]: KEY, [WS_ARN]: "tok" });
    const config = loadConfig({ ADMIN_API_KEY_SECRET_ARN: ADMIN_ARN, WS_TOKEN_SECRET_ARN: WS_ARN });
    expect(await resolveSecretSetting(config, "ADMIN_API_KEY", fetch)).toBe(KEY);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(ADMIN_ARN);
    expect(await resolveSecretSetting(config, "WS_TOKEN", fetch)).toBe("tok");
    expect(fetch).toHaveBeenLastCalledWith(WS_ARN);
  });

  it("neither set: undefined (admin routes answer 503; the feed needs no token)", async () => {
    const fetch = fakeSecrets({});
    const config = loadConfig({});
    expect(await resolveSecretSetting(config, "ADMIN_API_KEY", fetch)).toBeUndefined();
    expect(await resolveSecretSetting(config, "WS_TOKEN", fetch)).toBeUndefined();
    expect(fetch).not.toHaveBeenCalled();
  });

  it("an unreadable secret fails the cold start, naming the setting and the ARN", async () => {
    const config = loadConfig({ ADMIN_API_KEY_SECRET_ARN: ADMIN_ARN });
    const failure = resolveSecretSetting(config, "ADMIN_API_KEY", fakeSecrets({}));
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/ADMIN_API_KEY: cannot read the secret ADMIN_API_KEY_SECRET_ARN=.*AdminApiKey.*ResourceNotFoundException/);
  });

  it("a secret value the setting's schema refuses fails too, without echoing the value", async () => {
    const config = loadConfig({ ADMIN_API_KEY_SECRET_ARN: ADMIN_ARN });
    const failure = resolveSecretSetting(config, "ADMIN_API_KEY", fakeSecrets({ [ADMIN_ARN]: "short-secret" }));
    await expect(failure).rejects.toThrow(/at least 16 characters/);
    await expect(failure).rejects.not.toThrow(/short-secret/);
  });

  it("an ARN that is not a secret's is refused with the rest of the config", () => {
    expect(() => loadConfig({ ADMIN_API_KEY_SECRET_ARN: "my-secret" })).toThrow(/ADMIN_API_KEY_SECRET_ARN/);
    expect(() => loadConfig({ WS_TOKEN_SECRET_ARN: "arn:aws:ssm:us-east-1:123456789012:parameter/x" })).toThrow(/WS_TOKEN_SECRET_ARN/);
  });
});

describe("secretsManagerFetcher", () => {
  it("asks GetSecretValue for the id and returns its SecretString", async () => {
    const send = vi.fn(async (_command: unknown) => ({ SecretString: KEY }));
    expect(await secretsManagerFetcher({ send } as never)(ADMIN_ARN)).toBe(KEY);
    const [command] = send.mock.calls[0]!;
    expect(command).toBeInstanceOf(GetSecretValueCommand);
    expect((command as GetSecretValueCommand).input).toEqual({ SecretId: ADMIN_ARN });
  });

  it("a binary secret is refused: the settings are strings", async () => {
    const send = vi.fn(async () => ({ SecretBinary: new Uint8Array([1]) }));
    await expect(secretsManagerFetcher({ send } as never)(ADMIN_ARN)).rejects.toThrow(/has no string value/);
  });
});
