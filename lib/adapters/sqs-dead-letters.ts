import type { SQSClient } from '@aws-sdk/client-sqs';
import { createRedactor } from '../domain/redact.js';
import type { DeadLetters, UndeliverableMessage } from '../ports/dead-letters.js';
import { toFifoId } from './fifo-id.js';

export interface SqsDeadLettersOptions {
  /** The FIFO dead-letter queue of the symbol queue. */
  readonly queueUrl: string;
  /** Defaults to a client for the ambient AWS configuration, created on the first move. */
  readonly client?: SQSClient;
}

/** Message attribute carrying why a message was dead-lettered. */
export const errorAttribute = 'tickfan-error';

/**
 * Moves a poison message to the dead-letter queue with the validation error attached. The
 * message keeps its body and group, so a redrive sends it as it came; its id deduplicates a
 * repeated move of the same message. The reason is read by people and alarms, so it is redacted
 * like a log line and cut to 2 KB.
 */
export class SqsDeadLetters implements DeadLetters {
  private readonly queueUrl: string;
  private client: SQSClient | undefined;

  constructor(options: SqsDeadLettersOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client;
  }

  async deadLetter(message: UndeliverableMessage, reason: string): Promise<void> {
    // Loaded on the first poison message, not at import: most containers never see one, and
    // their cold start should not pay for the SQS client.
    const sdk = await import('@aws-sdk/client-sqs');
    this.client ??= new sdk.SQSClient({});
    await this.client.send(
      new sdk.SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: message.body === '' ? '(empty body)' : message.body,
        MessageGroupId: toFifoId(message.groupId || 'poison'),
        MessageDeduplicationId: toFifoId(message.messageId),
        MessageAttributes: {
          [errorAttribute]: { DataType: 'String', StringValue: createRedactor().text(reason) },
          'tickfan-source-message-id': { DataType: 'String', StringValue: message.messageId },
        },
      }),
    );
  }
}
