import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Reads webhook secrets (a Slack or Discord URL, a Telegram bot token) from Secrets Manager as
 * plain strings. An error names the secret, never its value.
 */
export class WebhookSecrets {
  private readonly client: SecretsManagerClient;

  constructor(client?: SecretsManagerClient) {
    this.client = client ?? new SecretsManagerClient({});
  }

  readonly read = async (secretName: string): Promise<string> => {
    const { SecretString } = await this.client.send(
      new GetSecretValueCommand({ SecretId: secretName }),
    );
    if (SecretString === undefined || SecretString.trim() === '') {
      throw new Error(`secret ${secretName} holds no string: store the webhook URL or bot token`);
    }
    return SecretString;
  };
}
