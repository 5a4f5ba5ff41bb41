import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * Built once per process. Only handlers that read a secret import this module, and they send
 * through it only in AWS (a `*_SECRET_ARN` set, or the copy worker in Lambda reading an agent
 * key); locally nothing is sent.
 */
export const secretsManager = new SecretsManagerClient({});
