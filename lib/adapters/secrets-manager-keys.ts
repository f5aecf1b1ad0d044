import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/** Exchange API credentials. Never logged, never put in an environment variable. */
export interface ExchangeKeys {
  readonly apiKey: string;
  readonly secret: string;
  /** The key's passphrase, which OKX signs every private request with. */
  readonly password?: string;
}

const keysSchema = z.object({
  apiKey: z.string().min(1),
  secret: z.string().min(1),
  password: z.string().min(1).optional(),
});

/**
 * Reads `{ "apiKey": ..., "secret": ... }` (plus `"password"`, the passphrase, for OKX) from a
 * Secrets Manager secret. A malformed secret gets an error naming the missing field, never any
 * value from it. `client` defaults to one for the ambient AWS configuration.
 */
export async function readExchangeKeys(
  secretName: string,
  client?: SecretsManagerClient,
  options: { readonly requirePassword?: boolean } = {},
): Promise<ExchangeKeys> {
  // Loaded here, not at import: only live mode reads keys, and a paper container's cold start
  // should not pay for the Secrets Manager client.
  const sdk = await import('@aws-sdk/client-secrets-manager');
  const { SecretString } = await (client ?? new sdk.SecretsManagerClient({})).send(
    new sdk.GetSecretValueCommand({ SecretId: secretName }),
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(SecretString ?? '');
  } catch {
    throw new Error(`secret ${secretName} is not JSON: store {"apiKey": "...", "secret": "..."}`);
  }
  const result = keysSchema.safeParse(parsed);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(
      `secret ${secretName} lacks ${fields}: store {"apiKey": "...", "secret": "..."}`,
    );
  }
  if (options.requirePassword && result.data.password === undefined) {
    throw new Error(
      `secret ${secretName} lacks password: store {"apiKey": "...", "secret": "...", "password": "<the key's passphrase>"}`,
    );
  }
  return result.data;
}
