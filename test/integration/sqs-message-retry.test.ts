import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsMessageRetry, visibilitySeconds } from '../../lib/adapters/sqs-message-retry.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startSqs,
} from '../../lib/local/services.js';

let sqs: LocalService;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startSqs();
  client = new SQSClient(localAwsClientConfig(sqs.endpoint));
});

afterAll(async () => {
  client?.destroy();
  await sqs?.close();
});

describe('SqsMessageRetry', () => {
  it('makes a received message visible again after the retry delay instead of its visibility timeout', async () => {
    const { queueUrl } = await createSymbolQueues(client, {
      name: 'retry-after',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 300,
    });
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'tick',
        MessageGroupId: 'LTC/BTC',
        MessageDeduplicationId: 'LTC/BTC#1',
      }),
    );
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    const handle = first.Messages?.[0]?.ReceiptHandle ?? '';

    await new SqsMessageRetry({ queueUrl, client }).retryAfter(handle, 1_000);

    // Hidden for 300 s by the receive, the message is back within the long poll only because
    // the retry set its visibility to 1 s.
    const again = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }),
    );
    expect(again.Messages?.map((m) => m.Body)).toEqual(['tick']);
  });

  it('refuses a handle the queue did not hand out, so the caller can report it', async () => {
    const { queueUrl } = await createSymbolQueues(client, {
      name: 'retry-unknown',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 300,
    });

    await expect(
      new SqsMessageRetry({ queueUrl, client }).retryAfter('not-a-handle', 1_000),
    ).rejects.toThrow();
  });
});

describe('visibilitySeconds', () => {
  it.each([
    [0, 0],
    [1, 1],
    [500, 1],
    [5_000, 5],
    [5_001, 6],
    [100_000_000, 43_200],
  ])('gives SQS %i ms as %i whole seconds, never earlier', (ms, seconds) => {
    expect(visibilitySeconds(ms)).toBe(seconds);
  });
});
