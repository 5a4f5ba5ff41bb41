import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * Built once per process. Only handlers that read a secret at cold start import this module, and
 * they send through it only when a `*_SECRET_ARN` is set (in AWS); locally nothing is sent.
 */
export const secretsManager = new SecretsManagerClient({});
