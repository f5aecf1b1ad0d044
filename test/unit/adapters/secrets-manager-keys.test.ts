import { Readable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { readExchangeKeys } from '../../../lib/adapters/secrets-manager-keys.js';

/** A Secrets Manager client whose HTTP handler answers with `secretString`, recording the request. */
function clientAnswering(secretString: string) {
  const requests: { target: string; body: string }[] = [];
  const client = new SecretsManagerClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: string | Uint8Array }) => {
        requests.push({
          target: request.headers['x-amz-target'] ?? '',
          body:
            typeof request.body === 'string'
              ? request.body
              : new TextDecoder().decode(request.body ?? new Uint8Array()),
        });
        const body = JSON.stringify({ Name: 'tickfan/prod/binance', SecretString: secretString });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    },
  });
  return { client, requests };
}

describe('readExchangeKeys', () => {
  it('reads the keys with one GetSecretValue of the named secret', async () => {
    const { client, requests } = clientAnswering('{"apiKey":"AK-123","secret":"S-456"}');

    const keys = await readExchangeKeys('tickfan/prod/binance', client);

    expect(keys).toEqual({ apiKey: 'AK-123', secret: 'S-456' });
    expect(requests).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: '{"SecretId":"tickfan/prod/binance"}' },
    ]);
  });

  it('names what is missing from a malformed secret, and never echoes its values', async () => {
    const { client } = clientAnswering('{"apiKey":"AK-SECRET-VALUE"}');
    const error = await readExchangeKeys('tickfan/prod/binance', client).catch((e: Error) => e);
    expect((error as Error).message).toContain('lacks secret');
    expect((error as Error).message).not.toContain('AK-SECRET-VALUE');

    const notJson = clientAnswering('apiKey=AK-SECRET-VALUE');
    const error2 = await readExchangeKeys('s', notJson.client).catch((e: Error) => e);
    expect((error2 as Error).message).toContain('is not JSON');
    expect((error2 as Error).message).not.toContain('AK-SECRET-VALUE');
  });
});
