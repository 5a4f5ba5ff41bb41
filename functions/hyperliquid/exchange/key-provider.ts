import { ConfigError } from "#commons/errors.js";
import type { AgentKey, AgentKeyLoader, AgentKeyRef } from "./keys.js";

/**
 * The agent keys as the live venue gets them: a `secretsmanager:` reference must name a secret
 * under COPY_AGENT_SECRET_PREFIX (the copy engine's role may read nothing else, and a follower
 * pointing at another secret — the admin key, say — is refused here, before any call, with words
 * that say why); each key is read once per process and kept (a secret read costs money and time on
 * every order otherwise). A failed read is not kept, so a key stored after the error is found.
 */

/** The secret's name from a name or an ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf`). */
export const secretNameOf = (nameOrArn: string): string => {
  const marker = ":secret:";
  const at = nameOrArn.startsWith("arn:") ? nameOrArn.indexOf(marker) : -1;
  return at < 0 ? nameOrArn : nameOrArn.slice(at + marker.length);
};

/** Throws unless a Secrets Manager reference names a secret under `prefix` (env references pass). */
export const assertAgentSecretAllowed = (ref: AgentKeyRef, prefix: string): void => {
  if (ref.source !== "secretsmanager") return;
  const name = secretNameOf(ref.name);
  if (!name.startsWith(prefix) || name.length === prefix.length) {
    throw new ConfigError(
      `agent_key_ref: the secret ${ref.name} is not under the agent key prefix ${prefix} (COPY_AGENT_SECRET_PREFIX); ` +
        "store the agent key as a secret whose name starts with it",
    );
  }
};

const refKey = (ref: AgentKeyRef): string => (ref.source === "env" ? `env:${ref.variable}` : `secretsmanager:${ref.name}`);

export const agentKeyProvider = (opts: { load: AgentKeyLoader; secretPrefix: string }): AgentKeyLoader => {
  const cache = new Map<string, Promise<AgentKey>>();
  return async (ref) => {
    assertAgentSecretAllowed(ref, opts.secretPrefix);
    const key = refKey(ref);
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = opts.load(ref);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  };
};
