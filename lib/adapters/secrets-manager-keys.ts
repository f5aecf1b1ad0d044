import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/** Exchange API credentials. Never logged, never put in an environment variable. */
export interface ExchangeKeys {
  readonly apiKey: string;
  readonly secret: string;
}

const keysSchema = z.object({ apiKey: z.string().min(1), secret: z.string().min(1) });

/**
 * Reads `{ "apiKey": ..., "secret": ... }` from a Secrets Manager secret. A malformed secret gets
 * an error naming the missing field, never any value from it.
 */
export async function readExchangeKeys(
  secretName: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<ExchangeKeys> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
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
  return result.data;
}
