import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MessageRetry } from '../ports/message-retry.js';

/** Options of {@link SqsMessageRetry}. */
export interface SqsMessageRetryOptions {
  /** URL of the queue the messages were received from. */
  readonly queueUrl: string;
  /** Defaults to a client for the ambient AWS configuration, created on the first retry. */
  readonly client?: SQSClient;
}

/** SQS takes a visibility timeout in whole seconds, at most 12 hours. */
const maxVisibilitySeconds = 43_200;

/**
 * {@link MessageRetry} on SQS: ChangeMessageVisibility on the received message. The new timeout
 * counts from the call, replaces the one the receive set, and leaves the receive count alone, so
 * redrive to the dead-letter queue still happens after `maxReceiveCount` deliveries.
 */
export class SqsMessageRetry implements MessageRetry {
  private readonly queueUrl: string;
  private client: SQSClient | undefined;

  constructor(options: SqsMessageRetryOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client;
  }

  async retryAfter(receiptHandle: string, delayMs: number): Promise<void> {
    // Loaded on the first failed tick, not at import: a container whose ticks succeed never
    // needs the SQS client, and its cold start should not pay for it.
    const sdk = await import('@aws-sdk/client-sqs');
    this.client ??= new sdk.SQSClient({});
    await this.client.send(
      new sdk.ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: visibilitySeconds(delayMs),
      }),
    );
  }
}

/** `delayMs` as an SQS visibility timeout: rounded up, so a retry never comes early. */
export function visibilitySeconds(delayMs: number): number {
  return Math.min(maxVisibilitySeconds, Math.max(0, Math.ceil(delayMs / 1000)));
}
