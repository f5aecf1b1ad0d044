import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { MessageRetry } from '../ports/message-retry.js';

/** Options of {@link SqsMessageRetry}. */
export interface SqsMessageRetryOptions {
  /** URL of the queue the messages were received from. */
  readonly queueUrl: string;
  /** Defaults to a client for the ambient AWS configuration. */
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
  private readonly client: SQSClient;

  constructor(options: SqsMessageRetryOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client ?? new SQSClient({});
  }

  async retryAfter(receiptHandle: string, delayMs: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
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
